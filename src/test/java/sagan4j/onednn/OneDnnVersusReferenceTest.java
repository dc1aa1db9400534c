package sagan4j.onednn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static sagan4j.testing.Reference.assertClose;
import static sagan4j.testing.Reference.nans;
import static sagan4j.testing.Reference.random;

import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import sagan4j.backend.Backend;
import sagan4j.backend.SpectralNormOps;
import sagan4j.backend.Tensor;
import sagan4j.reference.ReferenceBackend;

/**
 * {@code cpu} against {@code reference} on fresh random inputs, outputs NaN-poisoned: convolutions at the
 * shapes that take oneDNN's blocked paths (channels multiple of 8) and the odd ones (channels not divisible
 * by 8, batch 1, Cout 3, Cin 3, 1×1), and spectral normalisation (power iteration, W/σ, backward) at conv
 * and linear weight shapes. fp32 tolerances: 1e-5 forward, 5e-5 backward (relative L2). Each conv shape
 * runs twice: the second call reuses the cached primitive and native buffers, and must give identical bits.
 */
class OneDnnVersusReferenceTest {
    private static final Backend REF = new ReferenceBackend();
    private static final Backend CPU = OneDnnTestBackend.CPU;
    private final SplittableRandom rng = new SplittableRandom(909);

    @AfterAll
    static void close() {
        REF.close();
    }

    private static Tensor poisoned(Backend be, int... dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        return be.fromHost(nans(n), dims);
    }

    /** Runs fwd, bwd-data, bwd-weights on {@code be}; returns {y, dx, dw}. */
    private static float[][] conv(Backend be, float[] x, float[] w, float[] dy, int b, int cin, int h, int cout, int k, int pad) {
        int ho = h + 2 * pad - k + 1;
        try (Tensor tx = be.fromHost(x, b, cin, h, h); Tensor tw = be.fromHost(w, cout, cin, k, k);
             Tensor tdy = be.fromHost(dy, b, cout, ho, ho); Tensor ty = poisoned(be, b, cout, ho, ho);
             Tensor tdx = poisoned(be, b, cin, h, h); Tensor tdw = poisoned(be, cout, cin, k, k)) {
            be.conv().forward(tx, tw, pad, ty);
            be.conv().backwardData(tdy, tw, pad, tdx);
            be.conv().backwardFilter(tx, tdy, pad, tdw);
            return new float[][] {be.toHostFloats(ty), be.toHostFloats(tdx), be.toHostFloats(tdw)};
        }
    }

    @ParameterizedTest(name = "B={0} Cin={1} H={2} Cout={3} k={4} pad={5}")
    @CsvSource({
        "16, 64, 8, 64, 3, 1",      // blocked src, weights and dst
        "4, 256, 8, 256, 3, 1",     // SAGAN-32's widest conv
        "1, 3, 32, 64, 3, 1",       // Cin 3 (source stays plain), batch 1
        "2, 64, 32, 3, 3, 1",       // Cout 3 (padded to 8 in the blocked output)
        "3, 12, 9, 20, 3, 1",       // channels not divisible by 8, odd spatial size
        "2, 24, 8, 40, 1, 0",       // 1×1, the shortcut convolutions
        "1, 5, 7, 7, 3, 0"          // no padding, every dimension odd
    })
    void convolutionMatchesTheReference(int b, int cin, int h, int cout, int k, int pad) {
        int ho = h + 2 * pad - k + 1;
        float[] x = random(rng, b * cin * h * h, 1), w = random(rng, cout * cin * k * k, 0.2);
        float[] dy = random(rng, b * cout * ho * ho, 1);
        float[][] want = conv(REF, x, w, dy, b, cin, h, cout, k, pad);
        float[][] got = conv(CPU, x, w, dy, b, cin, h, cout, k, pad);
        assertClose("conv forward", got[0], want[0], 1e-5);
        assertClose("conv backward data", got[1], want[1], 5e-5);
        assertClose("conv backward filter", got[2], want[2], 5e-5);
        float[][] again = conv(CPU, x, w, dy, b, cin, h, cout, k, pad);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(got[i], again[i], "a second call with the cached primitive must give the same bits");
        }
    }

    @ParameterizedTest(name = "W {0}x{1}, {2} iterations")
    @CsvSource({"256, 2304, 1", "64, 27, 1", "3, 576, 1", "10, 256, 5", "128, 128, 0"})
    void spectralNormMatchesTheReference(int m, int n, int iters) {
        float[] w = random(rng, m * n, 1), u = random(rng, m, 1), v = random(rng, n, 1), g = random(rng, m * n, 1);
        float[][] want = spectralNorm(REF, w, u, v, g, m, n, iters);
        float[][] got = spectralNorm(CPU, w, u, v, g, m, n, iters);
        String[] what = {"sigma", "u", "v", "W/sigma", "dW"};
        for (int i = 0; i < what.length; i++) {
            assertClose("spectral norm " + what[i], got[i], want[i], i == 4 ? 5e-5 : 1e-5);
        }
    }

    /** {σ, u, v, W/σ, dW} after forward (iters) and backward with upstream G on {@code be}. */
    private static float[][] spectralNorm(Backend be, float[] w, float[] u, float[] v, float[] g, int m, int n, int iters) {
        SpectralNormOps sn = be.spectralNorm();
        try (Tensor tw = be.fromHost(w, m, n); Tensor tu = be.fromHost(u, m); Tensor tv = be.fromHost(v, n);
             Tensor sigma = poisoned(be, 1); Tensor wsn = poisoned(be, m, n); Tensor tg = be.fromHost(g, m, n);
             Tensor dw = poisoned(be, m, n)) {
            sn.forward(tw, tu, tv, sigma, wsn, iters, SpectralNormOps.DEFAULT_EPS);
            sn.backward(tw, tu, tv, sigma, tg, dw);
            return new float[][] {be.toHostFloats(sigma), be.toHostFloats(tu), be.toHostFloats(tv), be.toHostFloats(wsn),
                be.toHostFloats(dw)};
        }
    }
}
