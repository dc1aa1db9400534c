package sagan4j.cuda.condbatchnorm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;
import sagan4j.cuda.condbatchnorm.CondBatchNormKernels.Geometry;

/**
 * Which kernels an explicitly chosen {@code fused} runs: one block per channel only when that fills the GPU
 * (a channel per SM) or the data is small (≤ 8 MiB, where the launches it saves dominate); otherwise the
 * two-pass plane walk, whose statistics spread over the whole GPU. Both versions' numbers are checked against
 * the CPU by CondBatchNormVsCpuNativeTest; this pins the choice, on the device's own SM count.
 */
@Tag("native")
class CondBatchNormResolveNativeTest {
    private static final Gpu.Shared CUDA = new Gpu.Shared(CudaBackend.Options.defaults());

    @AfterAll
    static void close() {
        CUDA.close();
    }

    @Test
    void fusedRunsThePlaneWalkWhenChannelsCannotFillTheGpu() {
        CudaBackend be = CUDA.get();
        CondBatchNormKernels k = new CondBatchNormKernels(be.kernels());
        int sms = be.kernels().multiprocessors();
        // few channels, big planes (3 channels at 128x128 and more: > 8 MiB): the plane walk
        Geometry few = new Geometry(2 + (8 << 20) / (4 * 3 * 128 * 128), Math.min(3, sms - 1), 128, 128, 0);
        assertEquals(CondBatchNormKernels.TWO_PASS, k.resolve(CondBatchNormKernels.FUSED, few, false));
        assertEquals(CondBatchNormKernels.TWO_PASS, k.resolve(CondBatchNormKernels.FUSED, few, true));
        assertEquals(CondBatchNormKernels.TWO_PASS, k.resolve(CondBatchNormKernels.AUTO, few, false));
        // a channel per SM: one block each
        Geometry many = new Geometry(2, sms, 4, 4, 0);
        assertEquals(CondBatchNormKernels.FUSED, k.resolve(CondBatchNormKernels.FUSED, many, false));
        // little data: fused even with one channel (launch latency dominates)
        Geometry small = new Geometry(4, 1, 16, 16, 10);
        assertEquals(CondBatchNormKernels.FUSED, k.resolve(CondBatchNormKernels.FUSED, small, true));
        // asked for explicitly, two-pass stays two-pass
        assertEquals(CondBatchNormKernels.TWO_PASS, k.resolve(CondBatchNormKernels.TWO_PASS, many, false));
    }
}
