package sagan4j.cuda.attention;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

import sagan4j.backend.AttentionContractTest;
import sagan4j.backend.Backend;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;

/** The attention contract with the GEMM fallback kernel under the baseline composition (no cuBLAS). */
@Tag("native")
class TiledGemmAttentionContractNativeTest extends AttentionContractTest {
    private static CudaBackend cuda;

    @BeforeAll
    static void open() {
        cuda = Gpu.open(CudaBackend.Options.defaults().withGemm(CudaBackend.GemmChoice.TILED));
    }

    @AfterAll
    static void close() {
        if (cuda != null) {
            cuda.close();
        }
    }

    @Override
    protected Backend backend() {
        return cuda;
    }
}
