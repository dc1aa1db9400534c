package sagan4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import sagan4j.backend.ConfigException;

/** The truncation trick's z: inside ±t, untouched where the plain draw already was, and plain at t = 0. */
class InitTruncationTest {
    @Test
    void zeroTruncatesNothingAndAPositiveBoundRedrawsOnlyTheEntriesOutsideIt() {
        int n = 4001; // odd: gaussian's last pair is half used
        float[] plain = Init.gaussian(n, 1, new SplittableRandom(5));
        assertArrayEquals(plain, Init.truncatedGaussian(n, 0, new SplittableRandom(5)));
        double t = 0.7;
        float[] cut = Init.truncatedGaussian(n, t, new SplittableRandom(5));
        int inside = 0, redrawn = 0;
        for (int i = 0; i < n; i++) {
            assertTrue(Math.abs(cut[i]) <= t, "entry " + i + " = " + cut[i]);
            // the first entry outside ±t is redrawn from the stream after all n plain draws, so entries
            // before it are the plain draw's bit for bit
            if (Math.abs(plain[i]) <= t) {
                inside++;
            } else {
                redrawn++;
            }
        }
        int firstOutside = 0;
        while (Math.abs(plain[firstOutside]) <= t) {
            firstOutside++;
        }
        for (int i = 0; i < firstOutside; i++) {
            assertEquals(plain[i], cut[i], 0f);
        }
        // P(|z| ≤ 0.7) = 0.516 for a standard normal: the plain draw is one, so about half were redrawn
        assertEquals(0.516, inside / (double) n, 0.04);
        assertTrue(redrawn > 0);
    }

    @Test
    void boundsBelowTheMinimumOrNotFiniteGiveOneLine() {
        for (double t : new double[] {0.05, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            String m = assertThrows(ConfigException.class, () -> Init.truncatedGaussian(8, t, new SplittableRandom(1))).getMessage();
            assertEquals("truncation: expected 0 (none) or a finite value of at least 0.1, got " + t, m);
        }
    }
}
