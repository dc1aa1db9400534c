package sagan4j.reference;

import java.util.List;

import sagan4j.backend.SpectralNormOps;
import sagan4j.backend.Tensor;

/**
 * The spectral-norm reference: the power iteration, W/σ and the backward in double precision (rounded to
 * float only when stored), W viewed as a row-major (m, n) = (out, rest) matrix. Matvecs are spread over
 * threads (columns for Wᵀu, rows for Wv); each dot product is summed in a fixed order.
 */
public final class ReferenceSpectralNorm extends SpectralNormOps {
    /** Matrices below this many elements stay on the calling thread. */
    private static final int GRAIN = 1 << 16;

    ReferenceSpectralNorm(ReferenceBackend backend) {
        super(backend, List.of("reference"));
    }

    /** u, v and σ after a power iteration, in double. */
    public record Result(double[] u, double[] v, double sigma) {
    }

    /**
     * The power iteration on W (m×n, row-major): {@code iters} times v = normalize(Wᵀu), u = normalize(Wv)
     * from {@code u0}, then σ = uᵀWv; with {@code iters == 0}, σ = u0ᵀ W v0 and u, v are u0, v0.
     * normalize(x) = x / max(‖x‖, eps).
     */
    public static Result powerIteration(float[] w, int m, int n, float[] u0, float[] v0, int iters, double eps) {
        double[] u = new double[m];
        for (int i = 0; i < m; i++) {
            u[i] = u0[i];
        }
        double[] v = new double[n];
        if (iters == 0) {
            for (int j = 0; j < n; j++) {
                v[j] = v0[j];
            }
            return new Result(u, v, dot(u, matVec(w, m, n, v)));
        }
        double sigma = 0;
        for (int it = 0; it < iters; it++) {
            v = normalize(matTVec(w, m, n, u), eps);
            double[] t = matVec(w, m, n, v);
            u = normalize(t, eps);
            sigma = dot(u, t);
        }
        return new Result(u, v, sigma);
    }

    /** Wv: one row per index, rows spread over threads. */
    static double[] matVec(float[] w, int m, int n, double[] v) {
        double[] t = new double[m];
        Parallel.forRange(m, Math.max(1, GRAIN / Math.max(1, n)), (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                double s = 0;
                int base = i * n;
                for (int j = 0; j < n; j++) {
                    s += w[base + j] * v[j];
                }
                t[i] = s;
            }
        });
        return t;
    }

    /** Wᵀu: columns spread over threads, each range accumulated row by row (contiguous reads). */
    static double[] matTVec(float[] w, int m, int n, double[] u) {
        double[] r = new double[n];
        Parallel.forRange(n, Math.max(1, GRAIN / Math.max(1, m)), (lo, hi) -> {
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

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double[] normalize(double[] x, double eps) {
        double d = Math.max(Math.sqrt(dot(x, x)), eps);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] / d;
        }
        return y;
    }

    // ---------------------------------------------------------------- the backend hooks

    @Override
    protected void doForward(Weight wt, int iters, float eps) {
        float[] w = ReferenceBackend.f(wt.w()), u = ReferenceBackend.f(wt.u()), v = ReferenceBackend.f(wt.v());
        int m = rows(wt.w()), n = cols(wt.w());
        Result r = powerIteration(w, m, n, u, v, iters, eps);
        if (iters > 0) {
            store(r.u(), u);
            store(r.v(), v);
        }
        float sigma = (float) r.sigma();
        ReferenceBackend.f(wt.sigma())[0] = sigma;
        if (wt.wSn() != null) {
            divide(w, sigma, ReferenceBackend.f(wt.wSn()));   // by the σ returned, so that W/σ is exactly w_sn / sigma
        }
    }

    private static void store(double[] from, float[] to) {
        for (int i = 0; i < from.length; i++) {
            to[i] = (float) from[i];
        }
    }

    private static void divide(float[] w, double sigma, float[] out) {
        Parallel.forRange(w.length, GRAIN, (lo, hi) -> {
            for (int e = lo; e < hi; e++) {
                out[e] = (float) (w[e] / sigma);
            }
        });
    }

    @Override
    protected void doBackward(Tensor wT, Tensor uT, Tensor vT, Tensor sigmaT, Tensor gT, Tensor dwT, boolean accumulate) {
        float[] w = ReferenceBackend.f(wT), u = ReferenceBackend.f(uT), v = ReferenceBackend.f(vT), g = ReferenceBackend.f(gT);
        float[] dw = ReferenceBackend.f(dwT);
        int m = rows(wT), n = cols(wT);
        double sigma = ReferenceBackend.f(sigmaT)[0];
        double gw = 0;
        for (int e = 0; e < w.length; e++) {
            gw += (double) g[e] * w[e];
        }
        double c = gw / sigma;                          // <G, W/σ>
        Parallel.forRange(m, Math.max(1, GRAIN / Math.max(1, n)), (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                double cu = c * u[i];
                int base = i * n;
                for (int j = 0; j < n; j++) {
                    float d = (float) ((g[base + j] - cu * v[j]) / sigma);
                    dw[base + j] = accumulate ? dw[base + j] + d : d;
                }
            }
        });
    }

    @Override
    protected void doDivide(Tensor w, Tensor sigma, Tensor wSn) {
        divide(ReferenceBackend.f(w), ReferenceBackend.f(sigma)[0], ReferenceBackend.f(wSn));
    }
}
