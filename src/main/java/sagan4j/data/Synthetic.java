package sagan4j.data;

import java.util.SplittableRandom;

/**
 * A small class-conditional set made in code, for tests and demos: 32×32 grey images, 10 classes; class k
 * is a bright 10×10 square at a random position whose brightness names the class (40 + 22·k, ±6) on a dark,
 * noisy background (0..30). The class is a global property (a brightness level), which a conditional
 * batch norm's per-class γ, β can produce directly, so a tiny GAN shows class-conditional samples within
 * a few hundred steps and the evaluation classifier separates the classes easily; where the square sits is
 * the variation within a class that z must carry.
 */
public final class Synthetic {
    public static final int SIZE = 32;
    public static final int CLASSES = 10;
    private static final int SQUARE = 10;

    private Synthetic() {
    }

    /** {@code n} images from {@code seed} (the training and held-out splits use different seeds). */
    public static ImageSet make(int n, long seed, String name) {
        if (n < 0) {
            throw new DataException("Synthetic.make: n " + n + " (expected 0 or more images)");
        }
        SplittableRandom rng = new SplittableRandom(seed);
        byte[] px = new byte[n * SIZE * SIZE];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int k = i % CLASSES;
            labels[i] = k;
            int cx = rng.nextInt(SIZE - SQUARE + 1), cy = rng.nextInt(SIZE - SQUARE + 1);
            int bright = 40 + 22 * k + rng.nextInt(-6, 7);
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    boolean in = x >= cx && x < cx + SQUARE && y >= cy && y < cy + SQUARE;
                    px[i * SIZE * SIZE + y * SIZE + x] = (byte) (in ? bright : rng.nextInt(0, 31));
                }
            }
        }
        return new ImageSet(name, px, labels, n, 1, SIZE, SIZE, CLASSES);
    }
}
