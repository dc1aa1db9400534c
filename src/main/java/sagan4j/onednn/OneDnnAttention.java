package sagan4j.onednn;

import static sagan4j.onednn.OneDnnBackend.f;

import java.util.List;

import org.bytedeco.javacpp.FloatPointer;

import sagan4j.backend.AttentionOps;
import sagan4j.backend.Backend.GemmShape;
import sagan4j.backend.Tensor;

/**
 * Attention as oneDNN primitives over the whole batch: S = scale·q kᵀ and o = P v as GEMMs, the row
 * softmax and its backward as {@link OneDnnRowSoftmax}; the backward recomputes P = exp(S − lse) and takes
 * dP = grad_o vᵀ, dS = P ⊙ (dP − Σ dP·P), grad_q = scale·dS k, grad_k = scale·dSᵀ q, grad_v = Pᵀ grad_o.
 * The (B, N, M) score matrix is materialised in native memory (4 MB for SAGAN-32's 16×16 attention at batch
 * 16): on the CPU that is cheaper than a fused kernel's recomputation, and nothing of it crosses to the heap.
 * The softmax was a Java loop with one Math.exp per element until 2026-12-07: a sixth of tiny's Java time.
 */
final class OneDnnAttention extends AttentionOps {
    private static final int Q = 0, K = 1, V = 2, S = 3, P = 4, O = 5, GO = 6, GQ = 7, GK = 8, GV = 9, LSE = 10, DP = 11, DS = 12;
    private final NativeBuffers buffers = new NativeBuffers(13);

    private final OneDnnGemm gemm;
    private final OneDnnRowSoftmax softmax;

    OneDnnAttention(OneDnnBackend backend, OneDnnGemm gemm, OneDnnRowSoftmax softmax) {
        super(backend, List.of("onednn"));
        this.gemm = gemm;
        this.softmax = softmax;
    }

    private FloatPointer stage(int role, Tensor t) {
        return buffers.stage(role, f(t), 0, (int) t.size());
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
        FloatPointer p = buffers.get(P, (long) rowsTotal * m);
        softmax.forward(rowsTotal, m, sc, p, buffers.get(LSE, rowsTotal), f(lse));
        FloatPointer out = buffers.get(O, o.size());
        gemm.runNative(new GemmShape(false, false, s.batch(), s.n(), s.c(), m, true, true), 1f, p, stage(V, v), 0f, out);
        out.get(f(o), 0, (int) o.size());
    }

    @Override
    protected void doBackward(Dims s, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse, Tensor gradO, float scale,
                              Tensor gradQ, Tensor gradK, Tensor gradV) {
        int b = s.batch(), n = s.n(), m = s.m(), d = s.d(), c = s.c(), rowsTotal = b * n;
        FloatPointer pq = stage(Q, q), pk = stage(K, k), pgo = stage(GO, gradO);
        FloatPointer sc = scores(s, pq, pk, scale);
        FloatPointer dp = buffers.get(DP, (long) rowsTotal * m);
        gemm.runNative(new GemmShape(false, true, b, n, m, c, true, true), 1f, pgo, stage(V, v), 0f, dp);
        FloatPointer p = buffers.get(P, (long) rowsTotal * m), ds = buffers.get(DS, (long) rowsTotal * m);
        softmax.backward(rowsTotal, m, sc, stage(LSE, lse), dp, p, ds);
        FloatPointer gq = buffers.get(GQ, (long) rowsTotal * d);
        FloatPointer gk = buffers.get(GK, (long) b * m * d);
        FloatPointer gv = buffers.get(GV, (long) b * m * c);
        gemm.runNative(new GemmShape(false, false, b, n, d, m, true, true), scale, ds, pk, 0f, gq);
        gemm.runNative(new GemmShape(true, false, b, m, d, n, true, true), scale, ds, pq, 0f, gk);
        gemm.runNative(new GemmShape(true, false, b, m, c, n, true, true), 1f, p, pgo, 0f, gv);
        gq.get(f(gradQ), 0, (int) gradQ.size());
        gk.get(f(gradK), 0, (int) gradK.size());
        gv.get(f(gradV), 0, (int) gradV.size());
    }

    void close() {
        buffers.close();
    }
}
