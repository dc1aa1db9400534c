package sagan4j.cuda;

import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;

import sagan4j.backend.LayerPrimitivesContractTest;
import sagan4j.testing.BackendCase;

/** The layer primitives' shared suite on CUDA (kernels/layers.cu). */
@Tag("native")
class CudaLayerPrimitivesNativeTest extends LayerPrimitivesContractTest {
    private static final Gpu.Shared CUDA = new Gpu.Shared(CudaBackend.Options.defaults());

    protected static Stream<BackendCase> backends() {
        return Stream.of(CUDA.asCase("cuda"));
    }

    @AfterAll
    static void close() {
        CUDA.close();
    }
}
