package sagan4j.cuda;

import sagan4j.cuda.runtime.CudaUnavailableException;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import sagan4j.testing.BackendCase;

/**
 * Opens a CUDA backend for a native test. Without a GPU the test is skipped — unless
 * SAGAN4J_REQUIRE_GPU=1 (set by native-tests/run.sh on the GPU machine), where it fails, so that a
 * broken driver or library never passes as "skipped".
 */
public final class Gpu {
    private Gpu() {
    }

    public static boolean required() {
        return "1".equals(System.getenv("SAGAN4J_REQUIRE_GPU"));
    }

    public static CudaBackend open(CudaBackend.Options options) {
        try {
            return CudaBackend.open(options);
        } catch (CudaUnavailableException e) {
            if (required()) {
                fail("SAGAN4J_REQUIRE_GPU=1 but CUDA is unavailable: " + e.getMessage());
            }
            assumeTrue(false, e.getMessage());
            throw e;
        }
    }

    /** One backend shared by the tests of a class: opened on first use, closed by the class's @AfterAll. */
    public static final class Shared implements AutoCloseable {
        private final CudaBackend.Options options;
        private CudaBackend backend;

        public Shared(CudaBackend.Options options) {
            this.options = options;
        }

        /** This backend as a contract suite's case named {@code name}, opened when the suite first uses it. */
        public BackendCase asCase(String name) {
            return BackendCase.of(name, this::get);
        }

        public CudaBackend get() {
            if (backend == null) {
                backend = open(options);
            }
            return backend;
        }

        @Override
        public void close() {
            if (backend != null) {
                backend.close();
                backend = null;
            }
        }
    }
}
