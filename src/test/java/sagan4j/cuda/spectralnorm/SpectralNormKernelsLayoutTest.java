package sagan4j.cuda.spectralnorm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import jcuda.driver.CUdeviceptr;
import sagan4j.testing.KernelSource;

/**
 * The host-side layout of the spectral-norm kernels (no GPU needed) against kernels/spectral_norm.cu: the
 * work-item counts and the scratch the kernels index, with the tile sizes read from the CUDA source (the
 * {@code sn_r1}, {@code sn_ct}, {@code sn_r3} chunkings and the {@code SnScratch} layout part [r1·n] | vraw [n] |
 * vsq [ct] | t [m] | tsq [r3]), on shapes at and around every tile boundary. That the scratch is large enough
 * in practice is checked on the emulator, whose allocations end at a guard page.
 */
class SpectralNormKernelsLayoutTest {
    private static final KernelSource CU = KernelSource.of("spectral_norm.cu");
    private static final long P1 = CU.define("SN_P1_ROWS"), TILE = CU.define("SN_TILE"), P3 = CU.define("SN_P3_ROWS"),
            FCHUNK = CU.define("SN_FCHUNK");
    private static final int[] SIZES = {1, 2, 7, 8, 9, 63, 64, 65, 255, 256, 257, 1536, 4097, 13824};

    private static long ceil(long a, long b) {
        return (a + b - 1) / b;
    }

    @Test
    void scratchHoldsTheKernelsLayoutAlignedTo256Bytes() {
        for (int m : SIZES) {
            for (int n : SIZES) {
                long need = ceil(m, P1) * n + n + ceil(n, TILE) + m + ceil(m, P3);
                long got = SpectralNormKernels.scratchFloats(m, n);
                String what = "(" + m + ", " + n + ")";
                assertEquals(0, got % 64, what + ": 256-byte aligned, so the next weight's scratch is too");
                assertEquals(ceil(need, 64) * 64, got, what + ": the layout, rounded up to 64 floats");
            }
        }
    }

    @Test
    void finalItemsAndBackwardPartials() {
        for (int m : SIZES) {
            for (int n : SIZES) {
                long tiles = ceil(n, TILE), chunks = ceil(m, P3);
                assertEquals(tiles + chunks + ceil((long) m * n, FCHUNK), SpectralNormKernels.finalItems(m, n, true));
                assertEquals(tiles + chunks, SpectralNormKernels.finalItems(m, n, false));
            }
        }
        // sn_backward_dot's fixed grid: one partial per 8192 elements, at most BACKWARD_PARTIALS
        assertEquals(1, SpectralNormKernels.backwardPartials(1));
        assertEquals(1, SpectralNormKernels.backwardPartials(8192));
        assertEquals(2, SpectralNormKernels.backwardPartials(8193));
        assertEquals(SpectralNormKernels.BACKWARD_PARTIALS, SpectralNormKernels.backwardPartials(21233664L));
    }

    @Test
    void aSetAddsUpItsWeights() {
        CUdeviceptr p = new CUdeviceptr();
        SpectralNormKernels.WeightSet set = new SpectralNormKernels.WeightSet()
                .add(p, 64, 27, p, p, p, p)
                .add(p, 4096, 128, p, p, p, null);
        assertEquals(2, set.size());
        assertEquals(2L * SpectralNormKernels.DESCRIPTOR_BYTES, set.descriptorBytes());
        assertEquals(4L * (SpectralNormKernels.scratchFloats(64, 27) + SpectralNormKernels.scratchFloats(4096, 128)),
                set.scratchBytes());
        // the final phase has the most items: (1 v tile + 8 u chunks + 1 W/σ chunk) + (1 + 512, no W/σ)
        assertEquals(ceil(27, TILE) + ceil(64, P3) + ceil(64 * 27, FCHUNK) + ceil(128, TILE) + ceil(4096, P3), set.maxItems());
        assertThrows(IllegalArgumentException.class, () -> set.add(p, 0, 5, p, p, p, null));
    }
}
