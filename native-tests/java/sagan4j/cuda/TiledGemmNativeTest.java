package sagan4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The fallback GEMM choice selects kernels/gemm.cu sgemm_tiled (CudaBackendNativeTest runs the contract on it). */
@Tag("native")
class TiledGemmNativeTest {
    @Test
    void usesTheTiledKernel() {
        try (CudaBackend cuda = Gpu.open(CudaBackend.Options.defaults().withGemm(CudaBackend.GemmChoice.TILED))) {
            assertEquals("tiled", cuda.gemmPath().name());
        }
    }
}
