package sagan4j.cuda;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
}
