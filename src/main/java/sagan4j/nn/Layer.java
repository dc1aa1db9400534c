package sagan4j.nn;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;

/**
 * A module with one input and one output. {@code forward} returns a tensor the layer owns (valid until
 * its next forward); {@code backward} takes the gradient of that output, accumulates parameter
 * gradients, and returns the gradient of the input (also owned by the layer). The input given to
 * forward must stay unchanged until the matching backward.
 */
public abstract class Layer extends Module {
    protected Layer(Backend be, String path) {
        super(be, path);
    }

    public abstract Tensor forward(Tensor x);

    public abstract Tensor backward(Tensor dy);
}
