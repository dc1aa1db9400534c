package sagan4j.cuda.spectralnorm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import jcuda.driver.CUdeviceptr;

/**
 * The host-side layout of the spectral-norm kernels (no GPU needed): work items per phase and scratch,
 * which must mirror kernels/spectral_norm.cu (64-row × 256-column phase-1 items, 256-column phase-2
 * items, 8-row phase-3 items, 4096-element W/σ chunks).
 */
class SpectralNormKernelsLayoutTest {
    @Test
    void itemsAndScratchFollowTheKernelsTiling() {
        // (1536, 13824): 24 row chunks × 54 column tiles; 54 tiles; 192 row chunks of 8
        long raw = 24L * 13824 + 13824 + 54 + 1536 + 192;     // part, vraw, vsq, t, tsq = 347382
        assertEquals(347392, raw + 10);
        assertEquals(347392, SpectralNormKernels.scratchFloats(1536, 13824));
        assertEquals(0, SpectralNormKernels.scratchFloats(1536, 13824) % 64, "256-byte aligned");
        assertEquals(64, SpectralNormKernels.scratchFloats(1, 1));
        assertEquals(54 + 192 + 5184, SpectralNormKernels.finalItems(1536, 13824, true));
        assertEquals(1 + 1, SpectralNormKernels.finalItems(1, 1, false));
        assertEquals(1, SpectralNormKernels.backwardPartials(1));
        assertEquals(2, SpectralNormKernels.backwardPartials(8193));
        assertEquals(1024, SpectralNormKernels.backwardPartials(21233664L));
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
        assertEquals(10 + 513, set.maxItems());
        assertThrows(IllegalArgumentException.class, () -> set.add(p, 0, 5, p, p, p, null));
    }
}
