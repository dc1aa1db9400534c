package sagan4j.nn;

import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;

/**
 * A table (K, D) looked up by int32 labels (B) → (B, D); N(0, 1) init as PyTorch; {@code sn}: the table
 * is spectrally normalised as a (K, D) matrix (the projection discriminator's embedding).
 */
public class Embedding extends Module {
    protected final int classes;
    protected final int dim;
    protected final Weight weight;
    private Tensor labels;

    public Embedding(Backend be, String path, int classes, int dim, SplittableRandom rng) {
        this(be, path, classes, dim, false, rng);
    }

    public Embedding(Backend be, String path, int classes, int dim, boolean sn, SplittableRandom rng) {
        super(be, path);
        this.classes = classes;
        this.dim = dim;
        Parameter w = weight("weight", Parameter.Role.EMBEDDING, classes, dim);
        Init.normal(be, w.value(), 1, rng);
        this.weight = sn ? new SpectralNormWeight(this, w, rng) : new Weight(w);
    }

    public Weight weight() {
        return weight;
    }

    public Tensor forward(Tensor labels) {
        require(labels.dtype() == DType.INT32 && labels.rank() == 1, "expected int32 labels (B), got " + labels);
        this.labels = labels;
        Tensor y = scratch("y", labels.dim(0), dim);
        be.layers().gatherRows(weight.forward(), labels, y);
        return y;
    }

    /** Accumulates the table's gradient; labels have no gradient. */
    public void backward(Tensor dy) {
        require(labels != null, "backward needs a forward first");
        if (!requiresGrad()) {
            return;
        }
        Tensor g = scratch("dW", classes, dim);
        be.fill(g, 0f);
        be.layers().scatterAddRows(dy, labels, g);
        weight.backward(g);
    }
}
