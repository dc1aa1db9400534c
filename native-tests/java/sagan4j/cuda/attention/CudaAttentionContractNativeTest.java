package sagan4j.cuda.attention;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

import sagan4j.backend.AttentionContractTest;
import sagan4j.backend.Backend;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;

/** The attention contract (hand-computed values, double reference, shape errors) for every CUDA version. */
@Tag("native")
class CudaAttentionContractNativeTest extends AttentionContractTest {
    private static CudaBackend cuda;

    @BeforeAll
    static void open() {
        cuda = Gpu.open(CudaBackend.Options.defaults());
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
