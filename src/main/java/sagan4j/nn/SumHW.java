package sagan4j.nn;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;

/** Global sum pooling (B, C, H, W) → (B, C), as the projection discriminator uses. */
public final class SumHW extends Layer {
    private int[] inputDims;

    public SumHW(Backend be, String path) {
        super(be, path);
    }

    @Override
    public Tensor forward(Tensor x) {
        require(x.rank() == 4, "expected (B, C, H, W), got " + x.shape());
        inputDims = x.shape().dims();
        Tensor y = scratch("y", x.dim(0), x.dim(1));
        be.layers().sumHW(x, y);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        require(inputDims != null, "backward needs a forward first");
        Tensor dx = scratch("dx", inputDims);
        be.layers().sumHWBackward(dy, dx);
        return dx;
    }
}
