package sagan4j.cuda.attention;

import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;

import sagan4j.backend.AttentionContractTest;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;
import sagan4j.testing.BackendCase;

/**
 * The attention contract (hand-computed values, double reference, shape errors) for every CUDA version, with
 * the default GEMM path and with the GEMM fallback kernel under the baseline composition (no cuBLAS).
 */
@Tag("native")
class CudaAttentionContractNativeTest extends AttentionContractTest {
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
