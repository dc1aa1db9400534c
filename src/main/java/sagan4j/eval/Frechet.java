package sagan4j.eval;

/**
 * The Fréchet distance between two Gaussians fitted to feature sets (as FID computes it, here on the
 * in-project classifier's features): ‖μ1 − μ2‖² + tr(Σ1 + Σ2 − 2 (Σ1^½ Σ2 Σ1^½)^½), in double. The
 * matrix square roots come from symmetric eigen-decompositions (cyclic Jacobi), so no non-symmetric
 * square root is needed: tr((Σ1 Σ2)^½) = tr((Σ1^½ Σ2 Σ1^½)^½).
 */
public final class Frechet {
    private Frechet() {
    }

    /** @param a features (n, d) row-major, @param b features (m, d) */
    public static double distance(float[] a, int n, float[] b, int m, int d) {
        double[] mu1 = mean(a, n, d), mu2 = mean(b, m, d);
        double[][] s1 = cov(a, n, d, mu1), s2 = cov(b, m, d, mu2);
        double[][] r1 = sqrtPsd(s1);
        double[][] inner = mul(mul(r1, s2), r1);
        double[][] root = sqrtPsd(symmetrize(inner));
        double diff = 0, tr = 0;
        for (int i = 0; i < d; i++) {
            diff += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]);
            tr += s1[i][i] + s2[i][i] - 2 * root[i][i];
        }
        return diff + tr;
    }

    static double[] mean(float[] x, int n, int d) {
        double[] mu = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                mu[j] += x[i * d + j];
            }
        }
        for (int j = 0; j < d; j++) {
            mu[j] /= n;
        }
        return mu;
    }

    /** The unbiased covariance (n − 1). */
    static double[][] cov(float[] x, int n, int d, double[] mu) {
        double[][] c = new double[d][d];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < d; p++) {
                double xp = x[i * d + p] - mu[p];
                for (int q = p; q < d; q++) {
                    c[p][q] += xp * (x[i * d + q] - mu[q]);
                }
            }
        }
        for (int p = 0; p < d; p++) {
            for (int q = p; q < d; q++) {
                c[p][q] /= Math.max(1, n - 1);
                c[q][p] = c[p][q];
            }
        }
        return c;
    }

    /** The square root of a symmetric positive semi-definite matrix (negative eigenvalues from rounding clamp to 0). */
    static double[][] sqrtPsd(double[][] s) {
        int d = s.length;
        double[][] a = new double[d][];
        for (int i = 0; i < d; i++) {
            a[i] = s[i].clone();
        }
        double[][] v = new double[d][d];
        for (int i = 0; i < d; i++) {
            v[i][i] = 1;
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0, total = 0;
            for (int p = 0; p < d; p++) {
                for (int q = 0; q < d; q++) {
                    total += a[p][q] * a[p][q];
                    if (p != q) {
                        off += a[p][q] * a[p][q];
                    }
                }
            }
            if (off <= 1e-30 * Math.max(total, 1e-300)) {
                break;
            }
            for (int p = 0; p < d - 1; p++) {
                for (int q = p + 1; q < d; q++) {
                    if (Math.abs(a[p][q]) < 1e-300) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1), sn = t * c;
                    for (int k = 0; k < d; k++) {
                        double akp = a[k][p], akq = a[k][q];
                        a[k][p] = c * akp - sn * akq;
                        a[k][q] = sn * akp + c * akq;
                    }
                    for (int k = 0; k < d; k++) {
                        double apk = a[p][k], aqk = a[q][k];
                        a[p][k] = c * apk - sn * aqk;
                        a[q][k] = sn * apk + c * aqk;
                    }
                    for (int k = 0; k < d; k++) {
                        double vkp = v[k][p], vkq = v[k][q];
                        v[k][p] = c * vkp - sn * vkq;
                        v[k][q] = sn * vkp + c * vkq;
                    }
                }
            }
        }
        double[][] r = new double[d][d];
        for (int k = 0; k < d; k++) {
            double root = Math.sqrt(Math.max(0, a[k][k]));
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    r[i][j] += v[i][k] * root * v[j][k];
                }
            }
        }
        return r;
    }

    static double[][] mul(double[][] x, double[][] y) {
        int d = x.length;
        double[][] r = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < d; k++) {
                double xik = x[i][k];
                for (int j = 0; j < d; j++) {
                    r[i][j] += xik * y[k][j];
                }
            }
        }
        return r;
    }

    private static double[][] symmetrize(double[][] x) {
        int d = x.length;
        double[][] r = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                r[i][j] = 0.5 * (x[i][j] + x[j][i]);
            }
        }
        return r;
    }
}
