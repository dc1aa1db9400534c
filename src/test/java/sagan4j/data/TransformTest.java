package sagan4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** Fit's arithmetic on hand-computed pixels, and RandomFlip: a mirror of Fit's output, drawn from the draw seed. */
class TransformTest {
    /** A 1×2×3 grey image: rows (0, 51, 102) and (153, 204, 255). */
    private static final Example SMALL = new Example(new byte[] {0, 51, 102, (byte) 153, (byte) 204, (byte) 255}, 1, 2, 3, 7);

    @Test
    void fitScalesToMinusOneOneAndPadsWithBlack() {
        float[] out = new float[16];
        new Fit(1, 4).write(SMALL, out, 0);
        // 2×3 centred in 4×4: top (4 − 2) / 2 = 1, left (4 − 3) / 2 = 0; v ↦ v / 127.5 − 1, padding −1
        float a = (float) (51 / 127.5 - 1), b = (float) (102 / 127.5 - 1), c = (float) (153 / 127.5 - 1), d = (float) (204 / 127.5 - 1);
        assertArrayEquals(new float[] {-1, -1, -1, -1, -1, a, b, -1, c, d, 1, -1, -1, -1, -1, -1}, out);
    }

    @Test
    void fitMakesRgbOfGreyAndGreyOfRgbByTheChannelMean() {
        Example rgb = new Example(new byte[] {30, 60, (byte) 255}, 3, 1, 1, 0);
        float[] grey = new float[1];
        new Fit(1, 1).write(rgb, grey, 0);
        assertEquals((float) (115 / 127.5 - 1), grey[0], "(30 + 60 + 255) / 3 = 115");
        float[] three = new float[3];
        new Fit(3, 1).write(new Example(new byte[] {(byte) 200}, 1, 1, 1, 0), three, 0);
        float v = (float) (200 / 127.5 - 1);
        assertArrayEquals(new float[] {v, v, v}, three);
    }

    @Test
    void fitResizesALargerImageBilinearly() {
        // 1×2×2 → 1×1: the sample point (0.5, 0.5) is the mean of the four pixels: (0 + 100 + 200 + 250) / 4 = 137.5
        Example e = new Example(new byte[] {0, 100, (byte) 200, (byte) 250}, 1, 2, 2, 0);
        float[] out = new float[1];
        new Fit(1, 1).write(e, out, 0);
        assertEquals((float) (137.5 / 127.5 - 1), out[0]);
    }

    @Test
    void randomFlipMirrorsRowsExactlyWhenItsDrawSaysSo() {
        Fit fit = new Fit(1, 4);
        float[] plain = new float[16];
        fit.write(SMALL, plain, 0);
        RandomFlip flip = new RandomFlip(fit);
        assertEquals(1, flip.channels());
        assertEquals(4, flip.resolution());
        int flipped = 0;
        for (long seed = 0; seed < 40; seed++) {
            float[] out = new float[18];
            flip.apply(SMALL, seed, out, 2);
            boolean mirror = new SplittableRandom(seed).nextBoolean();
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 4; x++) {
                    assertEquals(plain[y * 4 + (mirror ? 3 - x : x)], out[2 + y * 4 + x], "seed " + seed + " (" + y + ", " + x + ")");
                }
            }
            flipped += mirror ? 1 : 0;
        }
        assertEquals(true, flipped > 5 && flipped < 35, "about half flipped: " + flipped);
    }

    @Test
    void mirrorReversesEachRowOfEachChannel() {
        float[] x = {9, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        RandomFlip.mirror(x, 1, 2, 2); // two channels of 2×2 starting at index 1
        assertArrayEquals(new float[] {9, 2, 1, 4, 3, 6, 5, 8, 7, 9}, x);
        float[] odd = {1, 2, 3, 4, 5, 6, 7, 8, 9}; // one channel of 3×3: the middle column stays
        RandomFlip.mirror(odd, 0, 1, 3);
        assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4, 9, 8, 7}, odd);
    }
}
