package sagan4j.models;

import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.LayerOps;
import sagan4j.backend.Tensor;
import sagan4j.nn.Activation;
import sagan4j.nn.Condition;
import sagan4j.nn.ConditionalNorm;
import sagan4j.nn.Conv2d;
import sagan4j.nn.Module;
import sagan4j.nn.Resampling;

/**
 * The BigGAN paper's generator block (BigGAN-PyTorch's GBlock):
 * <pre>
 *   h = conv2(relu(bn2(conv1(up(relu(bn1(x)))))))      conv 3×3, up = nearest 2×
 *   y = h + conv_sc(up(x))                               conv 1×1
 * </pre>
 * with γ = 1 + Linear(v), β = Linear(v) in both norms.
 */
final class BigGanGBlock extends Module {
    private final ConditionalNorm bn1;
    private final ConditionalNorm bn2;
    private final Activation act1;
    private final Activation act2;
    private final Resampling up;
    private final Resampling upSc;
    private final Conv2d conv1;
    private final Conv2d conv2;
    private final Conv2d convSc;
    private int[] inDims;

    BigGanGBlock(Backend be, String path, int cin, int cout, int condDim, boolean sn, SplittableRandom rng) {
        super(be, path);
        bn1 = add(ConditionalNorm.dense(be, child("bn1"), cin, condDim, sn, 1f, rng));
        act1 = add(Activation.relu(be, child("act1")));
        up = add(new Resampling(be, child("up"), LayerOps.Resample.UPSAMPLE));
        conv1 = add(new Conv2d(be, child("conv1"), cin, cout, 3, true, sn, rng));
        bn2 = add(ConditionalNorm.dense(be, child("bn2"), cout, condDim, sn, 1f, rng));
        act2 = add(Activation.relu(be, child("act2")));
        conv2 = add(new Conv2d(be, child("conv2"), cout, cout, 3, true, sn, rng));
        upSc = add(new Resampling(be, child("up_sc"), LayerOps.Resample.UPSAMPLE));
        convSc = add(new Conv2d(be, child("conv_sc"), cin, cout, 1, true, sn, rng));
    }

    Tensor forward(Tensor x, Condition c) {
        inDims = x.shape().dims();
        Tensor h = conv2.forward(act2.forward(bn2.forward(conv1.forward(up.forward(act1.forward(bn1.forward(x, c)))), c)));
        Tensor sc = convSc.forward(upSc.forward(x));
        Tensor y = scratch("y", h.shape().dims());
        be.copy(h, y);
        be.axpy(1f, sc, y);
        return y;
    }

    Tensor backward(Tensor dy, Tensor gradVector) {
        Tensor dx = scratch("dx", inDims);
        Tensor dh = bn1.backward(act1.backward(up.backward(conv1.backward(bn2.backward(act2.backward(conv2.backward(dy)),
                gradVector)))), gradVector);
        be.copy(dh, dx);
        be.axpy(1f, upSc.backward(convSc.backward(dy)), dx);
        return dx;
    }
}
