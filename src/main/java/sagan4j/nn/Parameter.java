package sagan4j.nn;

import sagan4j.backend.Tensor;

/**
 * A named tensor a module owns: a trainable weight with its gradient (accumulated by backward, cleared
 * by {@link Module#zeroGrad()}), or a buffer — state without a gradient, such as spectral norm's u and
 * batch norm's running statistics. Names are PyTorch-style module paths ({@code G.blocks.0.conv1.weight}),
 * what checkpoints and exports are keyed by; what a parameter is FOR is its {@link Role}, set by the layer that
 * makes it, so that training picks parameters by role ({@link Module#parameters(Role)}), never by name.
 */
public final class Parameter {
    /** Whether the tensor is trained. */
    public enum Kind {
        WEIGHT, BUFFER
    }

    /** What the tensor is for in its layer. */
    public enum Role {
        /** a convolution's or linear layer's weight matrix (BigGAN's orthogonal initialisation and regularisation act on these) */
        WEIGHT(Kind.WEIGHT),
        /** an additive bias */
        BIAS(Kind.WEIGHT),
        /** an embedding table (K, D) looked up by label */
        EMBEDDING(Kind.WEIGHT),
        /** conditional batch norm's per-class γ table */
        NORM_GAIN(Kind.WEIGHT),
        /** conditional batch norm's per-class β table */
        NORM_BIAS(Kind.WEIGHT),
        /** a learnable scalar gain (self-attention's σ) */
        SCALE(Kind.WEIGHT),
        /** spectral normalisation's left singular vector estimate u */
        SPECTRAL_U(Kind.BUFFER),
        /** spectral normalisation's right singular vector estimate v */
        SPECTRAL_V(Kind.BUFFER),
        /** batch norm's running mean */
        RUNNING_MEAN(Kind.BUFFER),
        /** batch norm's running variance */
        RUNNING_VAR(Kind.BUFFER);

        private final Kind kind;

        Role(Kind kind) {
            this.kind = kind;
        }

        public Kind kind() {
            return kind;
        }
    }

    private final String name;
    private final Role role;
    private final Tensor value;
    private final Tensor grad;

    Parameter(String name, Role role, Tensor value, Tensor grad) {
        this.name = name;
        this.role = role;
        this.value = value;
        this.grad = grad;
    }

    public String name() {
        return name;
    }

    public Kind kind() {
        return role.kind();
    }

    public Role role() {
        return role;
    }

    public Tensor value() {
        return value;
    }

    /** The gradient (same shape as the value); null for a buffer. */
    public Tensor grad() {
        return grad;
    }

    public boolean trainable() {
        return role.kind() == Kind.WEIGHT;
    }

    void close() {
        value.close();
        if (grad != null) {
            grad.close();
        }
    }

    @Override
    public String toString() {
        return name + " " + value.shape() + (role.kind() == Kind.BUFFER ? " (buffer)" : "");
    }
}
