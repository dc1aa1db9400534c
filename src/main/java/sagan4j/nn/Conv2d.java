package sagan4j.nn;

import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.ConvOps;
import sagan4j.backend.Tensor;

/**
 * k×k convolution, stride 1, "same" padding (k/2; k odd): x (B, Cin, H, W) → y (B, Cout, H, W).
 * W (Cout, Cin, k, k), optional bias; PyTorch's default init; {@code sn}: spectral normalisation as in
 * {@link Linear}.
 */
public class Conv2d extends Layer {
    protected final int cin;
    protected final int cout;
    protected final int k;
    protected final Weight weight;
    protected final Parameter bias;
    private Tensor x;

    public Conv2d(Backend be, String path, int cin, int cout, int k, boolean bias, SplittableRandom rng) {
        this(be, path, cin, cout, k, bias, false, rng);
    }

    public Conv2d(Backend be, String path, int cin, int cout, int k, boolean bias, boolean sn, SplittableRandom rng) {
        super(be, path);
        require(k % 2 == 1, "kernel size must be odd for same padding, got " + k);
        this.cin = cin;
        this.cout = cout;
        this.k = k;
        Parameter w = weight("weight", Parameter.Role.WEIGHT, cout, cin, k, k);
        Init.fanIn(be, w.value(), cin * k * k, rng);
        this.weight = sn ? new SpectralNormWeight(this, w, rng) : new Weight(w);
        this.bias = bias ? weight("bias", Parameter.Role.BIAS, cout) : null;
        if (bias) {
            Init.fanIn(be, this.bias.value(), cin * k * k, rng);
        }
    }

    public Weight weight() {
        return weight;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = convolve(x);
        if (bias != null) {
            be.layers().addChannelBias(y, bias.value());
        }
        return y;
    }

    /**
     * {@code act.forward(forward(x))} with the bias add fused into the activation (one pass, one launch on CUDA
     * instead of two); the same numbers, and {@code act}'s backward works as after its own forward.
     */
    public Tensor forward(Tensor x, Activation act) {
        Tensor y = convolve(x);
        return bias != null ? act.forwardBiased(y, bias.value()) : act.forward(y);
    }

    /** The convolution alone: y (B, cout, H, W), owned. */
    private Tensor convolve(Tensor x) {
        require(x.rank() == 4 && x.dim(1) == cin, "expected input (B, " + cin + ", H, W), got " + x.shape());
        this.x = x;
        Tensor y = scratch("y", x.dim(0), cout, x.dim(2), x.dim(3));
        be.conv().forward(x, weight.forward(), k / 2, y);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        require(x != null && dy.rank() == 4 && dy.dim(1) == cout, "backward needs a forward first and dy (B, "
                + cout + ", H, W), got " + dy.shape());
        Tensor dx = scratch("dx", x.shape().dims());
        ConvOps conv = be.conv();
        conv.backwardData(dy, weight.current(), k / 2, dx);
        if (!requiresGrad()) {
            return dx;
        }
        Tensor g = scratch("dW", cout, cin, k, k);
        conv.backwardFilter(x, dy, k / 2, g);
        weight.backward(g);
        if (bias != null) {
            Tensor db = scratch("db", cout);
            be.layers().channelBiasGrad(dy, db);
            be.axpy(1f, db, bias.grad());
        }
        return dx;
    }
}
