package sagan4j.cuda.conv;

import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;

import sagan4j.backend.Backend;
import sagan4j.backend.ConvContractTest;
import sagan4j.backend.GemmMath;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;
import sagan4j.testing.BackendCase;

/** The convolution contract on CUDA: cuDNN and im2col + GEMM, FP32 (1e-5) and TF32 (5e-3). */
@Tag("native")
class CudaConvNativeTest extends ConvContractTest {
    private static final Gpu.Shared FP32 = new Gpu.Shared(CudaBackend.Options.defaults());
    private static final Gpu.Shared TF32 = new Gpu.Shared(CudaBackend.Options.defaults().withMath(GemmMath.TF32));

    private static Supplier<Backend> using(Gpu.Shared shared, String impl) {
        return () -> {
            CudaBackend be = shared.get();
            be.conv().setImpl(impl);
            return be;
        };
    }

    protected static Stream<BackendCase> backends() {
        return Stream.of(BackendCase.of("cudnn", using(FP32, "cudnn")), BackendCase.of("im2col", using(FP32, "im2col")),
                BackendCase.of("cudnn tf32", using(TF32, "cudnn")).withTolerance(5e-3),
                BackendCase.of("im2col tf32", using(TF32, "im2col")).withTolerance(5e-3));
    }

    @AfterAll
    static void close() {
        FP32.close();
        TF32.close();
    }
}
