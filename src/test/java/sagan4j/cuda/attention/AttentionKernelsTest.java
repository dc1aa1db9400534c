package sagan4j.cuda.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
        assertTrue(AttentionKernels.fusedForwardSupports(64, 1000));
        assertFalse(AttentionKernels.fusedForwardSupports(65, 8));
        assertTrue(AttentionKernels.fusedBackwardSupports(24, 96));
        assertFalse(AttentionKernels.fusedBackwardSupports(24, 97));
        assertTrue(AttentionKernels.fusedBackwardSupports(64, 64));
        assertFalse(AttentionKernels.fusedBackwardSupports(33, 65));
        assertFalse(AttentionKernels.fusedBackwardSupports(65, 8));
        assertNull(AttentionKernels.fusedUnsupportedReason(true, 64, 64));
        assertEquals("the fused forward needs d <= 64, got d=65", AttentionKernels.fusedUnsupportedReason(false, 65, 8));
    }

    /** The smallest instantiated tile that holds (d, c): d ≤ 32 stays on the 32-wide tiles. */
    @ParameterizedTest(name = "d={0} c={1} -> ({2}, {3})")
    @CsvSource({"1, 1, 32, 32", "32, 33, 32, 64", "24, 96, 32, 96", "33, 1, 64, 32", "64, 64, 64, 64", "12, 48, 32, 64"})
    void backwardTiles(int d, int c, int dm, int cm) {
        assertArrayEquals(new int[] {dm, cm}, AttentionKernels.backwardTile(d, c));
    }

    /**
     * The split of N in the dk/dv kernel, worked by hand: blocks = B·⌈M/32⌉·S aim at 4 per SM, each split at
     * least 8 tiles of 32 rows, whole tiles per split. BigGAN-128 at B 8 on an H100 (132 SMs): 256 → 768 blocks.
     */
    @ParameterizedTest(name = "B={0} N={1} M={2} SMs={3} -> S={4}, rows {5}")
    @CsvSource({
        "8, 4096, 1024, 132, 3, 1376",   // BigGAN-128 (keys 32 x 8 = 256 blocks; 528 wanted: 3 splits of 43 tiles)
        "64, 256, 64, 132, 1, 256",      // SAGAN-32 at B 64: 8 tiles per block, too short to split
        "512, 256, 64, 132, 1, 256",     // 1024 blocks already
        "1, 520, 40, 4, 2, 288",         // the emulator's 4 SMs: 2 key blocks, 17 tiles: 9 + 8 (a tail of 232 rows)
        "1, 2048, 32, 4, 8, 256",        // 1 key block, 64 tiles: 8 splits of 8
        "1, 33, 9, 132, 1, 64",          // 2 tiles
        "3, 67, 17, 4, 1, 96",
    })
    void dkdvSplit(int batch, int n, int m, int sms, int splits, int rows) {
        assertArrayEquals(new int[] {splits, rows}, AttentionKernels.dkdvSplit(batch, n, m, sms));
        assertTrue((long) (splits - 1) * rows < n && (long) splits * rows >= n, "every split has rows, all rows are covered");
    }
}
