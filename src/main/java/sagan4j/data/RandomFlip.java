package sagan4j.data;

import java.util.SplittableRandom;

/**
 * Mirrors the output of another transform left to right for half of the images, as
 * {@code torchvision.transforms.RandomHorizontalFlip}: whether image j is flipped is the first boolean of a
 * generator seeded by its draw seed. A mirrored {@link Fit} output is exactly the fit of the mirrored image
 * (every output column is computed from its own source column), so flipping after fitting changes no value.
 * The inner transform gets the same draw seed; one that drew from it too would share the flip's stream.
 */
public final class RandomFlip implements Transform {
    private final Transform inner;

    public RandomFlip(Transform inner) {
        this.inner = java.util.Objects.requireNonNull(inner, "RandomFlip: inner is null (expected the transform whose output it flips)");
    }

    @Override
    public int channels() {
        return inner.channels();
    }

    @Override
    public int resolution() {
        return inner.resolution();
    }

    @Override
    public void apply(Example example, long drawSeed, float[] out, int offset) {
        inner.apply(example, drawSeed, out, offset);
        if (new SplittableRandom(drawSeed).nextBoolean()) {
            mirror(out, offset, channels(), resolution());
        }
    }

    /** Reverses every row of the (c, r, r) image at {@code offset}. */
    static void mirror(float[] out, int offset, int c, int r) {
        for (int row = 0; row < c * r; row++) {
            for (int a = offset + row * r, b = a + r - 1; a < b; a++, b--) {
                float t = out[a];
                out[a] = out[b];
                out[b] = t;
            }
        }
    }
}
