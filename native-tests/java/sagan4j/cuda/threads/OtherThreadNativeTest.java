package sagan4j.cuda.threads;

import static jcuda.driver.JCudaDriver.cuCtxGetCurrent;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import jcuda.driver.CUcontext;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;
import sagan4j.testing.Reference;
import sagan4j.testing.TinyTraining;

/**
 * A CUDA backend used from a thread where its context is not current makes it current there (CudaContext
 * .ensureCurrent at the backend's entry points) instead of failing with CUDA_ERROR_INVALID_CONTEXT. Each worker
 * thread starts with NO current context (checked: cuCtxGetCurrent is null there, which is what makes the test
 * bite — without ensureCurrent its first cuMemAlloc fails). On such a thread: tiny (width 8, batch 4) is built and
 * trained 2 steps — allocation, uploads, kernels, cuBLAS, cuDNN, the lazily created op families — and its run
 * state must equal, bit for bit, the same run on the thread that opened the backend; the context is then current
 * on the worker. Tensors hand over between threads both ways, and a backend is closed from a thread that never
 * used it.
 */
@Tag("native")
class OtherThreadNativeTest {
    private static <T> T onFreshThread(Callable<T> body) throws Exception {
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            Future<T> f = one.submit(() -> {
                CUcontext none = new CUcontext();
                cuCtxGetCurrent(none);
                assertEquals(new CUcontext(), none, "a fresh thread already has a current context: the test would not bite");
                return body.call();
            });
            try {
                return f.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception x ? x : new RuntimeException(e.getCause());
            }
        } finally {
            one.shutdown();
        }
    }

    private static String train(CudaBackend cuda) {
        try (TinyTraining run = new TinyTraining(cuda, TinyTraining.config(8, 4))) {
            run.step();
            run.step();
            return run.digest();
        }
    }

    @Test
    void trainingOnAnotherThreadGivesTheSameBits() throws Exception {
        try (CudaBackend cuda = Gpu.open(CudaBackend.Options.defaults())) {
            String here = train(cuda);
            String there = onFreshThread(() -> {
                String d = train(cuda);
                CUcontext now = new CUcontext();
                cuCtxGetCurrent(now);
                assertEquals(cuda.context().context(), now, "the backend's context is current on the worker afterwards");
                return d;
            });
            assertEquals(here, there, "tiny's run state after 2 steps, opening thread vs another thread");
        }
    }

    @Test
    void tensorsMoveBetweenThreadsAndCloseFromAnyThread() throws Exception {
        CudaBackend cuda = Gpu.open(CudaBackend.Options.defaults());
        float[] a = Reference.random(new SplittableRandom(3), 6 * 5, 1), b = Reference.random(new SplittableRandom(4), 5 * 4, 1);
        double[] want = new double[6 * 4];
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 4; j++) {
                for (int k = 0; k < 5; k++) {
                    want[i * 4 + j] += (double) a[i * 5 + k] * b[k * 4 + j];
                }
            }
        }
        Tensor ta = cuda.fromHost(a, 6, 5), tb = cuda.fromHost(b, 5, 4);
        // made here, filled there
        Tensor tc = onFreshThread(() -> {
            Tensor c = cuda.empty(DType.FLOAT32, 6, 4);
            cuda.fill(c, Float.NaN);
            cuda.gemm(false, false, 1f, ta, tb, 0f, c);
            return c;
        });
        // read back here (the context is still current on this thread: currentness is per thread)
        Reference.assertClose("gemm made on another thread", cuda.toHostFloats(tc), want, 1e-5);
        float[] again = onFreshThread(() -> cuda.toHostFloats(tc));
        assertArrayEquals(cuda.toHostFloats(tc), again, "read on a third thread");
        onFreshThread(() -> {
            tc.close();
            ta.close();
            tb.close();
            cuda.close();
            return null;
        });
    }
}
