package sagan4j.cuda.condbatchnorm;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;

import sagan4j.backend.Backend;
import sagan4j.backend.CondBatchNormContractTest;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;

/** The CPU's conditional batch norm contract (double formula, finite differences, errors) on every CUDA version. */
@Tag("native")
class CudaCondBatchNormContractNativeTest {
    private static CudaBackend cuda;

    static Backend cuda() {
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

    @Nested
    @Tag("native")
    class Auto extends CondBatchNormContractTest {
        @Override
        protected Backend backend() {
            return cuda();
        }

        @Override
        protected String impl() {
            return CondBatchNormKernels.AUTO;
        }
    }

    @Nested
    @Tag("native")
    class Fused extends CondBatchNormContractTest {
        @Override
        protected Backend backend() {
            return cuda();
        }

        @Override
        protected String impl() {
            return CondBatchNormKernels.FUSED;
        }
    }

    @Nested
    @Tag("native")
    class TwoPass extends CondBatchNormContractTest {
        @Override
        protected Backend backend() {
            return cuda();
        }

        @Override
        protected String impl() {
            return CondBatchNormKernels.TWO_PASS;
        }
    }
}
