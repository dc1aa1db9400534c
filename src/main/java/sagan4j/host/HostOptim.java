package sagan4j.host;

import sagan4j.backend.OptimOps;

/**
 * The optimiser updates' element loops over heap arrays, for the backends that keep tensors in Java arrays
 * (the reference and oneDNN's): Adam in double (moments, corrections, square root, quotient, rounded to
 * float once when stored) for the reference, and in float ({@link #adamFloat}) for oneDNN's backend; the EMA
 * in double. Elementwise, so any split of [lo, hi) over threads gives the same bits.
 */
public final class HostOptim {
    private HostOptim() {
    }

    /** Adam on elements [lo, hi) (see {@link OptimOps#adam}); bc1, bc2 are the corrections 1 − β^t. */
    public static void adam(float[] p, float[] g, float[] m, float[] v, OptimOps.AdamArgs s, float bc1, float bc2, int lo, int hi) {
        double b1 = s.beta1(), b2 = s.beta2(), lr = s.lr(), eps = s.eps();
        for (int i = lo; i < hi; i++) {
            double gi = g[i];
            double mi = b1 * m[i] + (1 - b1) * gi;
            double vi = b2 * v[i] + (1 - b2) * gi * gi;
            m[i] = (float) mi;
            v[i] = (float) vi;
            p[i] = (float) (p[i] - lr * (mi / bc1) / (Math.sqrt(vi / bc2) + eps));
        }
    }

    /**
     * Adam on elements [lo, hi) in float, the fast backend's: every operation is one that C2 turns into
     * AVX lanes (multiply, add, square root, divide in float), where the double loop above converts and
     * divides one element at a time; that loop was a fifth of sagan32's Java time (2026-12-07 profile).
     * Each element rounds a few times in float instead of once, ~1e-7 relative, against the 1e-6 the
     * optimiser contract holds every backend to.
     */
    public static void adamFloat(float[] p, float[] g, float[] m, float[] v, OptimOps.AdamArgs s, float bc1, float bc2, int lo, int hi) {
        float b1 = s.beta1(), b2 = s.beta2(), c1 = 1 - b1, c2 = 1 - b2, eps = s.eps();
        float step = s.lr() / bc1, inv2 = 1 / bc2;
        for (int i = lo; i < hi; i++) {
            float gi = g[i];
            float mi = b1 * m[i] + c1 * gi;
            float vi = b2 * v[i] + c2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            p[i] -= step * mi / ((float) Math.sqrt(vi * inv2) + eps);
        }
    }

    /** ema ← decay·ema + (1 − decay)·x on elements [lo, hi). */
    public static void ema(float[] x, float[] ema, float decay, int lo, int hi) {
        double d = decay;
        for (int i = lo; i < hi; i++) {
            ema[i] = (float) (d * ema[i] + (1 - d) * x[i]);
        }
    }
}
