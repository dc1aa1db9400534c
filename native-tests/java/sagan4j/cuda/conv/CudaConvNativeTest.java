package sagan4j.cuda.conv;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;

import sagan4j.backend.Backend;
import sagan4j.backend.ConvContractTest;
import sagan4j.backend.GemmMath;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;

/** The convolution contract on CUDA: cuDNN and im2col + GEMM, FP32 (1e-5) and TF32 (5e-3). */
@Tag("native")
class CudaConvNativeTest {
    private static final Gpu.Shared FP32 = new Gpu.Shared(CudaBackend.Options.defaults());
    private static final Gpu.Shared TF32 = new Gpu.Shared(CudaBackend.Options.defaults().withMath(GemmMath.TF32));

    @AfterAll
    static void close() {
        FP32.close();
        TF32.close();
    }

    private static Backend using(Gpu.Shared shared, String impl) {
        CudaBackend be = shared.get();
        be.conv().setImpl(impl);
        return be;
    }

    @Nested
    class Cudnn extends ConvContractTest {
        @Override
        protected Backend backend() {
            return using(FP32, "cudnn");
        }
    }

    @Nested
    class Im2col extends ConvContractTest {
        @Override
        protected Backend backend() {
            return using(FP32, "im2col");
        }
    }

    @Nested
    class CudnnTf32 extends ConvContractTest {
        @Override
        protected Backend backend() {
            return using(TF32, "cudnn");
        }

        @Override
        protected double tolerance() {
            return 5e-3;
        }
    }

    @Nested
    class Im2colTf32 extends ConvContractTest {
        @Override
        protected Backend backend() {
            return using(TF32, "im2col");
        }

        @Override
        protected double tolerance() {
            return 5e-3;
        }
    }
}
