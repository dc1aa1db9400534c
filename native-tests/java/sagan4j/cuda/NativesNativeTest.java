package sagan4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import sagan4j.cuda.natives.CudaNatives;
import sagan4j.cuda.natives.NativeReport;

/**
 * On the GPU machine, cuBLAS and cuDNN must really load (natively or relinked) and the default GEMM path
 * must be cuBLAS: the fallbacks exist for availability, not to hide a broken install.
 */
@Tag("native")
class NativesNativeTest {
    @Test
    void cublasAndCudnnLoadAndCublasIsTheDefaultGemm() {
        try (CudaBackend be = Gpu.open(CudaBackend.Options.defaults())) {
            NativeReport r = CudaNatives.load();
            assertTrue(r.cublas().loaded(), () -> "cuBLAS: " + r.cublas().summary());
            assertTrue(r.cudnn().loaded(), () -> "cuDNN: " + r.cudnn().summary());
            assertEquals("cublas", be.gemmPath().name(), "default GEMM path");
            System.out.println(r.toText());
        }
    }
}
