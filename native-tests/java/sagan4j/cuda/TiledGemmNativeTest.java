package sagan4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import sagan4j.backend.Backend;
import sagan4j.backend.BackendContractTest;

/** The shared backend contract on CUDA with the fallback GEMM (kernels/gemm.cu sgemm_tiled). */
@Tag("native")
class TiledGemmNativeTest extends BackendContractTest {
    private static final Gpu.Shared CUDA = new Gpu.Shared(CudaBackend.Options.defaults().withGemm(CudaBackend.GemmChoice.TILED));

    @Override
    protected Backend backend() {
        return CUDA.get();
    }

    @Test
    void usesTheTiledKernel() {
        assertEquals("tiled", ((CudaBackend) backend()).gemmPath().name());
    }

    @AfterAll
    static void close() {
        CUDA.close();
    }
}
