package sagan4j.cuda.spectralnorm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static sagan4j.testing.Reference.assertClose;
import static sagan4j.testing.Reference.nans;
import static sagan4j.testing.Reference.random;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import sagan4j.backend.Backend;
import sagan4j.backend.SpectralNormOps;
import sagan4j.backend.SpectralNormOps.Weight;
import sagan4j.backend.Tensor;
import sagan4j.reference.ReferenceBackend;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;

/**
 * Every spectral-norm version on CUDA against the CPU reference: SAGAN/BigGAN weight shapes plus awkward
 * ones (1×1, a single row or column, primes, rows just past a tile), training (1 and 5 steps) and eval
 * (0 steps), one weight and a whole model in one group; the backward and the constraint mode. Fresh
 * random inputs, outputs poisoned with NaN, relative L2 ≤ 1e-5, run-to-run bitwise identity, and chain
 * and grouped bitwise equal (they share every work item's arithmetic).
 */
@Tag("native")
class SpectralNormNativeTest {
    private static final Backend CPU = new ReferenceBackend();
    private static final float EPS = SpectralNormOps.DEFAULT_EPS;
    private static final double TOL = 1e-5;
    private static CudaBackend cuda;

    /** Real weights of SAGAN-32 / BigGAN, then awkward ones. */
    static final int[][] SHAPES = {
        {3, 64, 3, 3}, {64, 3, 3, 3}, {256, 256, 3, 3}, {4096, 128}, {10, 256}, {256, 128, 1, 1}, {32, 256, 1, 1},
        {1, 1}, {1, 7}, {7, 1}, {97, 101}, {13, 17, 3, 3}, {1, 4099}, {4099, 3}, {65, 257}, {1, 256},
    };

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

    private static int rest(int[] dims) {
        int r = 1;
        for (int k = 1; k < dims.length; k++) {
            r *= dims[k];
        }
        return r;
    }

    static Stream<Arguments> cases() {
        List<Arguments> l = new ArrayList<>();
        for (String impl : SpectralNormKernels.VERSIONS) {
            for (int[] s : SHAPES) {
                for (int iters : new int[] {1, 5, 0}) {
                    l.add(Arguments.of(impl, s, iters));
                }
            }
        }
        return l.stream();
    }

    /** u, v, σ, W/σ after a forward on {@code be}; outputs poisoned first. */
    private static float[][] forward(Backend be, String impl, int[] dims, float[] w, float[] u0, float[] v0, int iters) {
        int m = dims[0], n = rest(dims);
        SpectralNormOps sn = be.spectralNorm();
        if (be == cuda) {
            sn.setImpl(impl);
        }
        try (Tensor tw = be.fromHost(w, dims); Tensor u = be.fromHost(u0, m);
             Tensor v = be.fromHost(iters == 0 ? v0 : nans(n), n); Tensor sigma = be.fromHost(nans(1), 1);
             Tensor wsn = be.fromHost(nans(m * n), dims)) {
            sn.forward(tw, u, v, sigma, wsn, iters, EPS);
            return new float[][] {be.toHostFloats(u), be.toHostFloats(v), be.toHostFloats(sigma), be.toHostFloats(wsn)};
        }
    }

    @ParameterizedTest(name = "{0} {1} iters={2}")
    @MethodSource("cases")
    void forwardAgainstCpu(String impl, int[] dims, int iters) {
        SplittableRandom rng = new SplittableRandom(Arrays.hashCode(dims) * 31L + iters);
        int m = dims[0], n = rest(dims);
        float[] w = random(rng, m * n, 1), u0 = SpectralNormOps.normalVector(rng, m), v0 = random(rng, n, 1);
        float[][] want = forward(CPU, null, dims, w, u0, v0, iters);
        float[][] got = forward(cuda, impl, dims, w, u0, v0, iters);
        String what = impl + " " + Arrays.toString(dims) + " iters=" + iters + ": ";
        assertClose(what + "u", got[0], want[0], TOL);
        assertClose(what + "v", got[1], want[1], TOL);
        assertClose(what + "sigma", got[2], want[2], TOL);
        assertClose(what + "w_sn", got[3], want[3], TOL);
        float[][] again = forward(cuda, impl, dims, w, u0, v0, iters);
        for (int k = 0; k < 4; k++) {
            assertArrayEquals(got[k], again[k], what + "run-to-run output " + k);
        }
    }

