package sagan4j.cuda;

import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;

import sagan4j.backend.BackendContractTest;
import sagan4j.testing.BackendCase;

/**
 * The shared backend contract on CUDA, FP32: with its default GEMM path (cuBLAS when it loads) and with the
 * fallback GEMM kernel (kernels/gemm.cu sgemm_tiled; {@link TiledGemmNativeTest} checks it is the one used).
 */
@Tag("native")
class CudaBackendNativeTest extends BackendContractTest {
    private static final Gpu.Shared CUDA = new Gpu.Shared(CudaBackend.Options.defaults());
    private static final Gpu.Shared TILED = new Gpu.Shared(CudaBackend.Options.defaults().withGemm(CudaBackend.GemmChoice.TILED));

    protected static Stream<BackendCase> backends() {
        return Stream.of(CUDA.asCase("cuda"), TILED.asCase("cuda, tiled GEMM"));
    }

    @AfterAll
    static void close() {
        CUDA.close();
        TILED.close();
    }
}
