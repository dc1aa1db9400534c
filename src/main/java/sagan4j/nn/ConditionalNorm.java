package sagan4j.nn;

import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;

/**
 * A conditional batch norm with its conditioning: either class tables looked up by label (SAGAN), or
 * γ = offset + Linear(v), β = Linear(v) from a per-sample vector v (B, D) (BigGAN; the seed uses offset 0,
 * BigGAN-PyTorch offset 1; the linears optionally spectrally normalised). In the vector form the backward
 * also accumulates dL/dv into the tensor given to {@link #backward}.
 */
public final class ConditionalNorm extends Module {
    private final ConditionalBatchNorm2d bn;
    private final Linear gain;
    private final Linear bias;
    private final float gainOffset;
    private final int channels;
    private Condition condition;

    /** Class tables for {@code classes} classes. */
    public static ConditionalNorm tables(Backend be, String path, int channels, int classes) {
        return new ConditionalNorm(be, path, channels, classes, 0, false, 0f, null);
    }

    /** γ, β from a (B, condDim) vector through two linears. */
    public static ConditionalNorm dense(Backend be, String path, int channels, int condDim, boolean sn, float gainOffset,
                                        SplittableRandom rng) {
        return new ConditionalNorm(be, path, channels, 0, condDim, sn, gainOffset, rng);
    }

    private ConditionalNorm(Backend be, String path, int channels, int classes, int condDim, boolean sn, float gainOffset,
                            SplittableRandom rng) {
        super(be, path);
        this.channels = channels;
        this.gainOffset = gainOffset;
        this.bn = add(new ConditionalBatchNorm2d(be, path, channels, classes));
        if (classes > 0) {
            gain = null;
            bias = null;
        } else {
            gain = add(new Linear(be, child("gain"), condDim, channels, true, sn, rng));
            bias = add(new Linear(be, child("bias"), condDim, channels, true, sn, rng));
        }
    }

    public Tensor forward(Tensor x, Condition c) {
        this.condition = c;
        if (gain == null) {
            require(c.labels() != null, "class-table norm needs labels");
            return bn.forward(x, c.labels());
        }
        require(c.vector() != null, "dense conditional norm needs a conditioning vector");
        Tensor g = gain.forward(c.vector());
        if (gainOffset != 0f) {
            Tensor shifted = scratch("gamma", g.shape().dims());
            be.fill(shifted, gainOffset);
            be.axpy(1f, g, shifted);
            g = shifted;
        }
        return bn.forward(x, g, bias.forward(c.vector()));
    }

    /** dx; in the vector form, dL/dv is added into {@code gradVector} (B, condDim). */
    public Tensor backward(Tensor dy, Tensor gradVector) {
        Tensor dx = bn.backward(dy);
        if (gain != null) {
            be.axpy(1f, gain.backward(bn.gradGammaRows()), gradVector);
            be.axpy(1f, bias.backward(bn.gradBetaRows()), gradVector);
        }
        return dx;
    }

    public int channels() {
        return channels;
    }

    Condition condition() {
        return condition;
    }
}
