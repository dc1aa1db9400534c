package sagan4j.backend;

import java.util.List;

/**
 * The optimiser updates, one call per parameter tensor (on CUDA one kernel launch each), from
 * {@link Backend#optim()}. Elementwise over a flat view of the tensors, so they take any shape.
 *
 * <ul>
 *   <li>{@link #adam}: Adam (Kingma and Ba 2015) with bias correction, as PyTorch's {@code torch.optim.Adam}
 *       without weight decay; at step t ≥ 1, element by element:
 *       <pre>
 *   m ← β1·m + (1 − β1)·g         v ← β2·v + (1 − β2)·g²
 *   p ← p − lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + eps)
 *       </pre>
 *       The two corrections 1 − β^t are computed once per call in double, here, and passed to the
 *       backend as floats, so every backend rounds them the same way.</li>
 *   <li>{@link #ema}: an exponential moving average, ema ← decay·ema + (1 − decay)·x (EMA of G's weights).</li>
 * </ul>
 */
public abstract class OptimOps extends OpFamily {
    protected OptimOps(Backend backend, List<String> impls) {
        super(backend, "optim", impls);
    }

    /** Adam's hyper-parameters; {@link #validate()} gives one line naming the bad one. */
    public record Adam(float lr, float beta1, float beta2, float eps) {
        /** The two-time-scale settings of SAGAN and BigGAN for the given learning rate (β1 0, β2 0.9, eps 1e-8). */
        public static Adam ttur(float lr) {
            return new Adam(lr, 0f, 0.9f, 1e-8f);
        }

        public Adam validate() {
            if (!(lr >= 0f) || !Float.isFinite(lr)) {
                throw new ShapeException("adam: lr must be finite and >= 0, got " + lr);
            }
            if (!(beta1 >= 0f && beta1 < 1f)) {
                throw new ShapeException("adam: beta1 must be in [0, 1), got " + beta1);
            }
            if (!(beta2 >= 0f && beta2 < 1f)) {
                throw new ShapeException("adam: beta2 must be in [0, 1), got " + beta2);
            }
            if (!(eps > 0f) || !Float.isFinite(eps)) {
                throw new ShapeException("adam: eps must be finite and > 0, got " + eps);
            }
            return this;
        }
    }

    /**
     * One Adam step on one parameter tensor, in place.
     *
     * @param param the weights p (any shape), updated
     * @param grad  g, the shape of p, read only
     * @param m     first moment, the shape of p, updated (zeros before step 1)
     * @param v     second moment, the shape of p, updated (zeros before step 1)
     * @param step  t, the 1-based number of this update (for the bias corrections)
     */
    public final void adam(Tensor param, Tensor grad, Tensor m, Tensor v, Adam settings, long step) {
        backend.requireFloat("adam", "param", param);
        backend.requireFloat("adam", "grad", grad);
        backend.requireFloat("adam", "m", m);
        backend.requireFloat("adam", "v", v);
        Backend.requireSameSize("adam", "grad", grad, param, "param");
        Backend.requireSameSize("adam", "m", m, param, "param");
        Backend.requireSameSize("adam", "v", v, param, "param");
        settings.validate();
        if (step < 1) {
            throw new ShapeException("adam: step must be >= 1 (the first update is step 1), got " + step);
        }
        float bc1 = (float) (1 - Math.pow(settings.beta1(), step));
        float bc2 = (float) (1 - Math.pow(settings.beta2(), step));
        doAdam(param, grad, m, v, settings, bc1, bc2);
    }

    /** ema ← decay·ema + (1 − decay)·x, in place; decay in [0, 1]. */
    public final void ema(Tensor x, Tensor ema, float decay) {
        backend.requireFloat("ema", "x", x);
        backend.requireFloat("ema", "ema", ema);
        Backend.requireSameSize("ema", "ema", ema, x, "x");
        if (!(decay >= 0f && decay <= 1f)) {
            throw new ShapeException("ema: decay must be in [0, 1], got " + decay);
        }
        doEma(x, ema, decay);
    }

    /** The update with the corrections bc1 = 1 − β1^t and bc2 = 1 − β2^t already formed. */
    protected abstract void doAdam(Tensor param, Tensor grad, Tensor m, Tensor v, Adam settings, float bc1, float bc2);

    protected abstract void doEma(Tensor x, Tensor ema, float decay);
}
