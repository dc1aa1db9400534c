package sagan4j.cuda.condbatchnorm;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static sagan4j.testing.Reference.assertClose;
import static sagan4j.testing.Reference.nans;
import static sagan4j.testing.Reference.random;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.reference.ReferenceBackend;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;
import sagan4j.examples.CondBatchNormExample;

/**
 * Runs the README/doc embedding example on memory from cuMemAlloc and a stream of our own (the backend is
 * opened only to make a context current), and checks every output against the CPU reference.
 */
@Tag("native")
class CondBatchNormExampleNativeTest {
    private final List<CUdeviceptr> allocated = new ArrayList<>();

    private CUdeviceptr upload(float[] data) {
        CUdeviceptr p = new CUdeviceptr();
        cuMemAlloc(p, 4L * data.length);
        cuMemcpyHtoD(p, Pointer.to(data), 4L * data.length);
        allocated.add(p);
        return p;
    }

    private CUdeviceptr upload(int[] data) {
        CUdeviceptr p = new CUdeviceptr();
        cuMemAlloc(p, 4L * data.length);
        cuMemcpyHtoD(p, Pointer.to(data), 4L * data.length);
        allocated.add(p);
        return p;
    }

    private static float[] download(CUdeviceptr p, int n) {
        float[] out = new float[n];
        cuMemcpyDtoH(Pointer.to(out), p, 4L * n);
        return out;
    }

    @Test
    void theDocExampleRunsOnUserMemoryAndStream() {
        try (CudaBackend ignored = Gpu.open(CudaBackend.Options.defaults())) {
            int b = 8, c = 5, h = 6, w = 6, k = 4, n = b * c * h * w;
            SplittableRandom rng = new SplittableRandom(17);
            float[] x = random(rng, n, 2), dy = random(rng, n, 1), gamma = random(rng, k * c, 1), beta = random(rng, k * c, 1);
            float[] rm = random(rng, c, 1), rv = {1, 2, 0.5f, 1.5f, 3};
            int[] labels = {0, 3, 3, 1, 0, 3, 1, 0};
            CUstream stream = new CUstream();
            cuStreamCreate(stream, 0);
            try {
                CUdeviceptr dx = upload(nans(n)), dg = upload(nans(k * c)), db = upload(nans(k * c));
                CUdeviceptr y = upload(nans(n)), mean = upload(nans(c)), var = upload(nans(c));
                CUdeviceptr drm = upload(rm), drv = upload(rv);
                CondBatchNormExample.trainStep(b, c, h, w, k, upload(x), upload(labels), upload(gamma), upload(beta),
                        drm, drv, y, mean, var, upload(dy), dx, dg, db, stream);

                Backend cpu = new ReferenceBackend();
                try (Tensor tx = cpu.fromHost(x, b, c, h, w); Tensor tl = cpu.fromHost(labels, b);
                     Tensor tg = cpu.fromHost(gamma, k, c); Tensor tb = cpu.fromHost(beta, k, c);
                     Tensor trm = cpu.fromHost(rm, c); Tensor trv = cpu.fromHost(rv, c); Tensor ty = cpu.zeros(b, c, h, w);
                     Tensor tm = cpu.zeros(c); Tensor tv = cpu.zeros(c); Tensor tdy = cpu.fromHost(dy, b, c, h, w);
                     Tensor tdx = cpu.zeros(b, c, h, w); Tensor tdg = cpu.zeros(k, c); Tensor tdb = cpu.zeros(k, c)) {
                    cpu.condBatchNorm().forwardTraining(tx, tl, tg, tb, 1e-5f, 0.1f, trm, trv, ty, tm, tv);
                    cpu.condBatchNorm().backward(tx, tl, tg, tm, tv, 1e-5f, tdy, tdx, tdg, tdb);
                    assertClose("y", download(y, n), cpu.toHostFloats(ty), 1e-5);
                    assertClose("mean", download(mean, c), cpu.toHostFloats(tm), 1e-5);
                    assertClose("var", download(var, c), cpu.toHostFloats(tv), 1e-5);
                    assertClose("running_mean", download(drm, c), cpu.toHostFloats(trm), 1e-5);
                    assertClose("running_var", download(drv, c), cpu.toHostFloats(trv), 1e-5);
                    assertClose("dx", download(dx, n), cpu.toHostFloats(tdx), 1e-5);
                    assertClose("dgamma", download(dg, k * c), cpu.toHostFloats(tdg), 1e-5);
                    assertClose("dbeta", download(db, k * c), cpu.toHostFloats(tdb), 1e-5);
                }
            } finally {
                allocated.forEach(p -> cuMemFree(p));
                cuStreamDestroy(stream);
            }
        }
    }
}
