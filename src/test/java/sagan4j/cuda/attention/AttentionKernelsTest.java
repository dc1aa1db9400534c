package sagan4j.cuda.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Launch choices of the embeddable attention kernels that need no GPU: tile widths, limits, scratch sizes. */
class AttentionKernelsTest {
    @ParameterizedTest(name = "c={0} d={1} -> CT={2}")
    @CsvSource({"1, 8, 32", "13, 16, 32", "32, 8, 32", "33, 8, 64", "48, 12, 64", "64, 16, 64", "72, 18, 96",
        "96, 24, 96", "97, 16, 64", "100, 32, 64", "160, 16, 96", "192, 24, 96", "1000, 8, 96"})
    void outputTileWidthBalancesPaddingAndRecomputation(int c, int d, int ct) {
        assertEquals(ct, AttentionKernels.tileColumns(c, d));
    }

    /** The boundaries of the fused kernels' support (the limits themselves are read from attention.cu by KernelConstantsTest). */
    @Test
    void fusedLimits() {
        assertTrue(AttentionKernels.fusedForwardSupports(32, 1000));
        assertFalse(AttentionKernels.fusedForwardSupports(33, 8));
        assertTrue(AttentionKernels.fusedBackwardSupports(24, 96));
        assertFalse(AttentionKernels.fusedBackwardSupports(24, 97));
    }
}
