package sagan4j.cuda;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;

import sagan4j.backend.Backend;
import sagan4j.backend.EpilogueContractTest;

/** The fused epilogues' contract on CUDA (kernels/epilogue.cu). */
@Tag("native")
class CudaEpilogueNativeTest extends EpilogueContractTest {
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