    @Test
    void chainAndGroupedAreBitwiseEqual() {
        SplittableRandom rng = new SplittableRandom(5);
        for (int[] dims : SHAPES) {
            int m = dims[0], n = rest(dims);
            float[] w = random(rng, m * n, 1), u0 = random(rng, m, 1), v0 = random(rng, n, 1);
            for (int iters : new int[] {0, 1, 3}) {
                float[][] a = forward(cuda, SpectralNormKernels.CHAIN, dims, w, u0, v0, iters);
                float[][] b = forward(cuda, SpectralNormKernels.GROUPED, dims, w, u0, v0, iters);
                for (int k = 0; k < 4; k++) {
                    assertArrayEquals(a[k], b[k], Arrays.toString(dims) + " iters=" + iters + " output " + k);
                }
            }
        }
    }

    /** A whole model (every shape above) in one group: one launch on grouped. */
    @Test
    void aWholeModelInOneGroup() {
        SplittableRandom rng = new SplittableRandom(17);
        for (String impl : SpectralNormKernels.VERSIONS) {
            cuda.spectralNorm().setImpl(impl);
            List<Weight> gpu = new ArrayList<>(), cpu = new ArrayList<>();
            for (int k = 0; k < SHAPES.length; k++) {
                int[] dims = SHAPES[k];
                int m = dims[0], n = rest(dims);
                float[] w = random(rng, m * n, 1), u0 = random(rng, m, 1);
                boolean withWsn = k % 3 != 1;   // some weights want σ only
                for (Backend be : new Backend[] {CPU, cuda}) {
                    Weight wt = new Weight(be.fromHost(w, dims), be.fromHost(u0, m), be.fromHost(nans(n), n),
                            be.fromHost(nans(1), 1), withWsn ? be.fromHost(nans(m * n), dims) : null);
                    (be == CPU ? cpu : gpu).add(wt);
                }
            }
            try (SpectralNormOps.Group gc = CPU.spectralNorm().group(cpu); SpectralNormOps.Group gg = cuda.spectralNorm().group(gpu)) {
                for (int step = 0; step < 3; step++) {     // the persistent u carries over between steps
                    CPU.spectralNorm().forward(gc, 1, EPS);
                    cuda.spectralNorm().forward(gg, 1, EPS);
                }
                for (int k = 0; k < gpu.size(); k++) {
                    Weight a = gpu.get(k), b = cpu.get(k);
                    String what = impl + " group weight " + k + " " + Arrays.toString(SHAPES[k]) + ": ";
                    assertClose(what + "u", cuda.toHostFloats(a.u()), CPU.toHostFloats(b.u()), TOL);
                    assertClose(what + "v", cuda.toHostFloats(a.v()), CPU.toHostFloats(b.v()), TOL);
                    assertClose(what + "sigma", cuda.toHostFloats(a.sigma()), CPU.toHostFloats(b.sigma()), TOL);
                    if (a.wSn() != null) {
                        assertClose(what + "w_sn", cuda.toHostFloats(a.wSn()), CPU.toHostFloats(b.wSn()), TOL);
                    }
                }
            } finally {
                for (List<Weight> l : List.of(gpu, cpu)) {
                    for (Weight wt : l) {
                        Stream.of(wt.w(), wt.u(), wt.v(), wt.sigma(), wt.wSn()).filter(t -> t != null).forEach(Tensor::close);
                    }
                }
            }
        }
        cuda.spectralNorm().setImpl(cuda.spectralNorm().impls().get(0));
    }

    @Tag("large")
    @Test
    void bigGanClassWeight() {
        int[] dims = {1536, 1536, 3, 3};
        SplittableRandom rng = new SplittableRandom(128);
        int m = dims[0], n = rest(dims);
        float[] w = random(rng, m * n, 1), u0 = random(rng, m, 1), v0 = random(rng, n, 1);
        float[][] want = forward(CPU, null, dims, w, u0, v0, 1);
        for (String impl : SpectralNormKernels.VERSIONS) {
            float[][] got = forward(cuda, impl, dims, w, u0, v0, 1);
            assertClose(impl + " big sigma", got[2], want[2], TOL);
            assertClose(impl + " big u", got[0], want[0], TOL);
            assertClose(impl + " big v", got[1], want[1], TOL);
            assertClose(impl + " big w_sn", got[3], want[3], TOL);
        }
    }

