package sagan4j.backend;

import static sagan4j.backend.Checks.requireFloat;
import static sagan4j.backend.Checks.requireFloatLike;
import static sagan4j.backend.Checks.requireSame;
import static sagan4j.backend.Checks.requireVector;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Spectral normalisation (Miyato et al. 2018) on one backend, from {@link Backend#spectralNorm()}.
 *
 * <p>A weight {@code w} of rank ≥ 2 is viewed as a matrix (out, rest) = (dim 0, product of the others):
 * conv (out, in, kh, kw) → (out, in·kh·kw), linear (out, in), embedding (classes, dim). With
 * normalize(x) = x / max(‖x‖₂, eps):
 * <ul>
 *   <li>training ({@code iters ≥ 1}): {@code iters} times v = normalize(Wᵀu), u = normalize(Wv), from the
 *       persistent u given; then σ = uᵀWv. {@code u} is updated in place, {@code v} written.</li>
 *   <li>eval ({@code iters == 0}): σ = uᵀWv from the given u and v, neither written.</li>
 *   <li>{@code wSn} (optional) ← W/σ: the reparameterised forward. It may be {@code w} itself: the
 *       constraint mode's W ← W/σ (see also {@link #constrain}).</li>
 * </ul>
 * The backward treats u and v as constants: dW = (G − ⟨G, W/σ⟩·u vᵀ)/σ with G = dL/d(W/σ).
 *
 * <p>The seed's variant (5 iterations from a fresh N(0,1) u at every call) is {@code iters = 5} with u
 * drawn by {@link #normalVector}. Several weights (a whole model) run in one go through a {@link Group}:
 * on CUDA that is one launch for all of them.
 *
 * <p>Outputs are preallocated by the caller; nothing is allocated by {@code forward}/{@code backward}
 * except, on CUDA, the descriptor of a weight the first time the single-weight {@link #forward} sees it
 * (make a {@link Group} beforehand where that matters, e.g. before capturing a CUDA graph).
 */
public abstract class SpectralNormOps extends OpFamily {
    /** The eps inside normalize, as in PyTorch's spectral_norm. */
    public static final float DEFAULT_EPS = 1e-12f;

    protected SpectralNormOps(Backend backend, List<String> impls) {
        super(backend, "spectral norm", impls);
    }

    /** One weight under spectral normalisation and its state. {@code wSn} may be null (σ only). */
    public record Weight(Tensor w, Tensor u, Tensor v, Tensor sigma, Tensor wSn) {
    }

    /** Several weights prepared to run together (on CUDA: one descriptor array, one launch). */
    public abstract static class Group implements AutoCloseable {
        private final SpectralNormOps owner;
        private final List<Weight> weights;
        private boolean closed;

        protected Group(SpectralNormOps owner, List<Weight> weights) {
            this.owner = owner;
            this.weights = List.copyOf(weights);
        }

        public List<Weight> weights() {
            return weights;
        }

        public boolean isClosed() {
            return closed;
        }

        /** Frees what the backend holds for the group (not the weights' tensors). */
        @Override
        public void close() {
            if (!closed) {
                closed = true;
                release();
            }
        }

        protected abstract void release();
    }


    // ---------------------------------------------------------------- the ops

    /**
     * Power iteration (or, with {@code iters == 0}, σ from the given u and v) and optionally W/σ.
     *
     * @param w     (out, ...) rank ≥ 2
     * @param u     (out): read; updated in place when iters ≥ 1
     * @param v     (rest): written when iters ≥ 1, read when iters == 0
     * @param sigma (1): written
     * @param wSn   shape of w, or null; may be w itself
     */
    public final void forward(Tensor w, Tensor u, Tensor v, Tensor sigma, Tensor wSn, int iters, float eps) {
        Weight wt = new Weight(w, u, v, sigma, wSn);
        checkWeight("spectralNorm.forward", wt, "");
        checkIters("spectralNorm.forward", iters, eps);
        doForward(wt, iters, eps);
    }

    /** Prepares several weights to run together; close the group when done with it. */
    public final Group group(List<Weight> weights) {
        if (weights == null || weights.isEmpty()) {
            throw new ShapeException("spectralNorm.group: needs at least one weight, got " + (weights == null ? "null" : "none"));
        }
        for (int k = 0; k < weights.size(); k++) {
            checkWeight("spectralNorm.group", weights.get(k), "weights[" + k + "].");
        }
        return doGroup(new ArrayList<>(weights));
    }

    /** {@link #forward(Tensor, Tensor, Tensor, Tensor, Tensor, int, float)} for every weight of the group. */
    public final void forward(Group group, int iters, float eps) {
        if (group == null || group.owner != this) {
            throw new ShapeException("spectralNorm.forward: the group was made by another backend's spectralNorm()");
        }
        if (group.isClosed()) {
            throw new ShapeException("spectralNorm.forward: the group was already closed");
        }
        for (int k = 0; k < group.weights().size(); k++) {
            checkWeight("spectralNorm.forward", group.weights().get(k), "group.weights[" + k + "].");
        }
        checkIters("spectralNorm.forward", iters, eps);
        doForward(group, iters, eps);
    }

    /**
     * dW = (G − ⟨G, W/σ⟩·u vᵀ)/σ (u, v, σ as the forward left them). {@code gradW} may be {@code gradWSn}.
     */
    public final void backward(Tensor w, Tensor u, Tensor v, Tensor sigma, Tensor gradWSn, Tensor gradW) {
        checkBackward("spectralNorm.backward", w, u, v, sigma, gradWSn, gradW);
        doBackward(w, u, v, sigma, gradWSn, gradW, false);
    }

    /**
     * gradW += dW, the {@link #backward} folded into the gradient accumulation that follows it (one launch fewer
     * per weight on CUDA, the same bits as backward into scratch and then {@code axpy(1, scratch, gradW)}).
     * gradW must be another tensor than gradWSn.
     */
    public final void backwardAccumulate(Tensor w, Tensor u, Tensor v, Tensor sigma, Tensor gradWSn, Tensor gradW) {
        String op = "spectralNorm.backwardAccumulate";
        checkBackward(op, w, u, v, sigma, gradWSn, gradW);
        if (gradW == gradWSn) {
            throw new ShapeException(op + ": gradW must be another tensor than gradWSn");
        }
        doBackward(w, u, v, sigma, gradWSn, gradW, true);
    }

    /** The constraint mode's step after an optimiser update: W ← W/σ in place. */
    public final void constrain(Tensor w, Tensor sigma) {
        divide(w, sigma, w);
    }

    /** wSn ← W/σ (wSn may be w). */
    public final void divide(Tensor w, Tensor sigma, Tensor wSn) {
        String op = "spectralNorm.divide";
        requireFloat(backend, op, "w", w);
        requireFloat(backend, op, "sigma", sigma);
        requireFloat(backend, op, "wSn", wSn);
        requireVector(op, "sigma", sigma, 1, "");
        requireSame(op, "wSn", wSn, w, "w");
        doDivide(w, sigma, wSn);
    }

    // ---------------------------------------------------------------- helpers for callers

    /** out: the first dimension of w. */
    public static int rows(Tensor w) {
        return w.dim(0);
    }

    /** rest: the product of w's other dimensions. */
    public static int cols(Tensor w) {
        return (int) (w.size() / w.dim(0));
    }

    /**
     * n values drawn from N(0, 1) by {@code rng}: the fresh u of the seed's variant (draw it with a seeded
     * generator, e.g. {@code new SplittableRandom(seed)}, so that a run can be repeated).
     */
    public static float[] normalVector(RandomGenerator rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        return x;
    }

    // ---------------------------------------------------------------- backend side

    protected abstract void doForward(Weight w, int iters, float eps);

    /** A group that holds nothing: host backends run its weights one by one ({@link #doForward(Group, int, float)}). */
    protected Group doGroup(List<Weight> weights) {
        return new Group(this, weights) {
            @Override
            protected void release() {
                // nothing held
            }
        };
    }

    /** Every weight of the group in turn; CUDA overrides this with one launch for all. */
    protected void doForward(Group group, int iters, float eps) {
        for (Weight wt : group.weights()) {
            doForward(wt, iters, eps);
        }
    }

    /** dW into gradW, or with {@code accumulate} added to it (gradW then never aliases gradWSn). */
    protected abstract void doBackward(Tensor w, Tensor u, Tensor v, Tensor sigma, Tensor gradWSn, Tensor gradW,
                                       boolean accumulate);

    protected abstract void doDivide(Tensor w, Tensor sigma, Tensor wSn);

    // ---------------------------------------------------------------- checks

    private void checkBackward(String op, Tensor w, Tensor u, Tensor v, Tensor sigma, Tensor gradWSn, Tensor gradW) {
        checkWeight(op, new Weight(w, u, v, sigma, null), "");
        requireFloat(backend, op, "gradWSn", gradWSn);
        requireFloat(backend, op, "gradW", gradW);
        requireSame(op, "gradWSn", gradWSn, w, "w");
        requireSame(op, "gradW", gradW, w, "w");
    }

    private void checkWeight(String op, Weight wt, String prefix) {
        if (wt == null) {
            throw new ShapeException(op + ": " + prefix.replaceAll("\\.$", "") + " is null");
        }
        requireFloat(backend, op, prefix + "w", wt.w());
        requireFloat(backend, op, prefix + "u", wt.u());
        requireFloat(backend, op, prefix + "v", wt.v());
        requireFloat(backend, op, prefix + "sigma", wt.sigma());
        Tensor w = wt.w();
        if (w.rank() < 2) {
            throw new ShapeException(op + ": " + prefix + "w must have rank >= 2 (out, ...), got shape " + w.shape());
        }
        if (w.size() / w.dim(0) > Integer.MAX_VALUE || w.size() > Integer.MAX_VALUE) {
            throw new ShapeException(op + ": " + prefix + "w " + w.shape() + " has more than 2^31-1 elements");
        }
        requireVector(op, prefix + "u", wt.u(), rows(w), "");
        requireVector(op, prefix + "v", wt.v(), cols(w), "");
        requireVector(op, prefix + "sigma", wt.sigma(), 1, "");
        if (wt.wSn() != null) {
            requireFloatLike(backend, op, prefix + "wSn", wt.wSn(), w, prefix + "w");
        }
        if (wt.u() == wt.w() || wt.v() == wt.w() || wt.sigma() == wt.w() || wt.u() == wt.v()) {
            throw new ShapeException(op + ": " + prefix + "u, v, sigma and w must be distinct tensors");
        }
    }

    private static void checkIters(String op, int iters, float eps) {
        if (iters < 0) {
            throw new ShapeException(op + ": iters must be >= 0, got " + iters);
        }
        if (!(eps > 0f) || !Float.isFinite(eps)) {
            throw new ShapeException(op + ": eps must be finite and > 0, got " + eps);
        }
    }
}
