package sagan4j.nn;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;

/** ReLU, LeakyReLU(slope) or tanh, elementwise, any shape. */
public final class Activation extends Layer {
    /** Which function. */
    public enum Kind {
        RELU, LEAKY_RELU, TANH
    }

    private final Kind kind;
    private final float slope;
    private Tensor x;
    private Tensor y;

    public Activation(Backend be, String path, Kind kind, float slope) {
        super(be, path);
        this.kind = kind;
        this.slope = slope;
    }

    public static Activation relu(Backend be, String path) {
        return new Activation(be, path, Kind.RELU, 0f);
    }

    public static Activation leakyRelu(Backend be, String path, float slope) {
        return new Activation(be, path, Kind.LEAKY_RELU, slope);
    }

    public static Activation tanh(Backend be, String path) {
        return new Activation(be, path, Kind.TANH, 0f);
    }

    @Override
    public Tensor forward(Tensor x) {
        this.x = x;
        y = scratch("y", x.shape().dims());
        switch (kind) {
            case RELU -> be.relu(x, y);
            case LEAKY_RELU -> be.leakyRelu(x, slope, y);
            case TANH -> be.tanh(x, y);
        }
        return y;
    }

    /**
     * forward(x + bias) with the bias add done in the same pass (x, (B, C, ...), becomes x + bias in place and
     * is what the backward reads): the epilogue of a convolution, one launch on CUDA instead of two.
     */
    public Tensor forwardBiased(Tensor x, Tensor bias) {
        this.x = x;
        y = scratch("y", x.shape().dims());
        be.layers().addChannelBiasActivation(x, bias, backendKind(), slope, y);
        return y;
    }

    private Backend.Activation backendKind() {
        return switch (kind) {
            case RELU -> Backend.Activation.RELU;
            case LEAKY_RELU -> Backend.Activation.LEAKY_RELU;
            case TANH -> Backend.Activation.TANH;
        };
    }

    /** Which inputs of the last forward were positive: the side of the kink each element is on (for tests). */
    int kinkSignature() {
        if (x == null || kind == Kind.TANH) {
            return 0;
        }
        float[] v = be.toHostFloats(x);
        int h = 1;
        for (float f : v) {
            h = 31 * h + (f > 0f ? 1 : 0);
        }
        return h;
    }

    @Override
    public Tensor backward(Tensor dy) {
        require(x != null, "backward needs a forward first");
        Tensor dx = scratch("dx", x.shape().dims());
        switch (kind) {
            case RELU -> be.reluBackward(x, dy, dx);
            case LEAKY_RELU -> be.leakyReluBackward(x, slope, dy, dx);
            case TANH -> be.tanhBackward(y, dy, dx);
        }
        return dx;
    }
}
