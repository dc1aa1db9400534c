package sagan4j.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.OptimOps;
import sagan4j.backend.Tensor;

/**
 * A piece of a model with explicit forward and backward passes (no autograd): each module keeps what its
 * backward needs, owns its outputs and scratch tensors (allocated once per shape, so a repeated step
 * reuses the same device addresses — what CUDA graph capture needs), and owns its parameters and buffers.
 * Backward passes ACCUMULATE parameter gradients; {@link #zeroGrad()} clears them.
 */
public abstract class Module implements AutoCloseable {
    protected final Backend be;
    private final String path;
    private final List<Parameter> own = new ArrayList<>();
    private final List<Module> children = new ArrayList<>();
    /** Owned tensors by key: the latest shape first, the one before it second (see {@link #scratch}). */
    private final Map<String, Tensor[]> scratch = new HashMap<>();
    private final List<SpectralNormWeight> spectralNormWeights = new ArrayList<>();
    private SpectralNormPass spectralNormPass;
    /** The subtree's gradients, zeroed together (made on the first zeroGrad: one launch on CUDA). */
    private OptimOps.ZeroGroup gradients;
    private boolean training = true;
    private boolean requiresGrad = true;

    /** @param path the PyTorch-style module path, e.g. {@code G.blocks.0.conv1} ("" for a root) */
    protected Module(Backend be, String path) {
        this.be = be;
        this.path = path;
    }

    public String path() {
        return path;
    }

    /** {@code path.local}, or {@code local} at the root. */
    protected String child(String local) {
        return path.isEmpty() ? local : path + "." + local;
    }

    /** Registers a submodule (its parameters become this module's, in registration order). */
    protected <M extends Module> M add(M module) {
        children.add(module);
        return module;
    }

    /** Registers a trainable parameter {@code path.local} with a zeroed gradient; the value is uninitialised. */
    protected Parameter weight(String local, Parameter.Role role, int... dims) {
        if (role.kind() != Parameter.Kind.WEIGHT) {
            throw new IllegalArgumentException(child(local) + ": role " + role + " is a buffer's, not a trainable parameter's");
        }
        Parameter p = new Parameter(child(local), role, be.empty(DType.FLOAT32, dims), be.zeros(dims));
        own.add(p);
        return p;
    }

    /** Registers a buffer {@code path.local} (state saved with the model, no gradient). */
    protected Parameter buffer(String local, Parameter.Role role, int... dims) {
        if (role.kind() != Parameter.Kind.BUFFER) {
            throw new IllegalArgumentException(child(local) + ": role " + role + " is a trainable parameter's, not a buffer's");
        }
        Parameter p = new Parameter(child(local), role, be.zeros(dims), null);
        own.add(p);
        return p;
    }

    /** Called by a {@link SpectralNormWeight} this module owns. */
    void registerSpectralNorm(SpectralNormWeight w) {
        spectralNormWeights.add(w);
    }

    /**
     * Normalises every spectral-norm weight of this subtree now, together ({@link SpectralNormPass}: on CUDA one
     * launch), so that each layer's forward in the pass that follows finds its W/σ ready. A network calls it at
     * the start of its forward; the u, v, σ and W/σ it leaves are those the layers' own forwards would leave.
     */
    protected void normaliseSpectralWeights() {
        if (spectralNormPass == null) {
            spectralNormPass = new SpectralNormPass(be, spectralNormWeights());
        }
        spectralNormPass.run();
    }

    /** The direct submodules, in registration order. */
    public List<Module> children() {
        return List.copyOf(children);
    }

    /** This module and every module below it, depth first in registration order. */
    public List<Module> modules() {
        List<Module> all = new ArrayList<>();
        all.add(this);
        for (Module m : children) {
            all.addAll(m.modules());
        }
        return all;
    }

