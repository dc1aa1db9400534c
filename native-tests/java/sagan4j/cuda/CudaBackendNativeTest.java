package sagan4j.cuda;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;

import sagan4j.backend.Backend;
import sagan4j.backend.BackendContractTest;

/** The shared backend contract on CUDA with its default GEMM path (cuBLAS when it loads), FP32. */
@Tag("native")
class CudaBackendNativeTest extends BackendContractTest {
    private static final Gpu.Shared CUDA = new Gpu.Shared(CudaBackend.Options.defaults());

    @Override
    protected Backend backend() {
        return CUDA.get();
    }

    @AfterAll
    static void close() {
        CUDA.close();
    }
}
