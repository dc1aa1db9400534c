package sagan4j.cuda.optim;

import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;

import sagan4j.backend.OptimContractTest;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;
import sagan4j.testing.BackendCase;

/** The optimiser family's contract on CUDA (kernels/optim.cu). */
@Tag("native")
class CudaOptimContractNativeTest extends OptimContractTest {
    private static final Gpu.Shared CUDA = new Gpu.Shared(CudaBackend.Options.defaults());

    protected static Stream<BackendCase> backends() {
        return Stream.of(CUDA.asCase("cuda"));
    }

    @AfterAll
    static void close() {
        CUDA.close();
    }
}
