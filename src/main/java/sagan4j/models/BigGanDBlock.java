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
 * The BigGAN paper's discriminator block (BigGAN-PyTorch's DBlock):
 * <pre>
 *   h  = pool(conv2(relu(conv1(pre(x)))))     pre = ReLU except in the first block; pool = 2×2 average
 *   sc = pool(conv_sc(x)) with pre-activation blocks, conv_sc(pool(x)) in the first;
 *        conv_sc only when channels change or the block downsamples, else x
 *   y  = h + sc
 * </pre>
 */
final class BigGanDBlock extends Layer {
    private final Activation pre;
    private final Conv2d conv1;
    private final Activation act;
    private final Conv2d conv2;
    private final Resampling pool;
    private final Conv2d convSc;
    private final Resampling poolSc;
    private final boolean preactivation;
    private int[] inDims;

    BigGanDBlock(Backend be, String path, int cin, int cout, boolean preactivation, boolean down, boolean sn,
                 SplittableRandom rng) {
        super(be, path);
        this.preactivation = preactivation;
        pre = preactivation ? add(Activation.relu(be, child("pre"))) : null;
        conv1 = add(new Conv2d(be, child("conv1"), cin, cout, 3, true, sn, rng));
        act = add(Activation.relu(be, child("act")));
        conv2 = add(new Conv2d(be, child("conv2"), cout, cout, 3, true, sn, rng));
        pool = down ? add(new Resampling(be, child("pool"), LayerOps.Resample.AVG_POOL)) : null;
        convSc = cin != cout || down ? add(new Conv2d(be, child("conv_sc"), cin, cout, 1, true, sn, rng)) : null;
        poolSc = down ? add(new Resampling(be, child("pool_sc"), LayerOps.Resample.AVG_POOL)) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        inDims = x.shape().dims();
        Tensor h = conv2.forward(conv1.forward(pre == null ? x : pre.forward(x), act));   // bias + ReLU fused
        if (pool != null) {
            h = pool.forward(h);
        }
        Tensor sc = x;
        if (preactivation) {
            if (convSc != null) {
                sc = convSc.forward(sc);
            }
            if (poolSc != null) {
                sc = poolSc.forward(sc);
            }
        } else {
            if (poolSc != null) {
                sc = poolSc.forward(sc);
            }
            if (convSc != null) {
                sc = convSc.forward(sc);
            }
        }
        Tensor y = scratch("y", h.shape().dims());
        be.copy(h, y);
        be.axpy(1f, sc, y);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dh = pool == null ? dy : pool.backward(dy);
        dh = conv1.backward(act.backward(conv2.backward(dh)));
        if (pre != null) {
            dh = pre.backward(dh);
        }
        Tensor dx = scratch("dx", inDims);
        be.copy(dh, dx);
        Tensor dsc = dy;
        if (preactivation) {
            if (poolSc != null) {
                dsc = poolSc.backward(dsc);
            }
            if (convSc != null) {
                dsc = convSc.backward(dsc);
            }
        } else {
            if (convSc != null) {
                dsc = convSc.backward(dsc);
            }
            if (poolSc != null) {
                dsc = poolSc.backward(dsc);
            }
        }
        be.axpy(1f, dsc, dx);
        return dx;
    }
}
