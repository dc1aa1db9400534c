package sagan4j.data;

import java.util.SplittableRandom;

/**
 * A small class-conditional set made in code, for tests and demos: 32×32 grey images, 10 classes; class k
 * is a bright 8×8 square whose position on a 4×3 grid (classes 0–9 fill it row by row) names the class (jittered by up to 2 pixels, its
 * brightness drawn from 170..255) on a dark, noisy background. Learnable in a few hundred steps by a tiny
 * GAN and by the evaluation classifier, so a short run can show samples becoming their class.
 */
public final class Synthetic {
    public static final int SIZE = 32;
    public static final int CLASSES = 10;

    private Synthetic() {
    }

    /** {@code n} images from {@code seed} (the training and held-out splits use different seeds). */
    public static ImageSet make(int n, long seed, String name) {
        SplittableRandom rng = new SplittableRandom(seed);
        byte[] px = new byte[n * SIZE * SIZE];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int k = i % CLASSES;
            labels[i] = k;
            int cx = 2 + (k % 4) * 7 + rng.nextInt(-2, 3), cy = 2 + (k / 4) * 10 + rng.nextInt(-2, 3);
            int bright = rng.nextInt(170, 256);
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    boolean in = x >= cx && x < cx + 8 && y >= cy && y < cy + 8;
                    int v = in ? bright : rng.nextInt(0, 40);
                    px[i * SIZE * SIZE + y * SIZE + x] = (byte) Math.max(0, Math.min(255, v));
                }
            }
        }
        return new ImageSet(name, px, labels, n, 1, SIZE, SIZE, CLASSES);
    }
}