    private static float[] backward(Backend be, int[] dims, float[] w, float[] u, float[] v, float sigma, float[] g,
                                    boolean inPlace) {
        int m = dims[0], n = rest(dims);
        try (Tensor tw = be.fromHost(w, dims); Tensor tu = be.fromHost(u, m); Tensor tv = be.fromHost(v, n);
             Tensor ts = be.fromHost(new float[] {sigma}, 1); Tensor tg = be.fromHost(g, dims);
             Tensor dw = be.fromHost(nans(m * n), dims)) {
            be.spectralNorm().backward(tw, tu, tv, ts, tg, inPlace ? tg : dw);
            return be.toHostFloats(inPlace ? tg : dw);
        }
    }

    @Test
    void backwardAgainstCpu() {
        backwardAgainstCpu(Arrays.asList(SHAPES));
    }

    /** 8.4 M elements: the reduction's 1024-partial cap, and a BigGAN-class weight. */
    @Tag("large")
    @Test
    void backwardAtScale() {
        backwardAgainstCpu(List.of(new int[] {2048, 4099}, new int[] {1536, 1536, 3, 3}));
    }

    private static void backwardAgainstCpu(List<int[]> shapes) {
        SplittableRandom rng = new SplittableRandom(23);
        for (int[] dims : shapes) {
            int m = dims[0], n = rest(dims);
            float[] w = random(rng, m * n, 1), g = random(rng, m * n, 1);
            float[][] f = forward(CPU, null, dims, w, random(rng, m, 1), null, 1);   // a (u, v, σ) as training leaves it
            float[] want = backward(CPU, dims, w, f[0], f[1], f[2][0], g, false);
            float[] got = backward(cuda, dims, w, f[0], f[1], f[2][0], g, false);
            assertClose("backward " + Arrays.toString(dims), got, want, TOL);
            assertArrayEquals(got, backward(cuda, dims, w, f[0], f[1], f[2][0], g, false), "run-to-run");
            assertArrayEquals(got, backward(cuda, dims, w, f[0], f[1], f[2][0], g, true), "in place");
            // the accumulating form: gradW += dW, the same bits as dW then an axpy (a float add per element)
            float[] acc0 = random(rng, m * n, 1), acc;
            try (Tensor tw = cuda.fromHost(w, dims); Tensor tu = cuda.fromHost(f[0], m); Tensor tv = cuda.fromHost(f[1], n);
                 Tensor ts = cuda.fromHost(new float[] {f[2][0]}, 1); Tensor tg = cuda.fromHost(g, dims);
                 Tensor ta = cuda.fromHost(acc0, dims)) {
                cuda.spectralNorm().backwardAccumulate(tw, tu, tv, ts, tg, ta);
                acc = cuda.toHostFloats(ta);
            }
            for (int i = 0; i < acc.length; i++) {
                if (acc[i] != acc0[i] + got[i]) {
                    throw new AssertionError("backwardAccumulate " + Arrays.toString(dims) + " element " + i + ": " + acc[i]
                            + ", expected " + (acc0[i] + got[i]));
                }
            }
        }
    }

    @Test
    void constraintModeDividesInPlace() {
        SplittableRandom rng = new SplittableRandom(31);
        int[] dims = {97, 13, 3, 3};
        int m = dims[0], n = rest(dims);
        float[] w = random(rng, m * n, 1);
        float[][] want = new float[2][];
        Backend[] bes = {CPU, cuda};
        for (int b = 0; b < 2; b++) {
            Backend be = bes[b];
            try (Tensor tw = be.fromHost(w, dims); Tensor u = be.fromHost(random(new SplittableRandom(1), m, 1), m);
                 Tensor v = be.fromHost(nans(n), n); Tensor sigma = be.fromHost(nans(1), 1)) {
                be.spectralNorm().forward(tw, u, v, sigma, null, 1, EPS);   // σ only
                be.spectralNorm().constrain(tw, sigma);                       // W ← W/σ
                want[b] = be.toHostFloats(tw);
            }
        }
        assertClose("constrain", want[1], want[0], TOL);
    }
}
