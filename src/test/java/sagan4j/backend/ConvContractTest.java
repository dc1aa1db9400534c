package sagan4j.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sagan4j.testing.Reference.assertClose;
import static sagan4j.testing.Reference.nans;
import static sagan4j.testing.Reference.random;

import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import sagan4j.reference.OneImagePerChunk;
import sagan4j.testing.BackendCase;
import sagan4j.testing.ContractSuite;
import sagan4j.testing.HostBackends;

/**
 * Convolution on any backend and implementation, against direct double loops written from the
 * definition (forward, and the backward formulas, which {@link #backwardFormulasMatchFiniteDifferences}
 * checks in turn by central differences). Outputs are NaN-poisoned before every call.
 */
public class ConvContractTest extends ContractSuite {
    /** The host backends, and the reference in chunks of one image. */
    protected static Stream<BackendCase> backends() {
        return Stream.concat(HostBackends.both(),
                Stream.of(BackendCase.of("reference, one image per chunk", () -> OneImagePerChunk.BACKEND)));
    }

    /** Relative L2 tolerance (the TF32 cases carry 5e-3). */
    protected double tolerance() {
        return backendCase.tolerance().orElse(1e-5);
    }

    private final SplittableRandom rng = new SplittableRandom(99);

    /** Direct convolution in double. */
    public static double[] forward(float[] x, float[] w, int b, int cin, int h, int wd, int cout, int k, int p) {
        int ho = h + 2 * p - k + 1, wo = wd + 2 * p - k + 1;
        double[] y = new double[b * cout * ho * wo];
        for (int n = 0; n < b; n++) {
            for (int o = 0; o < cout; o++) {
                for (int oh = 0; oh < ho; oh++) {
                    for (int ow = 0; ow < wo; ow++) {
                        double s = 0;
                        for (int c = 0; c < cin; c++) {
                            for (int i = 0; i < k; i++) {
                                for (int j = 0; j < k; j++) {
                                    int ih = oh + i - p, iw = ow + j - p;
                                    if (ih >= 0 && ih < h && iw >= 0 && iw < wd) {
                                        s += (double) x[((n * cin + c) * h + ih) * wd + iw] * w[((o * cin + c) * k + i) * k + j];
                                    }
                                }
                            }
                        }
                        y[((n * cout + o) * ho + oh) * wo + ow] = s;
                    }
                }
            }
        }
        return y;
    }

