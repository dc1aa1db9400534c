package sagan4j.models;

import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.nn.Activation;
import sagan4j.nn.Condition;
import sagan4j.nn.ConditionalNorm;
import sagan4j.nn.Conv2d;
import sagan4j.nn.Module;

/**
 * The seed's generator residual block (upsampling happens outside):
 * <pre>
 *   h    = lrelu(norm2(conv2(lrelu(norm1(conv1(x))))))          conv 3×3
 *   skip = lrelu(norm3(conv_sc(x)))  when channels change, else x   conv 1×1
 *   y    = skip + h
 * </pre>
 * LeakyReLU slope 0.2; the norms are conditional (class tables for SAGAN, dense from a vector for BigGAN).
 */
final class SeedGBlock extends Module {
    private final Conv2d conv1;
    private final Conv2d conv2;
    private final Conv2d convSc;
    private final ConditionalNorm bn1;
    private final ConditionalNorm bn2;
    private final ConditionalNorm bn3;
    private final Activation act1;
    private final Activation act2;
    private final Activation act3;
    private int[] inDims;

    /** A factory for the block's conditional norms: (local name, channels) → norm. */
    interface NormFactory {
        ConditionalNorm make(String path, int channels);
    }

    SeedGBlock(Backend be, String path, int cin, int cout, boolean sn, NormFactory norms, SplittableRandom rng) {
        super(be, path);
        conv1 = add(new Conv2d(be, child("conv1"), cin, cout, 3, true, sn, rng));
        bn1 = add(norms.make(child("bn1"), cout));
        act1 = add(Activation.leakyRelu(be, child("act1"), 0.2f));
        conv2 = add(new Conv2d(be, child("conv2"), cout, cout, 3, true, sn, rng));
        bn2 = add(norms.make(child("bn2"), cout));
        act2 = add(Activation.leakyRelu(be, child("act2"), 0.2f));
        if (cin != cout) {
            convSc = add(new Conv2d(be, child("conv_sc"), cin, cout, 1, true, sn, rng));
            bn3 = add(norms.make(child("bn3"), cout));
            act3 = add(Activation.leakyRelu(be, child("act3"), 0.2f));
        } else {
            convSc = null;
            bn3 = null;
            act3 = null;
        }
    }

    Tensor forward(Tensor x, Condition c) {
        inDims = x.shape().dims();
        Tensor h = act2.forward(bn2.forward(conv2.forward(act1.forward(bn1.forward(conv1.forward(x), c))), c));
        Tensor skip = convSc == null ? x : act3.forward(bn3.forward(convSc.forward(x), c));
        Tensor y = scratch("y", h.shape().dims());
        be.copy(h, y);
        be.axpy(1f, skip, y);
        return y;
    }

    /** dx; dL/d(condition vector) accumulates into {@code gradVector} (null with class tables). */
    Tensor backward(Tensor dy, Tensor gradVector) {
        Tensor dx = scratch("dx", inDims);
        Tensor dh = conv1.backward(bn1.backward(act1.backward(conv2.backward(bn2.backward(act2.backward(dy), gradVector))),
                gradVector));
        be.copy(dh, dx);
        if (convSc == null) {
            be.axpy(1f, dy, dx);
        } else {
            be.axpy(1f, convSc.backward(bn3.backward(act3.backward(dy), gradVector)), dx);
        }
        return dx;
    }
}
