package sagan4j.cuda.optim;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;

import sagan4j.backend.Backend;
import sagan4j.backend.OptimContractTest;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;

/** The optimiser family's contract on CUDA (kernels/optim.cu). */
@Tag("native")
class CudaOptimContractNativeTest extends OptimContractTest {
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
