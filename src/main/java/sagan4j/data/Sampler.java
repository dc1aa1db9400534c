package sagan4j.data;

import java.util.SplittableRandom;

/**
 * The seeded data order, as {@code torch.utils.data.RandomSampler}: epoch e visits every index once, in a
 * Fisher–Yates shuffle by a generator seeded from (seed, e), and the draws a {@link Transform} makes for the
 * image at position j of epoch e (a flip) come from a seed made of (seed, e, j + 1). Nothing is kept
 * between calls, so the order from any position is a function of (seed, position) alone — all a checkpoint
 * needs to resume it.
 */
public final class Sampler {
    private final int size;
    private final long seed;

    /** Orders {@code size} indices from {@code seed}. */
    public Sampler(int size, long seed) {
        if (size < 0) {
            throw new DataException("Sampler: size " + size + " (expected 0 or more images)");
        }
        this.size = size;
        this.seed = seed;
    }

    public int size() {
        return size;
    }

    /** Epoch {@code epoch}'s permutation of 0..size−1: position j of the epoch draws image {@code order(epoch)[j]}. */
    public int[] order(long epoch) {
        int[] p = new int[size];
        for (int i = 0; i < p.length; i++) {
            p[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(Seeds.mix(seed, epoch, 0));
        for (int i = p.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** The seed of the random draws for position {@code position} of epoch {@code epoch} ({@link Transform#apply}). */
    public long drawSeed(long epoch, int position) {
        return Seeds.mix(seed, epoch, position + 1L);
    }
}
