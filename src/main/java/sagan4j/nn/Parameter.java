package sagan4j.nn;

import sagan4j.backend.Tensor;

/**
 * A named tensor a module owns: a trainable weight with its gradient (accumulated by backward, cleared
 * by {@link Module#zeroGrad()}), or a buffer — state without a gradient, such as spectral norm's u and
 * batch norm's running statistics. Names are PyTorch-style module paths ({@code G.blocks.0.conv1.weight}).
 */
public final class Parameter {
    /** What the tensor is for. */
    public enum Kind {
        WEIGHT, BUFFER
    }

    private final String name;
    private final Kind kind;
    private final Tensor value;
    private final Tensor grad;

    Parameter(String name, Kind kind, Tensor value, Tensor grad) {
        this.name = name;
        this.kind = kind;
        this.value = value;
        this.grad = grad;
    }

    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    public Tensor value() {
        return value;
    }

    /** The gradient (same shape as the value); null for a buffer. */
    public Tensor grad() {
        return grad;
    }

    public boolean trainable() {
        return kind == Kind.WEIGHT;
    }

    void close() {
        value.close();
        if (grad != null) {
            grad.close();
        }
    }

    @Override
    public String toString() {
        return name + " " + value.shape() + (kind == Kind.BUFFER ? " (buffer)" : "");
    }
}
