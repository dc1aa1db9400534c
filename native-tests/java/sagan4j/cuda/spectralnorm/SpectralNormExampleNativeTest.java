package sagan4j.cuda.spectralnorm;

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
import jcuda.driver.CUstream_flags;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;
import sagan4j.reference.ReferenceBackend;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;
import sagan4j.examples.SpectralNormExample;

/**
 * Runs the documented embedding example exactly as written, on raw cuMemAlloc memory and a stream this
 * test creates (the backend is opened only to make a context current), and checks it against the CPU.
 */
@Tag("native")
class SpectralNormExampleNativeTest {
    private final List<CUdeviceptr> allocated = new ArrayList<>();

    private CUdeviceptr upload(float[] x) {
        CUdeviceptr p = new CUdeviceptr();
        cuMemAlloc(p, (long) x.length * Float.BYTES);
        cuMemcpyHtoD(p, Pointer.to(x), (long) x.length * Float.BYTES);
        allocated.add(p);
        return p;
    }

    private static float[] download(CUdeviceptr p, int n) {
        float[] x = new float[n];
        cuMemcpyDtoH(Pointer.to(x), p, (long) n * Float.BYTES);
        return x;
    }

    @Test
    void theDocumentedExampleRunsAndIsRight() {
        int out = 64, rest = 3 * 3 * 3;
        SplittableRandom rng = new SplittableRandom(42);
        float[] w = random(rng, out * rest, 1), u0 = random(rng, out, 1), g = random(rng, out * rest, 1);
        try (CudaBackend be = Gpu.open(CudaBackend.Options.defaults())) {
            CUstream stream = new CUstream();
            cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING);
            try {
                CUdeviceptr dw = upload(w), du = upload(u0), dv = upload(nans(rest)), ds = upload(nans(1));
                CUdeviceptr dwsn = upload(nans(out * rest)), dg = upload(g), dgw = upload(nans(out * rest));
                SpectralNormExample.run(dw, out, rest, du, dv, ds, dwsn, dg, dgw, stream);

                ReferenceBackend cpu = new ReferenceBackend();
                try (Tensor cw = cpu.fromHost(w, out, rest); Tensor cu = cpu.fromHost(u0, out);
                     Tensor cv = cpu.empty(DType.FLOAT32, rest); Tensor cs = cpu.empty(DType.FLOAT32, 1);
                     Tensor cwsn = cpu.empty(DType.FLOAT32, out, rest); Tensor cg = cpu.fromHost(g, out, rest);
                     Tensor cgw = cpu.empty(DType.FLOAT32, out, rest)) {
                    cpu.spectralNorm().forward(cw, cu, cv, cs, cwsn, 1, 1e-12f);
                    cpu.spectralNorm().backward(cw, cu, cv, cs, cg, cgw);
                    assertClose("example u", download(du, out), cpu.toHostFloats(cu), 1e-5);
                    assertClose("example v", download(dv, rest), cpu.toHostFloats(cv), 1e-5);
                    assertClose("example sigma", download(ds, 1), cpu.toHostFloats(cs), 1e-5);
                    assertClose("example w_sn", download(dwsn, out * rest), cpu.toHostFloats(cwsn), 1e-5);
                    assertClose("example grad_w", download(dgw, out * rest), cpu.toHostFloats(cgw), 1e-5);
                }
            } finally {
                allocated.forEach(p -> cuMemFree(p));
                cuStreamDestroy(stream);
            }
        }
    }
}