    /** dx and dw of Σ y·dy, from the definitions, in double. */
    static double[][] backward(float[] x, float[] w, float[] dy, int b, int cin, int h, int wd, int cout, int k, int p) {
        int ho = h + 2 * p - k + 1, wo = wd + 2 * p - k + 1;
        double[] dx = new double[x.length], dw = new double[w.length];
        for (int n = 0; n < b; n++) {
            for (int o = 0; o < cout; o++) {
                for (int oh = 0; oh < ho; oh++) {
                    for (int ow = 0; ow < wo; ow++) {
                        double g = dy[((n * cout + o) * ho + oh) * wo + ow];
                        for (int c = 0; c < cin; c++) {
                            for (int i = 0; i < k; i++) {
                                for (int j = 0; j < k; j++) {
                                    int ih = oh + i - p, iw = ow + j - p;
                                    if (ih >= 0 && ih < h && iw >= 0 && iw < wd) {
                                        int xi = ((n * cin + c) * h + ih) * wd + iw, wi = ((o * cin + c) * k + i) * k + j;
                                        dx[xi] += g * w[wi];
                                        dw[wi] += g * x[xi];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return new double[][] {dx, dw};
    }

    @Test
    void backwardFormulasMatchFiniteDifferences() {
        int b = 2, cin = 2, h = 4, wd = 5, cout = 3, k = 3, p = 1;
        float[] x = random(rng, b * cin * h * wd, 1), w = random(rng, cout * cin * k * k, 1);
        float[] dy = random(rng, b * cout * h * wd, 1);
        double[][] analytic = backward(x, w, dy, b, cin, h, wd, cout, k, p);
        // L(x, w) = Σ y·dy is bilinear, so a central difference with any step is exact up to rounding.
        for (int t = 0; t < 2; t++) {
            float[] v = t == 0 ? x : w;
            double[] grad = analytic[t];
            for (int i = 0; i < v.length; i += 3) {
                float keep = v[i];
                v[i] = keep + 0.5f;
                double step = v[i];
                double up = dotWith(forward(x, w, b, cin, h, wd, cout, k, p), dy);
                v[i] = keep - 0.5f;
                step -= v[i]; // the float perturbation actually applied
                double down = dotWith(forward(x, w, b, cin, h, wd, cout, k, p), dy);
                v[i] = keep;
                assertEquals((up - down) / step, grad[i], 1e-9 * Math.max(1, Math.abs(grad[i])), (t == 0 ? "dx" : "dw") + "[" + i + "]");
            }
        }
    }

    private static double dotWith(double[] y, float[] g) {
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += y[i] * g[i];
        }
        return s;
    }

    @ParameterizedTest(name = "B={0} Cin={1} H={2} W={3} Cout={4} k={5} pad={6}")
    @CsvSource({
        "1, 1, 1, 1, 1, 1, 0",
        "2, 3, 5, 7, 4, 3, 1",
        "3, 4, 8, 8, 5, 1, 0",
        "2, 5, 6, 6, 3, 3, 0",
        "1, 2, 4, 4, 2, 3, 2",
        "4, 16, 8, 8, 32, 3, 1",
        "2, 7, 13, 11, 3, 3, 1",
    })
    void matchesTheDefinition(int b, int cin, int h, int wd, int cout, int k, int p) {
        Backend be = backend();
        int ho = h + 2 * p - k + 1, wo = wd + 2 * p - k + 1;
        float[] x = random(rng, b * cin * h * wd, 1), w = random(rng, cout * cin * k * k, 0.5);
        float[] dy = random(rng, b * cout * ho * wo, 1);
        double[] y = forward(x, w, b, cin, h, wd, cout, k, p);
        double[][] grads = backward(x, w, dy, b, cin, h, wd, cout, k, p);
        try (Tensor tx = be.fromHost(x, b, cin, h, wd); Tensor tw = be.fromHost(w, cout, cin, k, k);
             Tensor tdy = be.fromHost(dy, b, cout, ho, wo); Tensor ty = be.fromHost(nans(y.length), b, cout, ho, wo);
             Tensor tdx = be.fromHost(nans(x.length), b, cin, h, wd); Tensor tdw = be.fromHost(nans(w.length), cout, cin, k, k)) {
            be.conv().forward(tx, tw, p, ty);
            assertClose("conv forward", be.toHostFloats(ty), y, tolerance());
            be.conv().backwardData(tdy, tw, p, tdx);
            assertClose("conv backward data", be.toHostFloats(tdx), grads[0], tolerance());
            be.conv().backwardFilter(tx, tdy, p, tdw);
            assertClose("conv backward filter", be.toHostFloats(tdw), grads[1], tolerance());
            float[] first = be.toHostFloats(tdw);
            be.conv().backwardFilter(tx, tdy, p, tdw);
            assertTrue(java.util.Arrays.equals(first, be.toHostFloats(tdw)), "the same bits from run to run");
        }
    }

    @Test
    void badShapesAreOneLine() {
        Backend be = backend();
        try (Tensor x = be.zeros(2, 3, 8, 8); Tensor w = be.zeros(4, 3, 3, 3); Tensor wrongC = be.zeros(4, 2, 3, 3);
             Tensor y = be.zeros(2, 4, 8, 8); Tensor yWrong = be.zeros(2, 4, 6, 6)) {
            ShapeException e = assertThrows(ShapeException.class, () -> be.conv().forward(x, wrongC, 1, y));
            assertEquals("conv2d: x has 3 channels, w [4, 2, 3, 3] expects 2", e.getMessage());
            e = assertThrows(ShapeException.class, () -> be.conv().forward(x, w, 1, yWrong));
            assertEquals("conv2d: y has shape [2, 4, 6, 6], expected [2, 4, 8, 8]", e.getMessage());
            e = assertThrows(ShapeException.class, () -> be.conv().forward(x, w, 3, y));
            assertEquals("conv2d: padding must be in [0, 2] for k = 3, got 3", e.getMessage());
        }
    }
}
