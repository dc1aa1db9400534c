package sagan4j.backend;

import static sagan4j.backend.Checks.requireFloat;
import static sagan4j.backend.Checks.requireSameSize;

import java.util.ArrayList;
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
 *
 * <p>A whole network at once: {@link #adamGroup} / {@link #adam(AdamGroup, AdamArgs)} and {@link #emaGroup} /
 * {@link #ema(EmaGroup, float, boolean)} update every tensor of a list in one call — on CUDA one launch
 * (a multi-tensor apply over a device table of pointers and sizes), with Adam's step count kept on the device
 * and advanced by the launch itself, so that a captured CUDA graph can replay it. The host backends loop over
 * the tensors with the single-tensor updates: the same numbers, element for element.
 */
public abstract class OptimOps extends OpFamily {
    protected OptimOps(Backend backend, List<String> impls) {
        super(backend, "optim", impls);
    }

    /**
     * The scalars of one Adam launch, checked as every kernel argument is ({@link #check()}: one line naming the bad
     * one). Which values a network trains with, and how its learning rate changes, is {@code sagan4j.optim}'s.
     */
    public record AdamArgs(float lr, float beta1, float beta2, float eps) {
        public AdamArgs check() {
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
    public final void adam(Tensor param, Tensor grad, Tensor m, Tensor v, AdamArgs args, long step) {
        requireFloat(backend, "adam", "param", param);
        requireFloat(backend, "adam", "grad", grad);
        requireFloat(backend, "adam", "m", m);
        requireFloat(backend, "adam", "v", v);
        requireSameSize("adam", "grad", grad, param, "param");
        requireSameSize("adam", "m", m, param, "param");
        requireSameSize("adam", "v", v, param, "param");
        args.check();
        if (step < 1) {
            throw new ShapeException("adam: step must be >= 1 (the first update is step 1), got " + step);
        }
        doAdam(param, grad, m, v, args, correction(args.beta1(), step), correction(args.beta2(), step));
    }

    /** ema ← decay·ema + (1 − decay)·x, in place; decay in [0, 1]. */
    public final void ema(Tensor x, Tensor ema, float decay) {
        requireFloat(backend, "ema", "x", x);
        requireFloat(backend, "ema", "ema", ema);
        requireSameSize("ema", "ema", ema, x, "x");
        if (!(decay >= 0f && decay <= 1f)) {
            throw new ShapeException("ema: decay must be in [0, 1], got " + decay);
        }
        doEma(x, ema, decay);
    }

    /**
     * What the three groups share: the optimiser family that made it (a group is used only with it) and the
     * close-once bookkeeping; {@link #release} frees what the backend holds (not the tensors).
     */
    public abstract static class TensorGroup implements AutoCloseable {
        private final OptimOps owner;
        private boolean closed;

        protected TensorGroup(OptimOps owner) {
            this.owner = owner;
        }

        protected abstract void release();

        /** One line if the group is another backend's or already closed. */
        final void requireUsable(OptimOps by, String op) {
            if (owner != by) {
                throw new ShapeException(op + ": the group was made by another backend's optim()");
            }
            if (closed) {
                throw new ShapeException(op + ": the group was already closed");
            }
        }

        final void requireOpen(String op) {
            requireUsable(owner, op);
        }

        @Override
        public final void close() {
            if (!closed) {
                closed = true;
                release();
            }
        }
    }

    /** The bias correction 1 − β^t, formed in double and rounded to float once, the same on every backend. */
    private static float correction(float beta, long t) {
        return (float) (1 - Math.pow(beta, t));
    }

    /**
     * Parameters, gradients and Adam moments prepared to be updated together (on CUDA: a device table, allocated
     * once). It holds the step count t (0 before the first update); the scalars come with each update
     * ({@link #adam(AdamGroup, AdamArgs)}), so a learning rate may change from one step to the next. Close it when
     * done (it does not own the tensors).
     */
    public abstract static class AdamGroup extends TensorGroup {
        private final List<Tensor> params, grads, m, v;
        private long step;

        protected AdamGroup(OptimOps owner, List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v) {
            super(owner);
            this.params = List.copyOf(params);
            this.grads = List.copyOf(grads);
            this.m = List.copyOf(m);
            this.v = List.copyOf(v);
        }

        public List<Tensor> params() {
            return params;
        }

        public List<Tensor> grads() {
            return grads;
        }

        public List<Tensor> m() {
            return m;
        }

        public List<Tensor> v() {
            return v;
        }

        /** The updates made so far (t of the last one; 0 before the first). */
        public long step() {
            return step;
        }

        /** Sets the step count (a resumed run's), so that the next update is step t + 1. */
        public final void setStep(long t) {
            if (t < 0) {
                throw new ShapeException("adam: step count must be >= 0, got " + t);
            }
            requireOpen("adam.setStep");
            step = t;
            stepChanged(t);
        }

        /** The backend's copy of the step count follows {@link #setStep} (CUDA: the device counters). */
        protected abstract void stepChanged(long t);
    }

    /**
     * Sources and their averages (EMA-G's weights and G's), updated together; entries marked in {@code copied}
     * are copied (ema ← x) at every update instead of averaged (buffers such as spectral-norm u and batch-norm
     * statistics). Close it when done (it does not own the tensors).
     */
    public abstract static class EmaGroup extends TensorGroup {
        private final List<Tensor> sources, averages;
        private final boolean[] copied;

        protected EmaGroup(OptimOps owner, List<Tensor> sources, List<Tensor> averages, boolean[] copied) {
            super(owner);
            this.sources = List.copyOf(sources);
            this.averages = List.copyOf(averages);
            this.copied = copied.clone();
        }

        public List<Tensor> sources() {
            return sources;
        }

        public List<Tensor> averages() {
            return averages;
        }

        public boolean copied(int i) {
            return copied[i];
        }
    }

    /** Tensors zeroed together (a network's gradients: PyTorch's zero_grad); on CUDA one launch. */
    public abstract static class ZeroGroup extends TensorGroup {
        private final List<Tensor> tensors;

        protected ZeroGroup(OptimOps owner, List<Tensor> tensors) {
            super(owner);
            this.tensors = List.copyOf(tensors);
        }

        public List<Tensor> tensors() {
            return tensors;
        }
    }

    /** Prepares {@link #zero(ZeroGroup)} for these float tensors. */
    public final ZeroGroup zeroGroup(List<Tensor> tensors) {
        if (tensors.isEmpty()) {
            throw new ShapeException("zero.group: needs at least one tensor, got none");
        }
        for (int i = 0; i < tensors.size(); i++) {
            requireFloat(backend, "zero.group", "tensors[" + i + "]", tensors.get(i));
        }
        return doZeroGroup(new ArrayList<>(tensors));
    }

    /** Every element of every tensor of the group ← 0. */
    public final void zero(ZeroGroup group) {
        requireUsable(group, "zero");
        doZero(group);
    }

    /** Prepares {@link #adam(AdamGroup)} for these tensors (index i of each list belongs together). */
    public final AdamGroup adamGroup(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v) {
        int n = params.size();
        if (n == 0 || grads.size() != n || m.size() != n || v.size() != n) {
            throw new ShapeException("adam.group: expected the same number (>= 1) of params, grads, m and v, got " + n + ", "
                    + grads.size() + ", " + m.size() + ", " + v.size());
        }
        for (int i = 0; i < n; i++) {
            String at = "[" + i + "]";
            requireFloat(backend, "adam.group", "params" + at, params.get(i));
            requireFloat(backend, "adam.group", "grads" + at, grads.get(i));
            requireFloat(backend, "adam.group", "m" + at, m.get(i));
            requireFloat(backend, "adam.group", "v" + at, v.get(i));
            requireSameSize("adam.group", "grads" + at, grads.get(i), params.get(i), "params" + at);
            requireSameSize("adam.group", "m" + at, m.get(i), params.get(i), "params" + at);
            requireSameSize("adam.group", "v" + at, v.get(i), params.get(i), "params" + at);
        }
        return doAdamGroup(new ArrayList<>(params), new ArrayList<>(grads), new ArrayList<>(m), new ArrayList<>(v));
    }

    /**
     * One Adam update of every tensor of the group: t ← t + 1, then each as {@link #adam(Tensor, Tensor, Tensor,
     * Tensor, AdamArgs, long)} at step t with these scalars.
     */
    public final void adam(AdamGroup group, AdamArgs args) {
        requireUsable(group, "adam");
        args.check();
        group.step++;
        doAdam(group, args, group.step);
    }

    /** Prepares {@link #ema(EmaGroup, float, boolean)} for these tensors; {@code copied[i]}: entry i is copied, not averaged. */
    public final EmaGroup emaGroup(List<Tensor> sources, List<Tensor> averages, boolean[] copied) {
        int n = sources.size();
        if (n == 0 || averages.size() != n || copied.length != n) {
            throw new ShapeException("ema.group: expected the same number (>= 1) of sources, averages and copy flags, got " + n
                    + ", " + averages.size() + ", " + copied.length);
        }
        for (int i = 0; i < n; i++) {
            String at = "[" + i + "]";
            requireFloat(backend, "ema.group", "sources" + at, sources.get(i));
            requireFloat(backend, "ema.group", "averages" + at, averages.get(i));
            requireSameSize("ema.group", "averages" + at, averages.get(i), sources.get(i), "sources" + at);
        }
        return doEmaGroup(new ArrayList<>(sources), new ArrayList<>(averages), copied.clone());
    }

    /**
     * Every entry of the group: ema ← decay·ema + (1 − decay)·x, or ema ← x for the entries marked copied, or for
     * all of them when {@code copyAll}.
     */
    public final void ema(EmaGroup group, float decay, boolean copyAll) {
        requireUsable(group, "ema");
        if (!(decay >= 0f && decay <= 1f)) {
            throw new ShapeException("ema: decay must be in [0, 1], got " + decay);
        }
        doEma(group, decay, copyAll);
    }

    private void requireUsable(TensorGroup group, String op) {
        if (group == null) {
            throw new ShapeException(op + ": the group is null");
        }
        group.requireUsable(this, op);
    }

    // ---------------------------------------------------------------- backend side

    /** A group that holds nothing: host backends update its tensors one by one ({@link #doAdam(AdamGroup, AdamArgs, long)}). */
    protected AdamGroup doAdamGroup(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v) {
        return new AdamGroup(this, params, grads, m, v) {
            @Override
            protected void stepChanged(long t) {
                // the host reads group.step() at each update
            }

            @Override
            protected void release() {
                // nothing held
            }
        };
    }

    /** Each tensor in turn at step t (corrections formed here, as the single-tensor op does); CUDA: one launch. */
    protected void doAdam(AdamGroup group, AdamArgs args, long t) {
        float bc1 = correction(args.beta1(), t), bc2 = correction(args.beta2(), t);
        for (int i = 0; i < group.params().size(); i++) {
            doAdam(group.params().get(i), group.grads().get(i), group.m().get(i), group.v().get(i), args, bc1, bc2);
        }
    }

    /** A group that holds nothing: host backends update its tensors one by one. */
    protected EmaGroup doEmaGroup(List<Tensor> sources, List<Tensor> averages, boolean[] copied) {
        return new EmaGroup(this, sources, averages, copied) {
            @Override
            protected void release() {
                // nothing held
            }
        };
    }

    /** A group that holds nothing: host backends fill its tensors one by one. */
    protected ZeroGroup doZeroGroup(List<Tensor> tensors) {
        return new ZeroGroup(this, tensors) {
            @Override
            protected void release() {
                // nothing held
            }
        };
    }

    /** Each tensor filled with 0 in turn; CUDA: one launch. */
    protected void doZero(ZeroGroup group) {
        group.tensors().forEach(t -> backend.fill(t, 0f));
    }

    /** Each entry in turn (copies as backend copies); CUDA: one launch. */
    protected void doEma(EmaGroup group, float decay, boolean copyAll) {
        for (int i = 0; i < group.sources().size(); i++) {
            if (copyAll || group.copied(i)) {
                backend.copy(group.sources().get(i), group.averages().get(i));
            } else {
                doEma(group.sources().get(i), group.averages().get(i), decay);
            }
        }
    }

    /** The update with the corrections bc1 = 1 − β1^t and bc2 = 1 − β2^t already formed. */
    protected abstract void doAdam(Tensor param, Tensor grad, Tensor m, Tensor v, AdamArgs args, float bc1, float bc2);

    protected abstract void doEma(Tensor x, Tensor ema, float decay);
}
