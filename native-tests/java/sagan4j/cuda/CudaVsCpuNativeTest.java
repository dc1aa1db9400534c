package sagan4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static sagan4j.testing.Reference.assertClose;
import static sagan4j.testing.Reference.nans;
import static sagan4j.testing.Reference.random;

import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import sagan4j.backend.Backend;
import sagan4j.backend.GemmMath;
import sagan4j.backend.Tensor;
import sagan4j.reference.ReferenceBackend;

/**
 * CUDA against the CPU reference at sizes where launch geometry matters (grid-stride tails, many
 * tiles, large batches): fresh random inputs, outputs poisoned with NaN before every run. Tagged
 * 'large' where too slow for compute-sanitizer, which run.sh runs without them.
 */
@Tag("native")
class CudaVsCpuNativeTest {
    private static final Backend CPU = new ReferenceBackend();
    private static CudaBackend cuda;
    private final SplittableRandom rng = new SplittableRandom(7);

    @BeforeAll
    static void open() {
        cuda = Gpu.open(CudaBackend.Options.defaults());
    }

    @AfterAll
    static void close() {
        if (cuda != null) {
            cuda.close();
        }
    }

    @Tag("large")
    @ParameterizedTest
    @CsvSource({"1048577", "16777259"})
    void elementwiseAtScale(int n) {
        float[] x = random(rng, n, 4), dy = random(rng, n, 1);
        try (Tensor cx = CPU.fromHost(x, n); Tensor cy = CPU.empty(sagan4j.backend.DType.FLOAT32, n);
             Tensor cdy = CPU.fromHost(dy, n); Tensor cdx = CPU.empty(sagan4j.backend.DType.FLOAT32, n);
             Tensor gx = cuda.fromHost(x, n); Tensor gy = cuda.fromHost(nans(n), n);
             Tensor gdy = cuda.fromHost(dy, n); Tensor gdx = cuda.fromHost(nans(n), n)) {
            CPU.leakyRelu(cx, 0.2f, cy);
            cuda.leakyRelu(gx, 0.2f, gy);
            assertClose("leakyRelu n=" + n, cuda.toHostFloats(gy), CPU.toHostFloats(cy), 0);
            CPU.tanh(cx, cy);
            cuda.upload(nans(n), gy);
            cuda.tanh(gx, gy);
            assertClose("tanh n=" + n, cuda.toHostFloats(gy), CPU.toHostFloats(cy), 1e-6);
            CPU.tanhBackward(cy, cdy, cdx);
            cuda.tanhBackward(gy, gdy, gdx);
            assertClose("tanhBackward n=" + n, cuda.toHostFloats(gdx), CPU.toHostFloats(cdx), 1e-5);
            CPU.axpy(-0.3f, cy, cdx);
            cuda.axpy(-0.3f, gy, gdx);
            assertClose("axpy n=" + n, cuda.toHostFloats(gdx), CPU.toHostFloats(cdx), 1e-5);
            cuda.fill(gdx, 3.5f);
            for (float v : cuda.toHostFloats(gdx)) {
                assertEquals(3.5f, v);
            }
        }
    }

    @Tag("large")
    @ParameterizedTest(name = "{0} batch={1} m={2} n={3} k={4} tA={5} tB={6}")
    @CsvSource({
        "FP32, 1, 1024, 1024, 1024, false, false",
        "FP32, 1, 257, 1031, 509, true, true",
        "FP32, 64, 256, 16, 64, false, true",   // SAGAN-32 G attention scores: θ (256×16) · φᵀ (16×64)
        "FP32, 64, 256, 64, 64, false, false",  // probabilities (256×64) · g (64×64)
        "FP32, 70000, 2, 3, 4, false, false",   // batch above the 65535 grid-z limit
        "TF32, 1, 1024, 1024, 1024, false, false",
        "TF32, 64, 256, 16, 64, false, true",
    })
    void gemmAgainstCpu(GemmMath math, int batch, int m, int n, int k, boolean tA, boolean tB) {
        for (CudaBackend.GemmChoice path : new CudaBackend.GemmChoice[] {CudaBackend.GemmChoice.AUTO, CudaBackend.GemmChoice.TILED}) {
            if (math == GemmMath.TF32 && path == CudaBackend.GemmChoice.TILED) {
                continue; // the tiled kernel is FP32 only
            }
            try (CudaBackend be = Gpu.open(CudaBackend.Options.defaults().withGemm(path).withMath(math))) {
                float[] a = random(rng, batch * m * k, 1), b = random(rng, batch * k * n, 1);
                int[] aDims = tA ? new int[] {batch, k, m} : new int[] {batch, m, k};
                int[] bDims = tB ? new int[] {batch, n, k} : new int[] {batch, k, n};
                try (Tensor ca = CPU.fromHost(a, aDims); Tensor cb = CPU.fromHost(b, bDims);
                     Tensor cc = CPU.zeros(batch, m, n);
                     Tensor ga = be.fromHost(a, aDims); Tensor gb = be.fromHost(b, bDims);
                     Tensor gc = be.fromHost(nans(batch * m * n), batch, m, n)) {
                    CPU.gemm(tA, tB, 1f, ca, cb, 0f, cc);
                    be.gemm(tA, tB, 1f, ga, gb, 0f, gc);
                    double tol = math == GemmMath.TF32 ? 5e-3 : 1e-5;
                    assertClose(be.gemmPath().name() + " " + math, be.toHostFloats(gc), CPU.toHostFloats(cc), tol);
                }
            }
        }
    }

    @Test
    void tf32IsReallyReducedPrecisionOnCublas() {
        // Guards the FP32 tolerance: if TF32 were silently on, FP32 results would differ like these.
        try (CudaBackend be = Gpu.open(CudaBackend.Options.defaults().withMath(GemmMath.TF32))) {
            org.junit.jupiter.api.Assumptions.assumeTrue(be.gemmPath().name().equals("cublas")
                    && be.context().info().ccMajor() >= 8, "TF32 needs cuBLAS on compute capability 8.0 or later");
            int n = 512;
            float[] a = random(rng, n * n, 1), b = random(rng, n * n, 1);
            try (Tensor ca = CPU.fromHost(a, n, n); Tensor cb = CPU.fromHost(b, n, n); Tensor cc = CPU.zeros(n, n);
                 Tensor ga = be.fromHost(a, n, n); Tensor gb = be.fromHost(b, n, n); Tensor gc = be.zeros(n, n)) {
                CPU.gemm(false, false, 1f, ca, cb, 0f, cc);
                be.gemm(false, false, 1f, ga, gb, 0f, gc);
                double err = sagan4j.testing.Reference.relativeL2(be.toHostFloats(gc),
                        sagan4j.testing.Reference.toDouble(CPU.toHostFloats(cc)));
                org.junit.jupiter.api.Assertions.assertTrue(err > 1e-5 && err < 5e-3,
                        "TF32 relative error " + err + " should lie between FP32's and 5e-3");
            }
        }
    }
}
