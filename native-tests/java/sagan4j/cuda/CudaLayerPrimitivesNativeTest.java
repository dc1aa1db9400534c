package sagan4j.cuda;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;

import sagan4j.backend.Backend;
import sagan4j.backend.LayerPrimitivesContractTest;

/** The layer primitives' shared suite on CUDA (kernels/layers.cu). */
@Tag("native")
class CudaLayerPrimitivesNativeTest extends LayerPrimitivesContractTest {
    private static CudaBackend cuda;

    @Override
    protected Backend backend() {
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
}
