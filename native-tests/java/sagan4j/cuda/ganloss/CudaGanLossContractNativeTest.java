package sagan4j.cuda.ganloss;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;

import sagan4j.backend.Backend;
import sagan4j.backend.GanLossContractTest;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;

/** The GAN-loss family's contract on CUDA (kernels/gan_loss.cu). */
@Tag("native")
class CudaGanLossContractNativeTest extends GanLossContractTest {
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
