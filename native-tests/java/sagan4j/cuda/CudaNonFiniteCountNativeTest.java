package sagan4j.cuda;

import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;

import sagan4j.backend.NonFiniteCountContractTest;
import sagan4j.testing.BackendCase;

/** countNonFinite on CUDA: Backend's default, a dot(x, x) screen on the device and a host count when it fails. */
@Tag("native")
class CudaNonFiniteCountNativeTest extends NonFiniteCountContractTest {
    private static final Gpu.Shared CUDA = new Gpu.Shared(CudaBackend.Options.defaults());

    protected static Stream<BackendCase> backends() {
        return Stream.of(CUDA.asCase("cuda"));
    }

    @AfterAll
    static void close() {
        CUDA.close();
    }
}
