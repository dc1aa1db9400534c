package sagan4j.nn;

import sagan4j.backend.Tensor;

/**
 * The weight a layer multiplies by, seen through what the model does to it: the parameter itself here;
 * W/σ under spectral normalisation ({@link SpectralNormWeight}). A layer calls {@link #forward()} once
 * per forward pass and hands {@link #backward} the gradient with respect to what forward returned.
 */
public class Weight {
    protected final Parameter param;

    public Weight(Parameter param) {
        this.param = param;
    }

    public Parameter parameter() {
        return param;
    }

    /** The tensor the layer uses in this forward pass. */
    public Tensor forward() {
        return param.value();
    }

    /** The tensor the layer's backward multiplies by: the one the last forward returned. */
    public Tensor current() {
        return param.value();
    }

    /** Accumulates dL/dW into the parameter's gradient, given G = dL/d(what forward returned). */
    public void backward(Tensor g) {
        param.value().backend().axpy(1f, g, param.grad());
    }
}
