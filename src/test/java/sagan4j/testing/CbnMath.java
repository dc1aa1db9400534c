package sagan4j.testing;

/**
 * An independent double-precision conditional batch norm (training forward with batch statistics), written
 * as directly as the formula, for checking the backends and for central finite differences. NCHW; labels
 * null means gamma/beta are per-sample rows (B, C), else class tables (K, C).
 */
public final class CbnMath {
    private CbnMath() {
    }

    /** y (B·C·H·W) in double; mean and var (C, biased) written into meanOut/varOut when not null. */
    public static double[] forward(int b, int c, int hw, double[] x, int[] labels, double[] gamma, double[] beta,
                                   double eps, double[] meanOut, double[] varOut) {
        double[] y = new double[x.length];
        double n = (double) b * hw;
        for (int ch = 0; ch < c; ch++) {
            double s = 0;
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < hw; j++) {
                    s += x[(i * c + ch) * hw + j];
                }
            }
            double mu = s / n, ss = 0;
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < hw; j++) {
                    double d = x[(i * c + ch) * hw + j] - mu;
                    ss += d * d;
                }
            }
            double var = ss / n;
            if (meanOut != null) {
                meanOut[ch] = mu;
                varOut[ch] = var;
            }
            for (int i = 0; i < b; i++) {
                int row = labels == null ? i : labels[i];
                double g = gamma[row * c + ch], be = beta[row * c + ch];
                for (int j = 0; j < hw; j++) {
                    int idx = (i * c + ch) * hw + j;
                    y[idx] = g * (x[idx] - mu) / Math.sqrt(var + eps) + be;
                }
            }
        }
        return y;
    }

    /** Eval: y = γ·(x − rm)/sqrt(rv + eps) + β. */
    public static double[] eval(int b, int c, int hw, double[] x, int[] labels, double[] gamma, double[] beta,
                                double[] rm, double[] rv, double eps) {
        double[] y = new double[x.length];
        for (int i = 0; i < b; i++) {
            int row = labels == null ? i : labels[i];
            for (int ch = 0; ch < c; ch++) {
                for (int j = 0; j < hw; j++) {
                    int idx = (i * c + ch) * hw + j;
                    y[idx] = gamma[row * c + ch] * (x[idx] - rm[ch]) / Math.sqrt(rv[ch] + eps) + beta[row * c + ch];
                }
            }
        }
        return y;
    }

    /** Gradients of L = Σ y·w by central differences in double: {dx, dgamma, dbeta}. */
    public static double[][] finiteDifferences(int b, int c, int hw, double[] x, int[] labels, double[] gamma,
                                               double[] beta, double eps, double[] w, double h) {
        double[][] out = new double[3][];
        double[][] vars = {x, gamma, beta};
        for (int v = 0; v < 3; v++) {
            double[] p = vars[v];
            out[v] = new double[p.length];
            for (int i = 0; i < p.length; i++) {
                double keep = p[i];
                p[i] = keep + h;
                double up = dot(forward(b, c, hw, x, labels, gamma, beta, eps, null, null), w);
                p[i] = keep - h;
                double down = dot(forward(b, c, hw, x, labels, gamma, beta, eps, null, null), w);
                p[i] = keep;
                out[v][i] = (up - down) / (2 * h);
            }
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
