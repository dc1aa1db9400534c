package sagan4j.cuda;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import jcuda.CudaException;
import jcuda.driver.CUdeviceptr;
import sagan4j.cuda.runtime.DeviceAllocator;
import sagan4j.cuda.runtime.KernelArgs;

/**
 * Kernels that are correct only at the block size their launcher uses refuse any other (kernels/common.cuh's
 * SAGAN_REQUIRE_BLOCK): a block of the wrong size fails the launch with CUDA_ERROR_LAUNCH_FAILED instead of
 * computing garbage. Emulator only: on a GPU the same trap is asynchronous and loses the context, which the
 * other tests of the run would then inherit. (Larger blocks than __launch_bounds__ allows are refused by the
 * driver before the kernel starts; that is checked here too.)
 */
@Tag("native")
class LaunchShapeNativeTest {
    private static final Gpu.Shared CUDA = new Gpu.Shared(CudaBackend.Options.defaults());

    @AfterAll
    static void close() {
        CUDA.close();
    }

    @ParameterizedTest(name = "{0} with block ({1},{2})")
    @CsvSource({
        "attention_rowdot_f32,                128, 1, CUDA_ERROR_LAUNCH_FAILED",
        "attention_forward_tiled_d32_c32_f32, 64,  1, CUDA_ERROR_LAUNCH_FAILED",
        "attention_backward_dkdv_d64_c64_f32, 96,  1, CUDA_ERROR_LAUNCH_FAILED",
        "channel_bias_grad_partial_f32,       128, 1, CUDA_ERROR_LAUNCH_FAILED",
        "transpose_f32,                       16,  16, CUDA_ERROR_LAUNCH_FAILED",
        "sgemm_tiled,                         256, 1, CUDA_ERROR_LAUNCH_FAILED",
        "attention_forward_tiled_d64_c96_f32, 256, 1, CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
    })
    void aWrongBlockSizeFailsTheLaunch(String kernel, int bx, int by, String error) {
        CudaBackend be = CUDA.get();
        assumeTrue(be.describe().contains("emulator"), "a device-side trap loses a real GPU's context: emulator only");
        // every pointer argument the kernels read points at a zeroed buffer; the check runs before any of them is used
        DeviceAllocator.Block buf = be.allocator().allocate(1 << 16);
        try {
            CUdeviceptr p = buf.ptr();
            KernelArgs args = KernelArgs.of();
            for (KernelArgs.Kind kind : be.kernels().signature(kernel)) {   // a list the signature check lets through
                switch (kind) {
                    case PTR -> args.ptr(p);
                    case I32 -> args.i32(1);
                    case I64 -> args.i64(1);
                    case F32 -> args.f32(1);
                }
            }
            CudaException e = assertThrows(CudaException.class, () -> be.kernels().launch(kernel, 1, 1, 1, bx, by, 1, 0,
                    be.stream(), args));
            assertTrue(String.valueOf(e.getMessage()).contains(error), kernel + ": " + e.getMessage());
        } finally {
            be.allocator().free(buf);
        }
    }
}
