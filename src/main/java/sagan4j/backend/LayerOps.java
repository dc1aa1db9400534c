package sagan4j.backend;

import java.util.List;

import sagan4j.backend.Backend.Resample;

/**
 * The NCHW layer primitives (bias, resampling, sum pooling, concat/split, row gather/scatter, transpose,
 * zeroing a diagonal, the device-scalar axpy and the dot product) as one family, so that a backend
 * implements them in one class instead of forwarding thirteen hooks. The public ops, and every argument
 * check, stay on {@link Backend} (e.g. {@link Backend#addChannelBias}); it calls these hooks only with
 * checked arguments. Shapes are those documented on the Backend methods.
 */
public abstract class LayerOps extends OpFamily {
    protected LayerOps(Backend backend, List<String> impls) {
        super(backend, "layers", impls);
    }

    protected abstract void addChannelBias(Tensor x, Tensor bias);

    /**
     * x += bias per channel, then y ← f(x): here the two ops one after the other (the reference, and the host
     * backends); CUDA fuses them (kernels/epilogue.cu).
     */
    protected void addChannelBiasActivation(Tensor x, Tensor bias, Backend.Activation f, float slope, Tensor y) {
        addChannelBias(x, bias);
        backend.doActivation(f, slope, x, y);
    }

    protected abstract void channelBiasGrad(Tensor dy, Tensor dBias);

    protected abstract void resample(Resample op, Tensor x, Tensor y, Tensor argmax);

    protected abstract void resampleBackward(Resample op, Tensor dy, Tensor dx, Tensor argmax);

    protected abstract void sumHW(Tensor x, Tensor y);

    protected abstract void sumHWBackward(Tensor dy, Tensor dx);

    /** {@code toWhole}: parts → whole (concat); else whole → parts (split). */
    protected abstract void concat(List<Tensor> parts, Tensor whole, boolean toWhole);

    protected abstract void gatherRows(Tensor table, Tensor labels, Tensor out);

    protected abstract void scatterAddRows(Tensor dOut, Tensor labels, Tensor dTable);

    protected abstract void axpyScalar(Tensor s, Tensor x, Tensor y);

    protected abstract void dot(Tensor a, Tensor b, Tensor out);

    protected abstract void transpose(Tensor x, Tensor y);

    protected abstract void zeroDiagonal(Tensor m);
}
