package sagan4j.models;

import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.LayerOps;
import sagan4j.backend.Tensor;
import sagan4j.nn.Activation;
import sagan4j.nn.Conv2d;
import sagan4j.nn.Layer;
import sagan4j.nn.Resampling;

/**
 * The seed's discriminator residual block, no normalisation:
 * <pre>
 *   h    = pool(lrelu(conv2(lrelu(conv1(x)))))                  conv 3×3, pool = 2×2 average when downsampling
 *   skip = pool(lrelu(conv_sc(x)))  when channels change, else pool(x)
 *   y    = skip + h
 * </pre>
 * (The seed only keeps x as the skip in its one block without downsampling; pooling x when downsampling
 * keeps the shapes equal in the general case.)
 */
final class SeedDBlock extends Layer {
    private final Conv2d conv1;
    private final Conv2d conv2;
    private final Conv2d convSc;
    private final Activation act1;
    private final Activation act2;
    private final Activation actSc;
    private final Resampling pool;
    private final Resampling poolSc;
    private int[] inDims;

    SeedDBlock(Backend be, String path, int cin, int cout, boolean down, boolean sn, SplittableRandom rng) {
        super(be, path);
        conv1 = add(new Conv2d(be, child("conv1"), cin, cout, 3, true, sn, rng));
        act1 = add(Activation.leakyRelu(be, child("act1"), 0.2f));
        conv2 = add(new Conv2d(be, child("conv2"), cout, cout, 3, true, sn, rng));
        act2 = add(Activation.leakyRelu(be, child("act2"), 0.2f));
        convSc = cin != cout ? add(new Conv2d(be, child("conv_sc"), cin, cout, 1, true, sn, rng)) : null;
        actSc = cin != cout ? add(Activation.leakyRelu(be, child("act_sc"), 0.2f)) : null;
        pool = down ? add(new Resampling(be, child("pool"), LayerOps.Resample.AVG_POOL)) : null;
        poolSc = down ? add(new Resampling(be, child("pool_sc"), LayerOps.Resample.AVG_POOL)) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        inDims = x.shape().dims();
        Tensor h = conv2.forward(conv1.forward(x, act1), act2);   // bias + leaky ReLU fused into each conv
        if (pool != null) {
            h = pool.forward(h);
        }
        Tensor skip = convSc == null ? x : convSc.forward(x, actSc);
        if (poolSc != null) {
            skip = poolSc.forward(skip);
        }
        Tensor y = scratch("y", h.shape().dims());
        be.copy(h, y);
        be.axpy(1f, skip, y);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dh = pool == null ? dy : pool.backward(dy);
        Tensor dx = scratch("dx", inDims);
        be.copy(conv1.backward(act1.backward(conv2.backward(act2.backward(dh)))), dx);
        Tensor dskip = poolSc == null ? dy : poolSc.backward(dy);
        be.axpy(1f, convSc == null ? dskip : convSc.backward(actSc.backward(dskip)), dx);
        return dx;
    }
}
