package sagan4j.backend;

import static sagan4j.backend.Checks.requireFloat;
import static sagan4j.backend.Checks.requireRankIn;
import static sagan4j.backend.Checks.requireShape;

import java.util.List;

/**
 * 2-D convolution, stride 1, symmetric zero padding, NCHW, PyTorch layouts (cross-correlation, as every
 * framework computes "convolution"): x (B, Cin, H, W), w (Cout, Cin, k, k), y (B, Cout, Ho, Wo) with
 * Ho = H + 2·padding − k + 1. The bias is a separate op ({@link LayerOps#addChannelBias},
 * {@link LayerOps#channelBiasGrad}). Obtained from {@link Backend#conv()}; the arguments are checked here,
 * once for every backend and implementation.
 */
public abstract class ConvOps extends OpFamily {
    protected ConvOps(Backend backend, List<String> impls) {
        super(backend, "conv", impls);
    }

    /** y ← conv(x, w). */
    public final void forward(Tensor x, Tensor w, int padding, Tensor y) {
        check("conv2d", x, w, padding, y, "y");
        doForward(x, w, padding, y);
    }

    /** dx ← the gradient of the forward with respect to x, given dy. */
    public final void backwardData(Tensor dy, Tensor w, int padding, Tensor dx) {
        check("conv2dBackwardData", dx, w, padding, dy, "dy");
        doBackwardData(dy, w, padding, dx);
    }

    /** dw ← the gradient with respect to w (overwritten, not accumulated), given x and dy. */
    public final void backwardFilter(Tensor x, Tensor dy, int padding, Tensor dw) {
        check("conv2dBackwardFilter", x, dw, padding, dy, "dy");
        doBackwardFilter(x, dy, padding, dw);
    }

    /** Output height or width for an input of {@code size}: size + 2·padding − k + 1. */
    public static int outputSize(int size, int k, int padding) {
        return size + 2 * padding - k + 1;
    }

    protected abstract void doForward(Tensor x, Tensor w, int padding, Tensor y);

    protected abstract void doBackwardData(Tensor dy, Tensor w, int padding, Tensor dx);

    protected abstract void doBackwardFilter(Tensor x, Tensor dy, int padding, Tensor dw);

    /** Checks x (B, Cin, H, W), w (Cout, Cin, k, k), out (B, Cout, Ho, Wo) for the given padding. */
    private void check(String op, Tensor x, Tensor w, int padding, Tensor out, String outName) {
        requireFloat(backend, op, "x", x);
        requireFloat(backend, op, "w", w);
        requireFloat(backend, op, outName, out);
        requireRankIn(op, "x", x, 4, 4);
        requireRankIn(op, "w", w, 4, 4);
        if (w.dim(2) != w.dim(3)) {
            throw new ShapeException(op + ": w must have square k×k filters, got shape " + w.shape());
        }
        int k = w.dim(2);
        if (padding < 0 || padding >= k) {
            throw new ShapeException(op + ": padding must be in [0, " + (k - 1) + "] for k = " + k + ", got " + padding);
        }
        if (x.dim(1) != w.dim(1)) {
            throw new ShapeException(op + ": x has " + x.dim(1) + " channels, w " + w.shape() + " expects " + w.dim(1));
        }
        int ho = outputSize(x.dim(2), k, padding), wo = outputSize(x.dim(3), k, padding);
        if (ho < 1 || wo < 1) {
            throw new ShapeException(op + ": x " + x.shape() + " is smaller than the " + k + "x" + k + " filter with padding " + padding);
        }
        requireShape(op, outName, out, x.dim(0), w.dim(0), ho, wo);
    }
}
