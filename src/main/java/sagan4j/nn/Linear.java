package sagan4j.nn;

import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;

/**
 * y = x·Wᵀ + b; x (B, in), W (out, in), b (out). Weight and bias start as PyTorch's default
 * (U(±1/√in)); with {@code sn} the forward uses W/σ (spectral normalisation, {@link SpectralNormWeight}).
 */
public class Linear extends Layer {
    protected final int in;
    protected final int out;
    protected final Weight weight;
    protected final Parameter bias;
    private Tensor x;

    public Linear(Backend be, String path, int in, int out, boolean bias, SplittableRandom rng) {
        this(be, path, in, out, bias, false, rng);
    }

    public Linear(Backend be, String path, int in, int out, boolean bias, boolean sn, SplittableRandom rng) {
        super(be, path);
        this.in = in;
        this.out = out;
        Parameter w = weight("weight", Parameter.Role.WEIGHT, out, in);
        Init.fanIn(be, w.value(), in, rng);
        this.weight = sn ? new SpectralNormWeight(this, w, rng) : new Weight(w);
        this.bias = bias ? weight("bias", Parameter.Role.BIAS, out) : null;
        if (bias) {
            Init.fanIn(be, this.bias.value(), in, rng);
        }
    }

    public Weight weight() {
        return weight;
    }

    @Override
    public Tensor forward(Tensor x) {
        require(x.rank() == 2 && x.dim(1) == in, "expected input (B, " + in + "), got " + x.shape());
        this.x = x;
        Tensor y = scratch("y", x.dim(0), out);
        be.gemm(false, true, 1f, x, weight.forward(), 0f, y);
        if (bias != null) {
            be.layers().addChannelBias(y, bias.value());
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        require(x != null && dy.rank() == 2 && dy.dim(0) == x.dim(0) && dy.dim(1) == out,
                "backward needs a forward first and dy (B, " + out + "), got " + dy.shape());
        Tensor dx = scratch("dx", x.dim(0), in);
        be.gemm(false, false, 1f, dy, weight.current(), 0f, dx);
        if (!requiresGrad()) {
            return dx;
        }
        Tensor g = scratch("dW", out, in);
        be.gemm(true, false, 1f, dy, x, 0f, g);
        weight.backward(g);
        if (bias != null) {
            Tensor db = scratch("db", out);
            be.layers().channelBiasGrad(dy, db);
            be.axpy(1f, db, bias.grad());
        }
        return dx;
    }
}
