package sagan4j.cuda.condbatchnorm;

import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;

import sagan4j.backend.CondBatchNormContractTest;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;
import sagan4j.testing.BackendCase;

/** The CPU's conditional batch norm contract (double formula, finite differences, errors) on every CUDA version. */
@Tag("native")
class CudaCondBatchNormContractNativeTest extends CondBatchNormContractTest {
    private static final Gpu.Shared CUDA = new Gpu.Shared(CudaBackend.Options.defaults());

    protected static Stream<BackendCase> backends() {
        return Stream.of(CondBatchNormKernels.AUTO, CondBatchNormKernels.FUSED, CondBatchNormKernels.TWO_PASS)
                .map(impl -> CUDA.asCase("cuda " + impl).withImpl(impl));
    }

    @AfterAll
    static void close() {
        CUDA.close();
    }
}
