package sagan4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * The seeded data order against values computed by an independent Python transcription of Seeds.mix,
 * java.util.SplittableRandom (nextInt(bound), nextBoolean) and the Fisher–Yates shuffle.
 */
class SamplerTest {
    @Test
    void eachEpochIsTheTranscriptionsPermutation() {
        Sampler s = new Sampler(10, 42);
        assertArrayEquals(new int[] {2, 0, 6, 1, 5, 3, 4, 7, 9, 8}, s.order(0));
        assertArrayEquals(new int[] {5, 8, 2, 1, 6, 0, 4, 9, 3, 7}, s.order(1));
        assertArrayEquals(new int[] {7, 9, 1, 4, 3, 2, 5, 6, 8, 0}, s.order(2));
        assertArrayEquals(new int[] {0, 9, 3, 2, 6, 7, 4, 8, 1, 5}, new Sampler(10, 43).order(0), "another seed");
        assertEquals(-3525463456118206025L, Seeds.mix(1, 2, 3));
    }

    @Test
    void everyEpochIsAPermutationReproducibleFromTheSeedAlone() {
        Sampler s = new Sampler(37, 5);
        int[] previous = null;
        for (long e = 0; e < 6; e++) {
            int[] p = s.order(e);
            int[] sorted = p.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < sorted.length; i++) {
                assertEquals(i, sorted[i], "epoch " + e + " visits every index once");
            }
            assertArrayEquals(p, new Sampler(37, 5).order(e), "a new sampler with the same seed, the same order");
            if (previous != null) {
                assertNotEquals(Arrays.toString(previous), Arrays.toString(p), "each epoch is shuffled anew");
            }
            previous = p;
        }
        assertArrayEquals(new int[0], new Sampler(0, 5).order(3));
        assertArrayEquals(new int[] {0}, new Sampler(1, 5).order(3));
    }

    @Test
    void drawSeedsFollowThePositionInTheEpoch() {
        Sampler s = new Sampler(10, 42);
        boolean[] epoch0 = {true, true, false, false, false, false, true, false, false, false};
        boolean[] epoch1 = {false, true, true, true, true, false, true, false, true, false};
        for (int j = 0; j < 10; j++) {
            assertEquals(epoch0[j], new SplittableRandom(s.drawSeed(0, j)).nextBoolean(), "flip at epoch 0 position " + j);
            assertEquals(epoch1[j], new SplittableRandom(s.drawSeed(1, j)).nextBoolean(), "flip at epoch 1 position " + j);
        }
        assertEquals(Seeds.mix(42, 1, 5), s.drawSeed(1, 4), "position j draws from (seed, epoch, j + 1)");
    }
}
