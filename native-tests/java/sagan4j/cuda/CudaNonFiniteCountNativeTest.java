package sagan4j.cuda;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;

import sagan4j.backend.Backend;
import sagan4j.backend.NonFiniteCountContractTest;

/** countNonFinite on CUDA: Backend's default, a dot(x, x) screen on the device and a host count when it fails. */
@Tag("native")
class CudaNonFiniteCountNativeTest extends NonFiniteCountContractTest {
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
