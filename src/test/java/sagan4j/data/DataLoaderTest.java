package sagan4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Batching by hand: ten 1×1 images whose pixel is 10·i and whose label is i % 3, so every float of a batch
 * names the image it came from.
 */
class DataLoaderTest {
    private static final ImageSet TEN = tenImages();

    private static ImageSet tenImages() {
        byte[] px = new byte[10];
        int[] labels = new int[10];
        for (int i = 0; i < 10; i++) {
            px[i] = (byte) (10 * i);
            labels[i] = i % 3;
        }
        return new ImageSet("ten", px, labels, 10, 1, 1, 1, 3);
    }

    private static float pixel(int i) {
        return (float) (10 * i / 127.5 - 1);
    }

    /** Batch k of epoch e, by hand: the images at positions 3k..3k+2 of the transcription's order (SamplerTest). */
    private static void assertBatch(Batch b, long epoch, int index, int... images) {
        assertEquals(epoch, b.epoch());
        assertEquals(index, b.index());
        float[] want = new float[images.length];
        int[] labels = new int[images.length];
        for (int k = 0; k < images.length; k++) {
            want[k] = pixel(images[k]);
            labels[k] = images[k] % 3;
        }
        assertArrayEquals(want, b.images(), "epoch " + epoch + " batch " + index);
        assertArrayEquals(labels, b.labels(), "epoch " + epoch + " batch " + index);
    }

    @Test
    void batchesFollowTheSamplersOrderAndDropTheLastPartialBatch() {
        // seed 42: epoch 0 is [2, 0, 6, 1, 5, 3, 4, 7, 9, 8], epoch 1 [5, 8, 2, 1, 6, 0, 4, 9, 3, 7]; batches of 3, 9 is dropped
        DataLoader data = new DataLoader(TEN, new Sampler(10, 42), new Fit(1, 1), 3);
        assertEquals(3, data.batchesPerEpoch());
        assertEquals(3, data.batchSize());
        try (BatchStream s = data.stream(Position.START, 2)) {
            assertBatch(s.next(), 0, 0, 2, 0, 6);
            assertBatch(s.next(), 0, 1, 1, 5, 3);
            assertBatch(s.next(), 0, 2, 4, 7, 9);
            assertBatch(s.next(), 1, 0, 5, 8, 2);
            assertBatch(s.next(), 1, 1, 1, 6, 0);
        }
        assertBatch(data.batch(new Position(1, 2)), 1, 2, 4, 9, 3);
    }

    @Test
    void aStreamResumesMidEpochFromTheBatchCount() {
        DataLoader data = new DataLoader(TEN, new Sampler(10, 42), new Fit(1, 1), 3);
        assertEquals(new Position(0, 0), data.position(0));
        assertEquals(new Position(0, 2), data.position(2));
        assertEquals(new Position(1, 1), data.position(4), "4 batches drawn at 3 a epoch: epoch 1, batch 1");
        try (BatchStream s = data.stream(data.position(4), 1)) {
            assertBatch(s.next(), 1, 1, 1, 6, 0);
            assertBatch(s.next(), 1, 2, 4, 9, 3);
            assertEquals(2, s.next().epoch(), "then the next epoch");
        }
    }

    @Test
    void theTransformGetsEachPositionsDrawSeed() {
        // a transform that writes the low bits of its draw seed: position j of epoch e must get mix(seed, e, j + 1)
        Transform seeds = new Transform() {
            @Override
            public int channels() {
                return 1;
            }

            @Override
            public int resolution() {
                return 1;
            }

            @Override
            public void apply(Example example, long drawSeed, float[] out, int offset) {
                out[offset] = drawSeed & 0xffff;
            }
        };
        Batch b = new DataLoader(TEN, new Sampler(10, 42), seeds, 3).batch(new Position(1, 1));
        for (int k = 0; k < 3; k++) {
            assertEquals(Seeds.mix(42, 1, 3 + k + 1) & 0xffff, (long) b.images()[k], "position " + (3 + k));
        }
    }
}
