package sagan4j.onednn;

import static sagan4j.onednn.OneDnnBackend.f;

import java.util.List;

import sagan4j.backend.SpectralNormOps;
import sagan4j.backend.Tensor;
import sagan4j.host.RangeRunner;

/**
 * Spectral normalisation in Java, W viewed as a row-major (m, n) = (out, rest) matrix. The mat-vecs are
 * memory-bound (each reads W once: 2.4 MB for SAGAN-32's largest conv): Wv by rows and Wᵀu by column
 * ranges over the lanes, u, v and every dot product in double as the reference has them, Wv with four
 * interleaved partial sums per row, Wᵀu row by row (contiguous reads); ⟨G, W⟩ in fixed chunks.
 */
final class JavaSpectralNorm extends SpectralNormOps {
    private final Lanes lanes;

    JavaSpectralNorm(OneDnnBackend backend) {
        super(backend, List.of("java"));
        this.lanes = backend.lanes();
    }

    @Override
    protected void doForward(Weight wt, int iters, float eps) {
        float[] w = f(wt.w()), u0 = f(wt.u()), v0 = f(wt.v());
        int m = rows(wt.w()), n = cols(wt.w());
        double[] u = new double[m], v = new double[n];
        for (int i = 0; i < m; i++) {
            u[i] = u0[i];
        }
        double sigma;
        if (iters == 0) {
            for (int j = 0; j < n; j++) {
                v[j] = v0[j];
            }
            sigma = dot(u, matVec(w, m, n, v));
        } else {
            sigma = 0;
            for (int it = 0; it < iters; it++) {
                v = normalize(matTVec(w, m, n, u), eps);
                double[] t = matVec(w, m, n, v);
                u = normalize(t, eps);
                sigma = dot(u, t);
            }
            for (int i = 0; i < m; i++) {
                u0[i] = (float) u[i];
            }
            for (int j = 0; j < n; j++) {
                v0[j] = (float) v[j];
            }
        }
        float s = (float) sigma;
        f(wt.sigma())[0] = s;
        if (wt.wSn() != null) {
            divide(w, s, f(wt.wSn()));   // by the σ stored, so that W/σ is exactly w_sn / sigma
        }
    }

    /** Wv, rows spread over the lanes (each row's sum is the same whatever the split). */
    private double[] matVec(float[] w, int m, int n, double[] v) {
        double[] t = new double[m];
        lanes.forRange(m, Math.max(1, RangeRunner.GRAIN / n), (lo, hi) -> matVecRows(w, n, v, t, lo, hi));
        return t;
    }

    private static void matVecRows(float[] w, int n, double[] v, double[] t, int from, int to) {
        for (int i = from; i < to; i++) {
            int base = i * n, j = 0;
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (; j + 3 < n; j += 4) {
                s0 += w[base + j] * v[j];
                s1 += w[base + j + 1] * v[j + 1];
                s2 += w[base + j + 2] * v[j + 2];
                s3 += w[base + j + 3] * v[j + 3];
            }
            for (; j < n; j++) {
                s0 += w[base + j] * v[j];
            }
            t[i] = (s0 + s1) + (s2 + s3);
        }
    }

    /** Wᵀu, column ranges spread over the lanes, each accumulated row by row (the same for any split). */
    private double[] matTVec(float[] w, int m, int n, double[] u) {
        double[] r = new double[n];
        lanes.forRange(n, Math.max(1, RangeRunner.GRAIN / m), (lo, hi) -> {
            for (int i = 0; i < m; i++) {
                double ui = u[i];
                int base = i * n;
                for (int j = lo; j < hi; j++) {
                    r[j] += w[base + j] * ui;
                }
            }
        });
        return r;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** x / max(‖x‖, eps), a new array (σ = uᵀ(Wv) still needs Wv itself). */
    private static double[] normalize(double[] x, double eps) {
        double d = Math.max(Math.sqrt(dot(x, x)), eps);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] / d;
        }
        return y;
    }

    /**
     * out ← w / σ in float: the same bits as the reference's (float) (w / (double) σ) — a quotient of two
     * floats rounded through double is the correctly rounded float quotient — and a loop C2 vectorises.
     */
    private void divide(float[] w, float sigma, float[] out) {
        lanes.forRange(w.length, RangeRunner.GRAIN, (lo, hi) -> {
            for (int e = lo; e < hi; e++) {
                out[e] = w[e] / sigma;
            }
        });
    }

    @Override
    protected void doBackward(Tensor wT, Tensor uT, Tensor vT, Tensor sigmaT, Tensor gT, Tensor dwT, boolean accumulate) {
        float[] w = f(wT), u = f(uT), v = f(vT), g = f(gT), dw = f(dwT);
        int m = rows(wT), n = cols(wT);
        double sigma = f(sigmaT)[0];
        double c = lanes.sum(w.length, (lo, hi) -> JavaLayers.dot(g, w, lo, hi)) / sigma;                          // <G, W/σ>
        float inv = (float) (1.0 / sigma);
        lanes.forRange(m, Math.max(1, RangeRunner.GRAIN / n), (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                float cu = (float) (c * u[i]);
                int base = i * n;
                for (int j = 0; j < n; j++) {
                    float d = (g[base + j] - cu * v[j]) * inv;
                    dw[base + j] = accumulate ? dw[base + j] + d : d;
                }
            }
        });
    }

    @Override
    protected void doDivide(Tensor w, Tensor sigma, Tensor wSn) {
        divide(f(w), f(sigma)[0], f(wSn));
    }
}
