package sagan4j.cuda.condbatchnorm;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;
import static sagan4j.testing.Reference.assertClose;
import static sagan4j.testing.Reference.nans;
import static sagan4j.testing.Reference.random;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;
import sagan4j.cuda.runtime.KernelLibrary;
import sagan4j.reference.ReferenceBackend;

/**
 * The embeddable conditional batch norm ({@link CondBatchNormKernels}) on the caller's memory and the caller's
 * stream — one of its own, not the backend's — with x, y, dy and dx 4 bytes past a 16-byte boundary while the
 * planes (H·W = 16) would otherwise take the float4 path: the kernels must see the misalignment and use their
 * scalar loads (a float4 load from such an address faults on a GPU, and on the emulator). Every version,
 * training forward, backward (the forward-only baseline: auto's) and eval forward, against the CPU reference at
 * 1e-5. (The emulator runs every stream synchronously, so this shows the stream is accepted and used, not
 * ordering between streams.)
 */
@Tag("native")
class CondBatchNormUnalignedNativeTest {
    private final List<CUdeviceptr> allocated = new ArrayList<>();

    static List<String> versions() {
        return CondBatchNormKernels.versions();
    }

    /** {@code data} on the device, starting {@code offsetFloats} floats past the start of an allocation. */
    private CUdeviceptr upload(float[] data, int offsetFloats) {
        CUdeviceptr base = new CUdeviceptr();
        cuMemAlloc(base, 4L * (data.length + offsetFloats));
        allocated.add(base);
        CUdeviceptr p = base.withByteOffset(4L * offsetFloats);
        cuMemcpyHtoD(p, Pointer.to(data), 4L * data.length);
        return p;
    }

    private CUdeviceptr upload(int[] data) {
        CUdeviceptr p = new CUdeviceptr();
        cuMemAlloc(p, 4L * data.length);
        allocated.add(p);
        cuMemcpyHtoD(p, Pointer.to(data), 4L * data.length);
        return p;
    }

    private static float[] download(CUdeviceptr p, int n) {
        float[] out = new float[n];
        cuMemcpyDtoH(Pointer.to(out), p, 4L * n);
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("versions")
    void unalignedPlanesOnTheCallersStream(String version) {
        try (CudaBackend backend = Gpu.open(CudaBackend.Options.defaults()); KernelLibrary lib = KernelLibrary.forCurrentContext()) {
            int b = 6, c = 3, h = 4, w = 4, k = 3, n = b * c * h * w;
            SplittableRandom rng = new SplittableRandom(version.hashCode());
            float[] x = random(rng, n, 2), dy = random(rng, n, 1), gamma = random(rng, k * c, 1), beta = random(rng, k * c, 1);
            float[] rm = random(rng, c, 1), rv = {1, 2, 0.5f};
            int[] labels = {0, 2, 2, 1, 0, 2};
            CondBatchNormKernels cbn = new CondBatchNormKernels(lib);
            CondBatchNormKernels.Geometry g = new CondBatchNormKernels.Geometry(b, c, h, w, k);
            CUstream stream = new CUstream();
            cuStreamCreate(stream, 0);
            try {
                CUdeviceptr dx = upload(x, 1), dl = upload(labels), dgam = upload(gamma, 0), dbet = upload(beta, 0);
                CUdeviceptr drm = upload(rm, 0), drv = upload(rv, 0), y = upload(nans(n), 1), mean = upload(nans(c), 0),
                        var = upload(nans(c), 0), ddy = upload(dy, 1), ddx = upload(nans(n), 1), dg = upload(nans(k * c), 0),
                        db = upload(nans(k * c), 0), yEval = upload(nans(n), 1);
                CUdeviceptr scratch = new CUdeviceptr();
                cuMemAlloc(scratch, CondBatchNormKernels.scratchBytes(g));
                allocated.add(scratch);
                cbn.forwardTraining(version, g, dx, dl, dgam, dbet, 1e-5f, 0.1f, drm, drv, y, mean, var, scratch, stream);
                // the baseline composition is forward only; its forward is checked here, the backward with auto's choice
                String backward = version.equals(CondBatchNormKernels.BASELINE) ? CondBatchNormKernels.AUTO : version;
                cbn.backward(backward, g, dx, dl, dgam, mean, var, 1e-5f, ddy, ddx, dg, db, scratch, stream);
                cbn.forwardEval(g, dx, dl, dgam, dbet, drm, drv, 1e-5f, yEval, stream);
                cuStreamSynchronize(stream);

                Backend cpu = new ReferenceBackend();
                try (Tensor tx = cpu.fromHost(x, b, c, h, w); Tensor tl = cpu.fromHost(labels, b);
                     Tensor tg = cpu.fromHost(gamma, k, c); Tensor tb = cpu.fromHost(beta, k, c);
                     Tensor trm = cpu.fromHost(rm, c); Tensor trv = cpu.fromHost(rv, c); Tensor ty = cpu.zeros(b, c, h, w);
                     Tensor tm = cpu.zeros(c); Tensor tv = cpu.zeros(c); Tensor tdy = cpu.fromHost(dy, b, c, h, w);
                     Tensor tdx = cpu.zeros(b, c, h, w); Tensor tdg = cpu.zeros(k, c); Tensor tdb = cpu.zeros(k, c);
                     Tensor tyEval = cpu.zeros(b, c, h, w)) {
                    cpu.condBatchNorm().forwardTraining(tx, tl, tg, tb, 1e-5f, 0.1f, trm, trv, ty, tm, tv);
                    cpu.condBatchNorm().backward(tx, tl, tg, tm, tv, 1e-5f, tdy, tdx, tdg, tdb);
                    cpu.condBatchNorm().forwardEval(tx, tl, tg, tb, trm, trv, 1e-5f, tyEval);
                    assertClose(version + " y", download(y, n), cpu.toHostFloats(ty), 1e-5);
                    assertClose(version + " mean", download(mean, c), cpu.toHostFloats(tm), 1e-5);
                    assertClose(version + " var", download(var, c), cpu.toHostFloats(tv), 1e-5);
                    assertClose(version + " running_var", download(drv, c), cpu.toHostFloats(trv), 1e-5);
                    assertClose(version + " dx", download(ddx, n), cpu.toHostFloats(tdx), 1e-5);
                    assertClose(version + " dgamma", download(dg, k * c), cpu.toHostFloats(tdg), 1e-5);
                    assertClose(version + " dbeta", download(db, k * c), cpu.toHostFloats(tdb), 1e-5);
                    assertClose(version + " eval y", download(yEval, n), cpu.toHostFloats(tyEval), 1e-5);
                }
            } finally {
                allocated.forEach(p -> cuMemFree(p));
                cuStreamDestroy(stream);
            }
        }
    }
}