    /** The modules of this subtree that are {@code type}s (this one included), depth first in registration order. */
    public <M extends Module> List<M> modules(Class<M> type) {
        return modules().stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The parameters (or buffers) of this subtree with {@code role}, in registration order. */
    public List<Parameter> parameters(Parameter.Role role) {
        return parameters().stream().filter(p -> p.role() == role).toList();
    }

    /** Every spectrally normalised weight of this subtree, in registration order. */
    public List<SpectralNormWeight> spectralNormWeights() {
        List<SpectralNormWeight> all = new ArrayList<>();
        modules().forEach(m -> all.addAll(m.spectralNormWeights));
        return all;
    }

    /** Every parameter and buffer of this module and its submodules, in registration order. */
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>(own);
        for (Module m : children) {
            all.addAll(m.parameters());
        }
        return all;
    }

    /** Trainable parameters only. */
    public List<Parameter> weights() {
        return parameters().stream().filter(Parameter::trainable).toList();
    }

    /** Number of trainable scalars. */
    public long parameterCount() {
        return weights().stream().mapToLong(p -> p.value().size()).sum();
    }

    public void zeroGrad() {
        if (gradients == null) {
            List<Tensor> grads = weights().stream().map(Parameter::grad).toList();
            if (grads.isEmpty()) {
                return;
            }
            gradients = be.optim().zeroGroup(grads);
        }
        be.optim().zero(gradients);
    }

    /** Training mode (batch statistics, spectral-norm updates) or evaluation mode, for the whole subtree. */
    public void train(boolean on) {
        training = on;
        children.forEach(m -> m.train(on));
    }

    public boolean training() {
        return training;
    }

    /**
     * Whether backward computes this subtree's weight gradients. Off, a backward computes only the input
     * gradient (D's backward in G's step, which needs dL/dimages and nothing of D's own).
     */
    public void requiresGrad(boolean on) {
        requiresGrad = on;
        children.forEach(m -> m.requiresGrad(on));
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /**
     * A float tensor this module owns under {@code key} at shape {@code dims}; its contents are whatever the
     * last use left. Two shapes are kept per key, the latest first: D runs at batch 2B in its own step and
     * at B in G's step, and reallocating every tensor of D at each switch cost a sixth of tiny's Java time
     * (allocation and zeroing, 2026-12-07 profile). A third shape evicts the older one.
     */
    protected Tensor scratch(String key, int... dims) {
        return owned(key, DType.FLOAT32, dims);
    }

    /** The same for int32 tensors (argmax indices, labels). */
    protected Tensor intScratch(String key, int... dims) {
        return owned(key, DType.INT32, dims);
    }

    private Tensor owned(String key, DType dtype, int[] dims) {
        Tensor[] slots = scratch.computeIfAbsent(key, k -> new Tensor[2]);
        for (int i = 0; i < 2; i++) {
            Tensor t = slots[i];
            if (t != null && t.dtype() == dtype && Arrays.equals(t.shape().dims(), dims)) {
                slots[i] = slots[0];
                slots[0] = t;
                return t;
            }
        }
        if (slots[1] != null) {
            slots[1].close();
        }
        slots[1] = slots[0];
        slots[0] = be.empty(dtype, dims);
        return slots[0];
    }

    /** The shape of this module's output from its last forward (its owned tensor "y"), or null. */
    public int[] lastOutputShape() {
        Tensor y = lastOutput();
        return y == null ? null : y.shape().dims();
    }

    /**
     * This module's output from its last forward (its owned tensor "y"), or null for a module that keeps
     * none under that name (a model's root returns its last layer's). Valid until the next forward.
     */
    public Tensor lastOutput() {
        Tensor[] y = scratch.get("y");
        return y == null ? null : y[0];
    }

    /** Fails with the module path when {@code cond} is false; for checks before any kernel runs. */
    protected void require(boolean cond, String what) {
        if (!cond) {
            throw new sagan4j.backend.ShapeException(path + ": " + what);
        }
    }

    @Override
    public void close() {
        if (spectralNormPass != null) {
            spectralNormPass.close();
        }
        if (gradients != null) {
            gradients.close();
        }
        children.forEach(Module::close);
        own.forEach(Parameter::close);
        for (Tensor[] slots : scratch.values()) {
            for (Tensor t : slots) {
                if (t != null) {
                    t.close();
                }
            }
        }
        scratch.clear();
    }
}
