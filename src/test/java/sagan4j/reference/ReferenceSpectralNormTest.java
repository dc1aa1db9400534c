package sagan4j.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import sagan4j.backend.DType;
import sagan4j.backend.ShapeException;
import sagan4j.backend.SpectralNormOps;
import sagan4j.backend.SpectralNormOps.Weight;
import sagan4j.backend.Tensor;
import sagan4j.testing.Reference;

/**
 * The spectral-norm reference: hand-computed steps, convergence to a known top singular value, the eval
 * path, and the backward against central finite differences in double.
 */
class ReferenceSpectralNormTest {
    private final ReferenceBackend cpu = new ReferenceBackend();
    private final SpectralNormOps sn = cpu.spectralNorm();
    private final SplittableRandom rng = new SplittableRandom(2018);

    @Test
    void oneStepByHand() {
        // W = [[3, 0], [0, 1]], u = [1, 1]: v = [3, 1]/√10, t = Wv = [9, 1]/√10, u = [9, 1]/√82,
        // σ = uᵀt = ‖t‖ = √8.2
        Tensor w = cpu.fromHost(new float[] {3, 0, 0, 1}, 2, 2), u = cpu.fromHost(new float[] {1, 1}, 2);
        Tensor v = cpu.empty(DType.FLOAT32, 2), sigma = cpu.empty(DType.FLOAT32, 1), wsn = cpu.empty(DType.FLOAT32, 2, 2);
        sn.forward(w, u, v, sigma, wsn, 1, SpectralNormOps.DEFAULT_EPS);
        double s = Math.sqrt(8.2);
        assertEquals((float) s, cpu.toHostFloats(sigma)[0]);
        assertArrayEquals(new float[] {(float) (3 / Math.sqrt(10)), (float) (1 / Math.sqrt(10))}, cpu.toHostFloats(v));
        assertArrayEquals(new float[] {(float) (9 / Math.sqrt(82)), (float) (1 / Math.sqrt(82))}, cpu.toHostFloats(u));
        assertArrayEquals(new float[] {(float) (3 / s), 0, 0, (float) (1 / s)}, cpu.toHostFloats(wsn));
    }

