package sagan4j.backend;

import static sagan4j.backend.Checks.requireFloat;
import static sagan4j.backend.Checks.requireShape;

import java.util.List;

/**
 * The attention softmax-matmul of SAGAN's self-attention, with its gradient:
 *
 * <pre>
 *   q (B, N, d) = θ,  k (B, M, d) = φ,  v (B, M, c) = g        (row-major float32)
 *   S = scale · q kᵀ             (B, N, M)   scale = 1 in SAGAN and BigGAN
 *   lse[b, n] = log Σ_m exp S[b, n, m]   (B, N)   saved by the forward for the backward
 *   P = exp(S − lse)             softmax over M
 *   o = P v                      (B, N, c)
 * </pre>
 *
 * Backward, from grad_o (B, N, c): D = rowsum(grad_o ⊙ o) (B, N); dP = grad_o vᵀ; dS = P ⊙ (dP − D);
 * grad_q = scale·dS k; grad_k = scale·dSᵀ q; grad_v = Pᵀ grad_o. S and P are never outputs: the fused
 * CUDA kernels keep them on chip.
 *
 * <p>Every method checks its arguments here (owner, dtype, rank, agreeing sizes, finite scale), once for
 * both backends, then calls the backend's hook. Outputs are preallocated by the caller and fully
 * overwritten; they must not alias an input. Obtained from {@link Backend#attention()}.
 */
public abstract class AttentionOps extends OpFamily {
    protected AttentionOps(Backend backend, List<String> impls) {
        super(backend, "attention", impls);
    }

    /** The sizes of one checked call. */
    public record Dims(int batch, int n, int m, int d, int c) {
        @Override
        public String toString() {
            return "B=" + batch + ",N=" + n + ",M=" + m + ",d=" + d + ",c=" + c;
        }
    }

    /**
     * o ← softmax over M of (scale·q kᵀ) · v, and lse ← the log-sum-exp of each row of scale·q kᵀ.
     *
     * @param q   (B, N, d)
     * @param k   (B, M, d)
     * @param v   (B, M, c)
     * @param o   (B, N, c) output
     * @param lse (B, N) output, kept for {@link #backward}
     */
    public final void forward(Tensor q, Tensor k, Tensor v, float scale, Tensor o, Tensor lse) {
        String op = "attention.forward";
        Dims s = dims(op, q, k, v, scale);
        requireFloatShape(op, "o", o, s.batch(), s.n(), s.c());
        requireFloatShape(op, "lse", lse, s.batch(), s.n());
        doForward(s, q, k, v, scale, o, lse);
    }

    /**
     * grad_q, grad_k, grad_v of the forward at (q, k, v), given the forward's o and lse and grad_o.
     *
     * @param o      (B, N, c) the forward's output
     * @param lse    (B, N) the forward's log-sum-exp
     * @param gradO  (B, N, c)
     * @param gradQ  (B, N, d) output
     * @param gradK  (B, M, d) output
     * @param gradV  (B, M, c) output
     */
    public final void backward(Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse, Tensor gradO, float scale,
                               Tensor gradQ, Tensor gradK, Tensor gradV) {
        String op = "attention.backward";
        Dims s = dims(op, q, k, v, scale);
        requireFloatShape(op, "o", o, s.batch(), s.n(), s.c());
        requireFloatShape(op, "lse", lse, s.batch(), s.n());
        requireFloatShape(op, "grad_o", gradO, s.batch(), s.n(), s.c());
        requireFloatShape(op, "grad_q", gradQ, s.batch(), s.n(), s.d());
        requireFloatShape(op, "grad_k", gradK, s.batch(), s.m(), s.d());
        requireFloatShape(op, "grad_v", gradV, s.batch(), s.m(), s.c());
        doBackward(s, q, k, v, o, lse, gradO, scale, gradQ, gradK, gradV);
    }


    protected abstract void doForward(Dims s, Tensor q, Tensor k, Tensor v, float scale, Tensor o, Tensor lse);

    protected abstract void doBackward(Dims s, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse, Tensor gradO,
                                       float scale, Tensor gradQ, Tensor gradK, Tensor gradV);

    // ---------------------------------------------------------------- checks

    private Dims dims(String op, Tensor q, Tensor k, Tensor v, float scale) {
        for (Tensor t : new Tensor[] {q, k, v}) {
            String name = t == q ? "q" : t == k ? "k" : "v";
            requireFloat(backend, op, name, t);
            if (t.rank() != 3) {
                throw new ShapeException(op + ": " + name + " must be rank 3 ("
                        + (t == v ? "B, M, c" : t == k ? "B, M, d" : "B, N, d") + "), got shape " + t.shape());
            }
        }
        if (k.dim(0) != q.dim(0) || k.dim(2) != q.dim(2)) {
            throw new ShapeException(op + ": k has shape " + k.shape() + ", expected (" + q.dim(0) + ", M, "
                    + q.dim(2) + ") (B and d of q " + q.shape() + ")");
        }
        if (v.dim(0) != q.dim(0) || v.dim(1) != k.dim(1)) {
            throw new ShapeException(op + ": v has shape " + v.shape() + ", expected (" + q.dim(0) + ", "
                    + k.dim(1) + ", c) (B of q, M of k " + k.shape() + ")");
        }
        if (!Float.isFinite(scale)) {
            throw new ShapeException(op + ": scale must be finite, got " + scale);
        }
        return new Dims(q.dim(0), q.dim(1), k.dim(1), q.dim(2), v.dim(2));
    }

    /** An output or saved tensor: float32 of exactly the dimensions {@code want}. */
    private void requireFloatShape(String op, String name, Tensor t, int... want) {
        requireFloat(backend, op, name, t);
        requireShape(op, name, t, want);
    }
}
