package sagan4j.cuda.condbatchnorm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sagan4j.testing.Reference.assertClose;
import static sagan4j.testing.Reference.nans;
import static sagan4j.testing.Reference.random;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.reference.ReferenceBackend;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;

/**
 * Every CUDA version (auto, fused, two-pass; baseline for the forward) against the CPU reference on the
 * issue's real shapes (SAGAN-32 G, BigGAN-128 G) and awkward ones (batch 1, primes, one class, every class,
 * a batch wider than a block), fresh random inputs, outputs poisoned with NaN before every run, relative L2
 * ≤ 1e-5, every element checked as written, and bitwise identity between two runs of the same version.
 */
@Tag("native")
class CondBatchNormVsCpuNativeTest {
    private static final Backend CPU = new ReferenceBackend();
    private static CudaBackend cuda;

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

    /** One set of inputs, and the CPU reference outputs: y, mean, var, running mean, running var, dx, dγ, dβ. */
    private record Problem(int b, int c, int h, int w, int k, float[] x, int[] labels, float[] gamma, float[] beta,
                           float[] rm, float[] rv, float[] dy, List<float[]> want) {
        int n() {
            return b * c * h * w;
        }

        int rows() {
            return k > 0 ? k : b;
        }
    }

    private static Problem problem(int b, int c, int h, int w, int k, int used, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = b * c * h * w, rows = k > 0 ? k : b;
        float[] x = random(rng, n, 3), dy = random(rng, n, 1), gamma = random(rng, rows * c, 1), beta = random(rng, rows * c, 1);
        for (int i = 0; i < n; i++) {
            x[i] += 1.5f;
        }
        for (int i = 0; i < gamma.length; i++) {
            gamma[i] += 1f;
        }
        float[] rm = random(rng, c, 1), rv = random(rng, c, 1);
        for (int i = 0; i < c; i++) {
            rv[i] = Math.abs(rv[i]) + 0.5f;
        }
        int[] labels = null;
        if (k > 0) {
            labels = new int[b];
            for (int i = 0; i < b; i++) {
                labels[i] = i < used ? i : rng.nextInt(used);
            }
        }
        List<float[]> want = run(CPU, "reference", b, c, h, w, k, x, labels, gamma, beta, rm, rv, dy);
        return new Problem(b, c, h, w, k, x, labels, gamma, beta, rm, rv, dy, want);
    }

    /** Forward training (running stats updated) then backward, on {@code be} with version {@code impl}. */
    private static List<float[]> run(Backend be, String impl, int b, int c, int h, int w, int k, float[] x, int[] labels,
                                     float[] gamma, float[] beta, float[] rm, float[] rv, float[] dy) {
        int n = b * c * h * w, rows = k > 0 ? k : b;
        be.condBatchNorm().setImpl(impl);
        try (Tensor tx = be.fromHost(x, b, c, h, w); Tensor tl = labels == null ? null : be.fromHost(labels, b);
             Tensor tg = be.fromHost(gamma, rows, c); Tensor tb = be.fromHost(beta, rows, c);
             Tensor trm = be.fromHost(rm, c); Tensor trv = be.fromHost(rv, c);
             Tensor y = be.fromHost(nans(n), b, c, h, w); Tensor m = be.fromHost(nans(c), c); Tensor v = be.fromHost(nans(c), c);
             Tensor tdy = be.fromHost(dy, b, c, h, w); Tensor dx = be.fromHost(nans(n), b, c, h, w);
             Tensor dg = be.fromHost(nans(rows * c), rows, c); Tensor db = be.fromHost(nans(rows * c), rows, c)) {
            be.condBatchNorm().forwardTraining(tx, tl, tg, tb, 1e-5f, 0.1f, trm, trv, y, m, v);
            be.condBatchNorm().backward(tx, tl, tg, m, v, 1e-5f, tdy, dx, dg, db);
            List<float[]> out = new ArrayList<>();
            for (Tensor t : new Tensor[] {y, m, v, trm, trv, dx, dg, db}) {
                out.add(be.toHostFloats(t));
            }
            return out;
        }
    }

    private static final String[] NAMES = {"y", "mean", "var", "running_mean", "running_var", "grad_x", "grad_gamma", "grad_beta"};

