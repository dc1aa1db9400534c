package sagan4j.train;

import java.util.SplittableRandom;

import sagan4j.data.Seeds;
import sagan4j.nn.Init;

/**
 * z ~ N(0, I) and uniform class labels for G, drawn from a generator seeded by (seed, stream, counter), so
 * the latents of any step are a function of the seed and the step number alone: no generator state to
 * save, and a resumed run draws exactly what an uninterrupted one would.
 */
record Latents(float[] z, int[] labels) {
    /** Streams: the D steps' fakes, the G steps' fakes, and the fixed z of the sample sheets. */
    static final long D_STREAM = 1, G_STREAM = 2, SHEET_STREAM = 3, EVAL_STREAM = 4;

    static Latents draw(long seed, long stream, long counter, int batch, int zDim, int classes) {
        SplittableRandom rng = new SplittableRandom(Seeds.mix(seed, stream, counter));
        int[] labels = new int[batch];
        for (int b = 0; b < batch; b++) {
            labels[b] = rng.nextInt(classes);
        }
        return new Latents(Init.gaussian(batch * zDim, 1, rng), labels);
    }
}
