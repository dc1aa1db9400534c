package sagan4j.testing;

/**
 * A second, independent attention reference in double, written for the tests as plainly as possible: the
 * forward (o, lse) on double arrays, so that finite differences can perturb inputs in double, and the loss
 * L = Σ o ⊙ w whose gradient the backward must return when grad_o = w.
 * Layout: q (B,N,d), k (B,M,d), v (B,M,c), o (B,N,c), lse (B,N), row-major.
 */
public final class AttentionReference {
    private AttentionReference() {
    }

    /** o and lse of the forward. */
    public record Forward(double[] o, double[] lse) {
    }

    public static Forward forward(int batch, int n, int m, int d, int c, double scale, double[] q, double[] k,
                                  double[] v) {
        double[] o = new double[batch * n * c];
        double[] lse = new double[batch * n];
        double[] s = new double[m];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < n; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < m; j++) {
                    double dot = 0;
                    for (int t = 0; t < d; t++) {
                        dot += q[(b * n + i) * d + t] * k[(b * m + j) * d + t];
                    }
                    s[j] = scale * dot;
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < m; j++) {
                    sum += Math.exp(s[j] - max);
                }
                for (int j = 0; j < m; j++) {
                    double p = Math.exp(s[j] - max) / sum;
                    for (int x = 0; x < c; x++) {
                        o[(b * n + i) * c + x] += p * v[(b * m + j) * c + x];
                    }
                }
                lse[b * n + i] = max + Math.log(sum);
            }
        }
        return new Forward(o, lse);
    }

    public static Forward forward(int batch, int n, int m, int d, int c, double scale, float[] q, float[] k,
                                  float[] v) {
        return forward(batch, n, m, d, c, scale, Reference.toDouble(q), Reference.toDouble(k), Reference.toDouble(v));
    }

    /** L = Σ o ⊙ w. */
    public static double loss(int batch, int n, int m, int d, int c, double scale, double[] q, double[] k,
                              double[] v, double[] w) {
        double[] o = forward(batch, n, m, d, c, scale, q, k, v).o();
        double l = 0;
        for (int i = 0; i < o.length; i++) {
            l += o[i] * w[i];
        }
        return l;
    }

    /**
     * ∂L/∂x for every element of {@code x} (one of q, k, v, given as the same array object) by central
     * differences with step h, in double.
     */
    public static double[] finiteDifference(int batch, int n, int m, int d, int c, double scale, double[] q,
                                            double[] k, double[] v, double[] w, double[] x, double h) {
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double x0 = x[i];
            x[i] = x0 + h;
            double up = loss(batch, n, m, d, c, scale, q, k, v, w);
            x[i] = x0 - h;
            double down = loss(batch, n, m, d, c, scale, q, k, v, w);
            x[i] = x0;
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }

    /** grad_q, grad_k, grad_v in double by the textbook formulas on the materialised P. */
    public static double[][] gradients(int batch, int n, int m, int d, int c, double scale, float[] q, float[] k,
                                         float[] v, float[] go) {
        AttentionReference.Forward f = AttentionReference.forward(batch, n, m, d, c, scale, q, k, v);
        double[] gq = new double[batch * n * d], gk = new double[batch * m * d], gv = new double[batch * m * c];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < n; i++) {
                double dsum = 0;
                for (int x = 0; x < c; x++) {
                    dsum += (double) go[(b * n + i) * c + x] * f.o()[(b * n + i) * c + x];
                }
                for (int j = 0; j < m; j++) {
                    double dot = 0, dp = 0;
                    for (int t = 0; t < d; t++) {
                        dot += (double) q[(b * n + i) * d + t] * k[(b * m + j) * d + t];
                    }
                    for (int x = 0; x < c; x++) {
                        dp += (double) go[(b * n + i) * c + x] * v[(b * m + j) * c + x];
                    }
                    double p = Math.exp(scale * dot - f.lse()[b * n + i]);
                    double ds = p * (dp - dsum);
                    for (int t = 0; t < d; t++) {
                        gq[(b * n + i) * d + t] += scale * ds * k[(b * m + j) * d + t];
                        gk[(b * m + j) * d + t] += scale * ds * q[(b * n + i) * d + t];
                    }
                    for (int x = 0; x < c; x++) {
                        gv[(b * m + j) * c + x] += p * go[(b * n + i) * c + x];
                    }
                }
            }
        }
        return new double[][] {gq, gk, gv};
    }
}
