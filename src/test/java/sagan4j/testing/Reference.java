package sagan4j.testing;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test helpers shared by the CPU suite and the native (GPU) suite: seeded random inputs that are
 * never all zeros, double-precision reference loops, and comparison by relative L2 error with an
 * element-by-element check that every output was written (no NaN poison left).
 */
public final class Reference {
    private Reference() {
    }

    /** Uniform values in [-scale, scale), bounded away from exact zero so that no input is blank. */
    public static float[] random(SplittableRandom rng, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double v = rng.nextDouble(-scale, scale);
            x[i] = (float) (Math.abs(v) < 1e-3 * scale ? 1e-3 * scale : v);
        }
        return x;
    }

    /** A tensor of {@link #random} values in [−1, 1) on {@code be}. */
    public static sagan4j.backend.Tensor randomTensor(sagan4j.backend.Backend be, SplittableRandom rng, int... dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        return be.fromHost(random(rng, n, 1), dims);
    }

    public static float[] nans(int n) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, Float.NaN);
        return x;
    }

    /** C = alpha·op(A)·op(B) + beta·C in double, row-major, one matrix. */
    public static double[] gemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                                float[] a, int aOff, float[] b, int bOff, double beta, float[] c, int cOff) {
        double[] out = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double av = transA ? a[aOff + p * m + i] : a[aOff + i * k + p];
                    double bv = transB ? b[bOff + j * k + p] : b[bOff + p * n + j];
                    s += av * bv;
                }
                out[i * n + j] = alpha * s + (beta == 0 ? 0 : beta * c[cOff + i * n + j]);
            }
        }
        return out;
    }

    public static double relativeL2(float[] actual, double[] expected) {
        assertEquals(expected.length, actual.length, "output length");
        double num = 0, den = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = actual[i] - expected[i];
            num += d * d;
            den += expected[i] * expected[i];
        }
        return Math.sqrt(num / Math.max(den, 1e-300));
    }

    public static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    /**
     * Asserts every element is finite (written, not poison) and the relative L2 error is at most tol.
     */
    public static void assertClose(String what, float[] actual, double[] expected, double tol) {
        for (int i = 0; i < actual.length; i++) {
            if (!Float.isFinite(actual[i]) && Double.isFinite(expected[i])) {
                fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]
                        + " (not written, or overflowed)");
            }
        }
        double err = relativeL2(actual, expected);
        if (!(err <= tol)) {
            fail(what + ": relative L2 error " + err + " > " + tol);
        }
    }

    public static void assertClose(String what, float[] actual, float[] expected, double tol) {
        assertClose(what, actual, toDouble(expected), tol);
    }
}
