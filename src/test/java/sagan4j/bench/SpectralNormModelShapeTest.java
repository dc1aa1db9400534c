package sagan4j.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import sagan4j.ops.OpInputException;

/**
 * {@code bench spectral-norm --shape model=NAME,iters=K}: every SN weight of the preset's G and D, the set
 * the PyTorch peer's spectral_norm hooks run on. Counted by hand for sagan32: G has the linear, 2 + 3 + 3
 * block convs (block 0 keeps 256 channels: no shortcut conv), θ, φ, g, o and the output conv (14); D has
 * 3 + 3 + 3 + 2 block convs, θ, φ, g, o, the linear and the class embedding (17).
 */
class SpectralNormModelShapeTest {
    @Test
    void sagan32HasThirtyOneSnWeightsWithTheirMatrixShapes() {
        BenchShape s = new SpectralNormBench().parseShape("model=sagan32,iters=2");
        assertEquals(2, s.get("iters"));
        int[][] w = SpectralNormBench.weights(s);
        assertEquals(31, w.length);
        assertArrayEquals(new int[] {16 * 256, 128}, w[0], "G's linear: 128 -> 4x4x256, rows = outputs");
        assertArrayEquals(new int[] {3, 64 * 9}, w[13], "G's output conv (3, 64, 3, 3)");
        assertArrayEquals(new int[] {64, 3 * 9}, w[14], "D's first conv (64, 3, 3, 3)");
        assertArrayEquals(new int[] {10, 256}, w[30], "D's class embedding (10, 256)");
    }

    @Test
    void unknownModelIsOneLine() {
        OpInputException e = assertThrows(OpInputException.class, () -> new SpectralNormBench().parseShape("model=vgg,iters=1"));
        assertEquals("--shape: model must be one of tiny, sagan32, biggan32, biggan128, got 'vgg'", e.getMessage());
    }
}
