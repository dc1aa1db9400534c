package sagan4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The Fréchet distance against its closed forms: a shift costs ‖Δμ‖², a scale s costs (1 − s)²·tr Σ. */
class FrechetTest {
    private static float[] gaussianFeatures(SplittableRandom rng, int n, int d) {
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                // correlated, anisotropic: x_j = (j + 1)·g_j + 0.5·g_0
                x[i * d + j] = (float) ((j + 1) * rng.nextGaussian() + (j == 0 ? 0 : 0.5 * x[i * d]));
            }
        }
        return x;
    }

    @Test
    void identicalSetsAreAtZeroAndShiftsAndScalesCostWhatTheFormulaSays() {
        int n = 400, d = 6;
        float[] a = gaussianFeatures(new SplittableRandom(3), n, d);
        assertEquals(0, Frechet.distance(a, n, a, n, d), 1e-9);
        float[] shifted = a.clone(), scaled = a.clone();
        double shift2 = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                shifted[i * d + j] += 0.5f * (j - 2);
                scaled[i * d + j] *= 3f;
            }
        }
        for (int j = 0; j < d; j++) {
            shift2 += 0.25 * (j - 2) * (j - 2);
        }
        assertEquals(shift2, Frechet.distance(a, n, shifted, n, d), 1e-6 * shift2);
        double[][] cov = Frechet.cov(a, n, d, Frechet.mean(a, n, d));
        double trace = 0;
        for (int j = 0; j < d; j++) {
            trace += cov[j][j];
        }
        // Σ2 = 9Σ1, so (Σ1^½ Σ2 Σ1^½)^½ = 3Σ1 and the trace term is (1 + 9 − 6)·tr Σ1; the means differ by 2μ
        double[] mu = Frechet.mean(a, n, d);
        double means = 0;
        for (double m : mu) {
            means += 4 * m * m;
        }
        assertEquals(4 * trace + means, Frechet.distance(a, n, scaled, n, d), 1e-6 * trace);
    }

    @Test
    void theSquareRootSquaresBack() {
        float[] a = gaussianFeatures(new SplittableRandom(5), 100, 5);
        double[][] s = Frechet.cov(a, 100, 5, Frechet.mean(a, 100, 5));
        double[][] r = Frechet.sqrtPsd(s), rr = Frechet.mul(r, r);
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 5; j++) {
                assertEquals(s[i][j], rr[i][j], 1e-9 * (1 + Math.abs(s[i][j])), i + "," + j);
            }
        }
    }
}