    private static void checkEveryVersion(Problem p) {
        for (String impl : cuda.condBatchNorm().impls()) {
            List<float[]> got = run(cuda, impl, p.b(), p.c(), p.h(), p.w(), p.k(), p.x(), p.labels(), p.gamma(), p.beta(),
                    p.rm(), p.rv(), p.dy());
            for (int i = 0; i < NAMES.length; i++) {
                assertClose(impl + " " + NAMES[i], got.get(i), p.want().get(i), 1e-5);
            }
            List<float[]> again = run(cuda, impl, p.b(), p.c(), p.h(), p.w(), p.k(), p.x(), p.labels(), p.gamma(), p.beta(),
                    p.rm(), p.rv(), p.dy());
            for (int i = 0; i < NAMES.length; i++) {
                assertArrayEquals(got.get(i), again.get(i), impl + " " + NAMES[i] + " is not bitwise the same in a second run");
            }
        }
        baselineForward(p);
    }

    /** The baseline composition (bench only) computes the same forward. */
    private static void baselineForward(Problem p) {
        CudaCondBatchNorm ops = (CudaCondBatchNorm) cuda.condBatchNorm();
        CondBatchNormKernels.Geometry g = new CondBatchNormKernels.Geometry(p.b(), p.c(), p.h(), p.w(), p.k());
        try (Tensor tx = cuda.fromHost(p.x(), p.b(), p.c(), p.h(), p.w());
             Tensor tl = p.labels() == null ? null : cuda.fromHost(p.labels(), p.b());
             Tensor tg = cuda.fromHost(p.gamma(), p.rows(), p.c()); Tensor tb = cuda.fromHost(p.beta(), p.rows(), p.c());
             Tensor y = cuda.fromHost(nans(p.n()), p.b(), p.c(), p.h(), p.w());
             Tensor m = cuda.fromHost(nans(p.c()), p.c()); Tensor v = cuda.fromHost(nans(p.c()), p.c())) {
            ops.kernels().forwardTraining(CondBatchNormKernels.BASELINE, g, cuda.pointer(tx), tl == null ? null : cuda.pointer(tl),
                    cuda.pointer(tg), cuda.pointer(tb), 1e-5f, 0.1f, null, null, cuda.pointer(y), cuda.pointer(m),
                    cuda.pointer(v), ops.scratch(g), cuda.stream());
            assertClose("baseline y", cuda.toHostFloats(y), p.want().get(0), 1e-5);
            assertClose("baseline mean", cuda.toHostFloats(m), p.want().get(1), 1e-5);
        }
    }

    @ParameterizedTest(name = "B={0} C={1} H={2} W={3} K={4} classes used={5}")
    @CsvSource({
        "1, 3, 5, 7, 4, 1",       // a batch of 1, one class present, odd plane
        "7, 13, 3, 5, 13, 7",     // primes
        "13, 5, 4, 4, 5, 5",      // every class present, float4 planes of 4 lanes
        "3, 17, 1, 1, 2, 2",      // 1x1 planes
        "2, 11, 7, 7, 0, 0",      // per-sample rows (BigGAN mode)
        "300, 3, 2, 2, 7, 7",     // a batch wider than a block's threads
        "5, 2, 31, 33, 3, 1",     // large odd planes, one class
    })
    void awkwardShapes(int b, int c, int h, int w, int k, int used) {
        checkEveryVersion(problem(b, c, h, w, k, used, 1000L * b + c));
    }

    @Tag("large")
    @ParameterizedTest(name = "{6}: B={0} C={1} H={2} W={3} K={4}")
    @CsvSource({
        "64, 256, 4, 4, 10, 10, SAGAN-32 G 4x4",
        "64, 256, 8, 8, 10, 10, SAGAN-32 G 8x8",
        "64, 128, 16, 16, 10, 10, SAGAN-32 G 16x16",
        "64, 64, 32, 32, 10, 10, SAGAN-32 G 32x32 (fused without the shared-memory cache)",
        "256, 1536, 4, 4, 0, 0, BigGAN-128 G 4x4 (per-sample rows)",
        "16, 96, 128, 128, 0, 0, BigGAN-128 G 128x128 at B 16",
    })
    void realShapes(int b, int c, int h, int w, int k, int used, String label) {
        checkEveryVersion(problem(b, c, h, w, k, used, 7L * b + c + h));
    }

    @Test
    void autoPicksFusedWhenAChannelFitsAndTwoPassOtherwise() {
        CondBatchNormKernels kernels = ((CudaCondBatchNorm) cuda.condBatchNorm()).kernels();
        assertTrue(kernels.resolve("auto", new CondBatchNormKernels.Geometry(64, 256, 4, 4, 10), false).equals("fused"));
        assertTrue(kernels.resolve("auto", new CondBatchNormKernels.Geometry(64, 96, 128, 128, 0), false).equals("two-pass"));
    }
}
