package sagan4j.nn;

import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.ConfigException;
import sagan4j.backend.Tensor;

/**
 * Weight initialisation on the host from a seeded generator, then one upload: the same seed gives the
 * same weights on every backend.
 */
public final class Init {
    private Init() {
    }

    /** U(−bound, bound). */
    public static void uniform(Backend be, Tensor t, double bound, SplittableRandom rng) {
        float[] v = new float[t.shape().sizeAsInt()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rng.nextDouble(-bound, bound);
        }
        be.upload(v, t);
    }

    /** N(0, std²) by Box–Muller. */
    public static void normal(Backend be, Tensor t, double std, SplittableRandom rng) {
        be.upload(gaussian(t.shape().sizeAsInt(), std, rng), t);
    }

    public static float[] gaussian(int n, double std, SplittableRandom rng) {
        float[] v = new float[n];
        for (int i = 0; i < n; i += 2) {
            double u1 = rng.nextDouble(Double.MIN_NORMAL, 1), u2 = rng.nextDouble();
            double r = Math.sqrt(-2 * Math.log(u1)) * std;
            v[i] = (float) (r * Math.cos(2 * Math.PI * u2));
            if (i + 1 < n) {
                v[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
            }
        }
        return v;
    }

    /** The smallest truncation accepted: below it the resampling loop below would draw for a long time. */
    public static final double MIN_TRUNCATION = 0.1;

    /** A truncation setting (the flag {@code what}) is 0 or at least {@link #MIN_TRUNCATION}; else one line. */
    public static double checkTruncation(String what, double t) {
        if (t != 0 && !(t >= MIN_TRUNCATION && Double.isFinite(t))) {
            throw new ConfigException(what + ": expected 0 (none) or a finite value of at least " + MIN_TRUNCATION + ", got " + t);
        }
        return t;
    }

    /**
     * The truncation trick's z: n standard normal draws, each redrawn from the same stream while |v| > t
     * (BigGAN's sampling-time truncation). t = 0 truncates nothing and gives exactly {@code gaussian(n, 1, rng)}.
     */
    public static float[] truncatedGaussian(int n, double t, SplittableRandom rng) {
        checkTruncation("truncation", t);
        float[] z = gaussian(n, 1, rng);
        for (int i = 0; t > 0 && i < n; i++) {
            while (Math.abs(z[i]) > t) {
                z[i] = gaussian(1, 1, rng)[0];
            }
        }
        return z;
    }

    /** PyTorch's default for Linear and Conv2d weights and biases: U(−1/√fan_in, 1/√fan_in). */
    public static void fanIn(Backend be, Tensor t, int fanIn, SplittableRandom rng) {
        uniform(be, t, 1.0 / Math.sqrt(fanIn), rng);
    }

    /**
     * An orthogonal matrix viewed as (rows = dim 0, cols = the rest), as torch.nn.init.orthogonal_: a
     * Gaussian matrix orthonormalised by modified Gram–Schmidt in double, along the shorter side, scaled by
     * {@code gain}. Rows (or columns, whichever are fewer) come out orthonormal.
     */
    public static void orthogonal(Backend be, Tensor t, double gain, SplittableRandom rng) {
        int rows = t.dim(0), cols = t.shape().sizeAsInt() / rows;
        boolean transposed = rows > cols; // orthonormalise the shorter side's vectors
        int n = transposed ? cols : rows, len = transposed ? rows : cols;
        double[][] q = new double[n][len];
        float[] g = gaussian(n * len, 1, rng);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < len; j++) {
                q[i][j] = g[i * len + j];
            }
            for (int pass = 0; pass < 2; pass++) { // twice: re-orthogonalisation keeps double precision
                for (int k = 0; k < i; k++) {
                    double d = 0;
                    for (int j = 0; j < len; j++) {
                        d += q[i][j] * q[k][j];
                    }
                    for (int j = 0; j < len; j++) {
                        q[i][j] -= d * q[k][j];
                    }
                }
            }
            double norm = 0;
            for (int j = 0; j < len; j++) {
                norm += q[i][j] * q[i][j];
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < len; j++) {
                q[i][j] /= norm;
            }
        }
        float[] v = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                v[r * cols + c] = (float) (gain * (transposed ? q[c][r] : q[r][c]));
            }
        }
        be.upload(v, t);
    }

    public static void constant(Backend be, Tensor t, float value) {
        be.fill(t, value);
    }
}