    /** W = Q1 diag(s) Q2ᵀ with orthonormal Q1 (m×r), Q2 (n×r), r = min(m, n). */
    private float[] withSingularValues(int m, int n, double[] s) {
        int r = s.length;
        double[][] q1 = orthonormal(m, r), q2 = orthonormal(n, r);
        float[] w = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double x = 0;
                for (int k = 0; k < r; k++) {
                    x += q1[k][i] * s[k] * q2[k][j];
                }
                w[i * n + j] = (float) x;
            }
        }
        return w;
    }

    private double[][] orthonormal(int n, int r) {
        double[][] q = new double[r][n];
        for (int k = 0; k < r; k++) {
            for (int i = 0; i < n; i++) {
                q[k][i] = rng.nextDouble(-1, 1);
            }
            for (int p = 0; p < k; p++) {       // Gram-Schmidt, twice for stability
                for (int rep = 0; rep < 2; rep++) {
                    double d = 0;
                    for (int i = 0; i < n; i++) {
                        d += q[k][i] * q[p][i];
                    }
                    for (int i = 0; i < n; i++) {
                        q[k][i] -= d * q[p][i];
                    }
                }
            }
            double nn = 0;
            for (int i = 0; i < n; i++) {
                nn += q[k][i] * q[k][i];
            }
            for (int i = 0; i < n; i++) {
                q[k][i] /= Math.sqrt(nn);
            }
        }
        return q;
    }

    @ParameterizedTest
    @CsvSource({"7, 5", "5, 7", "1, 9", "9, 1"})
    void convergesToTheTopSingularValue(int m, int n) {
        int r = Math.min(m, n);
        double[] s = new double[r];
        for (int k = 0; k < r; k++) {
            s[k] = 5.0 / (k + 1);      // 5, 2.5, 1.67, ...: gap 2 → error shrinks 4x per step
        }
        float[] w = withSingularValues(m, n, s);
        ReferenceSpectralNorm.Result res = ReferenceSpectralNorm.powerIteration(w, m, n, Reference.random(rng, m, 1),
                new float[n], 60, 1e-12);
        assertEquals(5.0, res.sigma(), 1e-5);
        // u and v are unit vectors with W v = σ u
        double[] wv = ReferenceSpectralNorm.matVec(w, m, n, res.v());
        for (int i = 0; i < m; i++) {
            assertEquals(res.sigma() * res.u()[i], wv[i], 1e-5);
        }
        assertEquals(1.0, ReferenceSpectralNorm.dot(res.u(), res.u()), 1e-12);
        assertEquals(1.0, ReferenceSpectralNorm.dot(res.v(), res.v()), 1e-12);
    }

    @Test
    void evalComputesSigmaFromTheGivenVectorsAndChangesNothing() {
        int m = 4, n = 6;
        float[] w = Reference.random(rng, m * n, 1), u0 = Reference.random(rng, m, 1), v0 = Reference.random(rng, n, 1);
        double expected = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                expected += (double) u0[i] * w[i * n + j] * v0[j];
            }
        }
        Tensor tw = cpu.fromHost(w, m, 2, 3), u = cpu.fromHost(u0, m), v = cpu.fromHost(v0, n);
        Tensor sigma = cpu.empty(DType.FLOAT32, 1), wsn = cpu.empty(DType.FLOAT32, m, 2, 3);
        sn.forward(tw, u, v, sigma, wsn, 0, 1e-12f);
        assertEquals(expected, cpu.toHostFloats(sigma)[0], 1e-6 * Math.abs(expected));
        assertArrayEquals(u0, cpu.toHostFloats(u));
        assertArrayEquals(v0, cpu.toHostFloats(v));
        float[] out = cpu.toHostFloats(wsn);
        for (int e = 0; e < w.length; e++) {
            assertEquals((float) (w[e] / (double) cpu.toHostFloats(sigma)[0]), out[e]);
        }
    }

    @Test
    void aConvWeightIsViewedAsOutByRest() {
        float[] w = Reference.random(rng, 8 * 3 * 3 * 3, 1), u0 = Reference.random(rng, 8, 1);
        float[][] results = new float[2][];
        int[][] shapes = {{8, 3, 3, 3}, {8, 27}};
        for (int k = 0; k < 2; k++) {
            Tensor tw = cpu.fromHost(w, shapes[k]), u = cpu.fromHost(u0, 8), v = cpu.empty(DType.FLOAT32, 27);
            Tensor sigma = cpu.empty(DType.FLOAT32, 1), wsn = cpu.empty(DType.FLOAT32, shapes[k]);
            sn.forward(tw, u, v, sigma, wsn, 3, 1e-12f);
            results[k] = cpu.toHostFloats(wsn);
        }
        assertArrayEquals(results[1], results[0]);
    }

    @Test
    void epsKeepsAZeroWeightFinite() {
        Tensor w = cpu.zeros(3, 4), u = cpu.fromHost(new float[] {1, 2, 3}, 3), v = cpu.empty(DType.FLOAT32, 4);
        Tensor sigma = cpu.empty(DType.FLOAT32, 1);
        sn.forward(w, u, v, sigma, null, 2, 1e-12f);
        assertArrayEquals(new float[3], cpu.toHostFloats(u));
        assertArrayEquals(new float[4], cpu.toHostFloats(v));
        assertEquals(0f, cpu.toHostFloats(sigma)[0]);
    }

    @Test
    void groupEqualsOneWeightAtATimeAndConstraintDividesInPlace() {
        int[][] shapes = {{5, 7}, {16, 3, 3, 3}, {1, 4}};
        List<Weight> a = new ArrayList<>(), b = new ArrayList<>();
        for (int[] s : shapes) {
            int m = s[0], n = 1;
            for (int k = 1; k < s.length; k++) {
                n *= s[k];
            }
            float[] w = Reference.random(rng, m * n, 1), u = Reference.random(rng, m, 1);
            for (List<Weight> l : List.of(a, b)) {
                l.add(new Weight(cpu.fromHost(w, s), cpu.fromHost(u, m), cpu.empty(DType.FLOAT32, n),
                        cpu.empty(DType.FLOAT32, 1), cpu.empty(DType.FLOAT32, s)));
            }
        }
        try (SpectralNormOps.Group g = sn.group(a)) {
            sn.forward(g, 2, 1e-12f);
        }
        for (Weight x : b) {
            sn.forward(x.w(), x.u(), x.v(), x.sigma(), x.wSn(), 2, 1e-12f);
        }
        for (int k = 0; k < a.size(); k++) {
            assertArrayEquals(cpu.toHostFloats(b.get(k).wSn()), cpu.toHostFloats(a.get(k).wSn()));
            assertArrayEquals(cpu.toHostFloats(b.get(k).u()), cpu.toHostFloats(a.get(k).u()));
            sn.constrain(a.get(k).w(), a.get(k).sigma());
            assertArrayEquals(cpu.toHostFloats(b.get(k).wSn()), cpu.toHostFloats(a.get(k).w()));
        }
    }

    // ---------------------------------------------------------------- backward by finite differences

    /** L(W) = ⟨R, W/σ(W)⟩ with σ(W) = uᵀWv, u and v fixed: the reparameterised forward, in double. */
    private static double loss(double[] w, int m, int n, double[] u, double[] v, float[] r) {
        double sigma = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                sigma += u[i] * w[i * n + j] * v[j];
            }
        }
        double l = 0;
        for (int e = 0; e < w.length; e++) {
            l += r[e] * w[e] / sigma;
        }
        return l;
    }

    private static double[] finiteDifferences(float[] wf, int m, int n, float[] uf, float[] vf, float[] r) {
        double[] w = Reference.toDouble(wf), u = Reference.toDouble(uf), v = Reference.toDouble(vf);
        double[] grad = new double[w.length];
        for (int e = 0; e < w.length; e++) {
            double h = 1e-6 * Math.max(1, Math.abs(w[e]));
            double keep = w[e];
            w[e] = keep + h;
            double up = loss(w, m, n, u, v, r);
            w[e] = keep - h;
            double down = loss(w, m, n, u, v, r);
            w[e] = keep;
            grad[e] = (up - down) / (2 * h);
        }
        return grad;
    }

    @ParameterizedTest
    @CsvSource({"3, 4", "7, 1", "1, 6", "5, 18", "13, 11"})
    void backwardMatchesFiniteDifferences(int m, int n) {
        float[] w = Reference.random(rng, m * n, 1), r = Reference.random(rng, m * n, 1);
        Tensor tw = cpu.fromHost(w, m, n), u = cpu.fromHost(SpectralNormOps.normalVector(rng, m), m);
        Tensor v = cpu.empty(DType.FLOAT32, n), sigma = cpu.empty(DType.FLOAT32, 1), wsn = cpu.empty(DType.FLOAT32, m, n);
        sn.forward(tw, u, v, sigma, wsn, 1, 1e-12f);           // a u, v pair as training leaves it
        float[] uf = cpu.toHostFloats(u), vf = cpu.toHostFloats(v);
        Tensor g = cpu.fromHost(r, m, n), dw = cpu.empty(DType.FLOAT32, m, n);
        // σ as the backward sees it: uᵀWv from the stored (float) u, v
        sn.forward(tw, u, v, sigma, null, 0, 1e-12f);
        sn.backward(tw, u, v, sigma, g, dw);
        double[] fd = finiteDifferences(w, m, n, uf, vf, r);
        double err = Reference.relativeL2(cpu.toHostFloats(dw), fd);
        assertTrue(err < 1e-6, "relative L2 error " + err + " vs central differences");

        // the check can fail: dropping the projection term (the σ dependence) is far off
        float sig = cpu.toHostFloats(sigma)[0];
        float[] naive = new float[m * n];
        for (int e = 0; e < naive.length; e++) {
            naive[e] = r[e] / sig;
        }
        assertTrue(Reference.relativeL2(naive, fd) > 1e-3, "the finite differences do see σ's dependence on W");
    }

    @Test
    void backwardMayOverwriteItsGradientInput() {
        int m = 4, n = 5;
        float[] w = Reference.random(rng, m * n, 1), r = Reference.random(rng, m * n, 1);
        Tensor tw = cpu.fromHost(w, m, n), u = cpu.fromHost(Reference.random(rng, m, 1), m);
        Tensor v = cpu.fromHost(Reference.random(rng, n, 1), n), sigma = cpu.fromHost(new float[] {1.7f}, 1);
        Tensor g1 = cpu.fromHost(r, m, n), g2 = cpu.fromHost(r, m, n), dw = cpu.empty(DType.FLOAT32, m, n);
        sn.backward(tw, u, v, sigma, g1, dw);
        sn.backward(tw, u, v, sigma, g2, g2);
        assertArrayEquals(cpu.toHostFloats(dw), cpu.toHostFloats(g2));
    }

    @Test
    void backwardAccumulateAddsTheBackwardToTheGradient() {
        int m = 6, n = 7;
        float[] w = Reference.random(rng, m * n, 1), r = Reference.random(rng, m * n, 1), acc0 = Reference.random(rng, m * n, 1);
        Tensor tw = cpu.fromHost(w, m, n), u = cpu.fromHost(Reference.random(rng, m, 1), m);
        Tensor v = cpu.fromHost(Reference.random(rng, n, 1), n), sigma = cpu.fromHost(new float[] {1.3f}, 1);
        Tensor g = cpu.fromHost(r, m, n), dw = cpu.fromHost(Reference.nans(m * n), m, n), acc = cpu.fromHost(acc0, m, n);
        sn.backward(tw, u, v, sigma, g, dw);
        sn.backwardAccumulate(tw, u, v, sigma, g, acc);
        float[] d = cpu.toHostFloats(dw), got = cpu.toHostFloats(acc);
        for (int i = 0; i < got.length; i++) {
            assertEquals(acc0[i] + d[i], got[i], "element " + i + ": the gradient plus dW, as an axpy would leave it");
        }
        ShapeException e = assertThrows(ShapeException.class, () -> sn.backwardAccumulate(tw, u, v, sigma, g, g));
        assertEquals("spectralNorm.backwardAccumulate: gradW must be another tensor than gradWSn", e.getMessage());
    }

    // ---------------------------------------------------------------- checks and helpers

    @Test
    void badShapesAreOneLineErrors() {
        Tensor w = cpu.zeros(4, 2, 3), u = cpu.zeros(4), v = cpu.zeros(6), sigma = cpu.zeros(1);
        ShapeException e = assertThrows(ShapeException.class,
                () -> sn.forward(w, cpu.zeros(5), v, sigma, null, 1, 1e-12f));
        assertEquals("spectralNorm.forward: u must have shape [4], got [5]", e.getMessage());
        e = assertThrows(ShapeException.class, () -> sn.forward(w, u, cpu.zeros(2, 3), sigma, null, 1, 1e-12f));
        assertEquals("spectralNorm.forward: v must have shape [6], got [2, 3]", e.getMessage());
        e = assertThrows(ShapeException.class, () -> sn.forward(cpu.zeros(4), u, v, sigma, null, 1, 1e-12f));
        assertEquals("spectralNorm.forward: w must have rank >= 2 (out, ...), got shape [4]", e.getMessage());
        e = assertThrows(ShapeException.class, () -> sn.forward(w, u, v, sigma, cpu.zeros(4, 6), 1, 1e-12f));
        assertEquals("spectralNorm.forward: wSn has shape [4, 6], expected [4, 2, 3] (the shape of w)", e.getMessage());
        e = assertThrows(ShapeException.class, () -> sn.forward(w, u, v, sigma, null, -1, 1e-12f));
        assertEquals("spectralNorm.forward: iters must be >= 0, got -1", e.getMessage());
        e = assertThrows(ShapeException.class, () -> sn.backward(w, u, v, sigma, cpu.zeros(4, 6), cpu.zeros(4, 2, 3)));
        assertEquals("spectralNorm.backward: gradWSn has shape [4, 6], expected [4, 2, 3] (the shape of w)", e.getMessage());
        e = assertThrows(ShapeException.class,
                () -> sn.group(List.of(new Weight(w, u, v, cpu.zeros(2), null))));
        assertEquals("spectralNorm.group: weights[0].sigma must have shape [1], got [2]", e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> sn.setImpl("fast"));
        assertEquals("spectral norm on reference has versions [reference], not 'fast'", bad.getMessage());
    }

    @Test
    void normalVectorIsSeededAndStandard() {
        float[] a = SpectralNormOps.normalVector(new SplittableRandom(5), 20000);
        assertArrayEquals(a, SpectralNormOps.normalVector(new SplittableRandom(5), 20000));
        double mean = 0, sq = 0;
        for (float x : a) {
            mean += x;
            sq += (double) x * x;
        }
        mean /= a.length;
        assertEquals(0, mean, 0.03);
        assertEquals(1, sq / a.length - mean * mean, 0.05);
    }
}
