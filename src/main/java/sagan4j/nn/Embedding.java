package sagan4j.nn;

import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;

/** A table (K, D) looked up by int32 labels (B) → (B, D); N(0, 1) init as PyTorch. */
public class Embedding extends Module {
    protected final int classes;
    protected final int dim;
    protected final Parameter weight;
    private Tensor labels;

    public Embedding(Backend be, String path, int classes, int dim, SplittableRandom rng) {
        super(be, path);
        this.classes = classes;
        this.dim = dim;
        this.weight = weight("weight", classes, dim);
        Init.normal(be, weight.value(), 1, rng);
    }

    public Parameter weightParameter() {
        return weight;
    }

    protected Tensor effectiveWeight() {
        return weight.value();
    }

    /** Adds dL/d(effective table) rows for the batch; the base table takes them directly. */
    protected void accumulateRows(Tensor dy, Tensor labels) {
        be.scatterAddRows(dy, labels, weight.grad());
    }

    public Tensor forward(Tensor labels) {
        require(labels.dtype() == DType.INT32 && labels.rank() == 1, "expected int32 labels (B), got " + labels);
        this.labels = labels;
        Tensor y = scratch("y", labels.dim(0), dim);
        be.gatherRows(effectiveWeight(), labels, y);
        return y;
    }

    /** Accumulates the table's gradient; labels have no gradient. */
    public void backward(Tensor dy) {
        require(labels != null, "backward needs a forward first");
        accumulateRows(dy, labels);
    }
}
