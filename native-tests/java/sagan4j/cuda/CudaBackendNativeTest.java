package sagan4j.cuda;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;

import sagan4j.backend.Backend;
import sagan4j.backend.BackendContractTest;

/** The shared backend contract on CUDA with its default GEMM path (cuBLAS when it loads), FP32. */
@Tag("native")
class CudaBackendNativeTest extends BackendContractTest {
    private static CudaBackend cuda;

    @Override
    protected Backend backend() {
        if (cuda == null) {
            cuda = Gpu.open(CudaBackend.Options.defaults());
        }
        return cuda;
    }

    @AfterAll
    static void close() {
        if (cuda != null) {
            cuda.close();
            cuda = null;
        }
    }
}
