package sagan4j.onednn;

import static sagan4j.onednn.OneDnnBackend.f;

import java.util.List;

import org.bytedeco.javacpp.FloatPointer;

import sagan4j.backend.AttentionOps;
import sagan4j.backend.Backend.GemmShape;
import sagan4j.backend.Tensor;
import sagan4j.host.RangeRunner;

/**
 * Attention as oneDNN GEMMs over the whole batch with the row-wise parts in Java: S = scale·q kᵀ and
 * o = P v forward; the backward recomputes P = exp(S − lse) and takes dP = grad_o vᵀ, grad_q = scale·dS k,
 * grad_k = scale·dSᵀ q, grad_v = Pᵀ grad_o. The (B, N, M) score matrix is materialised (4 MB for
 * SAGAN-32's 16×16 attention at batch 16): on the CPU that is cheaper than a fused kernel's recomputation.
 * Softmax: one exp per element (in double, rounded), its sum and log in double; rows split over the lanes.
 */
final class OneDnnAttention extends AttentionOps {
    private static final int Q = 0, K = 1, V = 2, S = 3, P = 4, O = 5, GO = 6, GQ = 7, GK = 8, GV = 9;
    private final NativeBuffers buffers = new NativeBuffers(10);
    private float[] rows = new float[0];
    private float[] rows2 = new float[0];

    private final OneDnnGemm gemm;
    private final Lanes lanes;

    OneDnnAttention(OneDnnBackend backend, OneDnnGemm gemm) {
        super(backend, List.of("onednn-gemm"));
        this.gemm = gemm;
        this.lanes = backend.lanes();
    }

    private FloatPointer stage(int role, Tensor t) {
        return buffers.stage(role, f(t), 0, (int) t.size());
    }

    private float[] scratch(float[] a, long n) {
        return a.length >= n ? a : new float[(int) n];
    }

    /** S ← scale·q kᵀ (B, N, M) into the native buffer S. */
    private FloatPointer scores(Dims s, FloatPointer q, FloatPointer k, float scale) {
        FloatPointer sc = buffers.get(S, (long) s.batch() * s.n() * s.m());
        gemm.runNative(new GemmShape(false, true, s.batch(), s.n(), s.m(), s.d(), true, true), scale, q, k, 0f, sc);
        return sc;
    }

    @Override
    protected void doForward(Dims s, Tensor q, Tensor k, Tensor v, float scale, Tensor o, Tensor lse) {
        int rowsTotal = s.batch() * s.n(), m = s.m();
        FloatPointer sc = scores(s, stage(Q, q), stage(K, k), scale);
        rows = scratch(rows, (long) rowsTotal * m);
        float[] p = rows, ls = f(lse);
        sc.get(p, 0, rowsTotal * m);
        lanes.forRange(rowsTotal, Math.max(1, RangeRunner.GRAIN / m), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                ls[r] = (float) softmaxRow(p, r * m, m);
            }
        });
        sc.put(rows, 0, rowsTotal * m);
        FloatPointer out = buffers.get(O, o.size());
        gemm.runNative(new GemmShape(false, false, s.batch(), s.n(), s.c(), m, true, true), 1f, sc, stage(V, v), 0f, out);
        out.get(f(o), 0, (int) o.size());
    }

    /**
     * a[from .. from+n) ← softmax of itself in place; returns its log-sum-exp. One exp per element: e_j =
     * exp(a_j − max) is kept, summed in double, then scaled by 1/Σ.
     */
    private static double softmaxRow(float[] a, int from, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = from; j < from + n; j++) {
            max = Math.max(max, a[j]);
        }
        double sum = 0;
        for (int j = from; j < from + n; j++) {
            float e = (float) Math.exp(a[j] - max);
            a[j] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int j = from; j < from + n; j++) {
            a[j] *= inv;
        }
        return max + Math.log(sum);
    }

    @Override
    protected void doBackward(Dims s, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse, Tensor gradO, float scale,
                              Tensor gradQ, Tensor gradK, Tensor gradV) {
        int b = s.batch(), n = s.n(), m = s.m(), d = s.d(), c = s.c(), rowsTotal = b * n;
        FloatPointer pq = stage(Q, q), pk = stage(K, k), pgo = stage(GO, gradO);
        FloatPointer sc = scores(s, pq, pk, scale);
        FloatPointer dp = buffers.get(P, (long) rowsTotal * m);
        gemm.runNative(new GemmShape(false, true, b, n, m, c, true, true), 1f, pgo, stage(V, v), 0f, dp);
        rows = scratch(rows, (long) rowsTotal * m);
        rows2 = scratch(rows2, (long) rowsTotal * m);
        sc.get(rows, 0, rowsTotal * m);
        dp.get(rows2, 0, rowsTotal * m);
        float[] ls = f(lse), os = f(o), gos = f(gradO), p = rows, ds = rows2;
        lanes.forRange(rowsTotal, Math.max(1, RangeRunner.GRAIN / m), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                double dsum = 0;
                for (int x = r * c; x < (r + 1) * c; x++) {
                    dsum += (double) gos[x] * os[x];
                }
                float l = ls[r], dsumF = (float) dsum;
                for (int j = r * m; j < (r + 1) * m; j++) {
                    float pij = (float) Math.exp(p[j] - l);
                    p[j] = pij;                          // P
                    ds[j] = pij * (ds[j] - dsumF);       // dS
                }
            }
        });
        sc.put(rows, 0, rowsTotal * m);
        dp.put(rows2, 0, rowsTotal * m);
        FloatPointer gq = buffers.get(GQ, (long) rowsTotal * d);
        FloatPointer gk = buffers.get(GK, (long) b * m * d);
        FloatPointer gv = buffers.get(GV, (long) b * m * c);
        gemm.runNative(new GemmShape(false, false, b, n, d, m, true, true), scale, dp, pk, 0f, gq);
        gemm.runNative(new GemmShape(true, false, b, m, d, n, true, true), scale, dp, pq, 0f, gk);
        gemm.runNative(new GemmShape(true, false, b, m, c, n, true, true), 1f, sc, pgo, 0f, gv);
        gq.get(f(gradQ), 0, (int) gradQ.size());
        gk.get(f(gradK), 0, (int) gradK.size());
        gv.get(f(gradV), 0, (int) gradV.size());
    }

    void close() {
        buffers.close();
    }
}
