package sagan4j.nn;

import sagan4j.backend.Backend;
import sagan4j.backend.LayerOps;
import sagan4j.backend.Tensor;

/** Nearest 2× upsampling, 2×2 average pooling or 2×2 max pooling on (B, C, H, W). */
public final class Resampling extends Layer {
    private final LayerOps.Resample op;
    private Tensor x;
    private Tensor argmax;

    public Resampling(Backend be, String path, LayerOps.Resample op) {
        super(be, path);
        this.op = op;
    }

    @Override
    public Tensor forward(Tensor x) {
        require(x.rank() == 4, "expected (B, C, H, W), got " + x.shape());
        this.x = x;
        int b = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        if (op == LayerOps.Resample.UPSAMPLE) {
            Tensor y = scratch("y", b, c, 2 * h, 2 * w);
            be.layers().upsample2x(x, y);
            return y;
        }
        require(h % 2 == 0 && w % 2 == 0, "2×2 pooling needs even H and W, got " + x.shape());
        Tensor y = scratch("y", b, c, h / 2, w / 2);
        if (op == LayerOps.Resample.AVG_POOL) {
            be.layers().avgPool2x2(x, y);
        } else {
            argmax = intScratch("argmax", b, c, h / 2, w / 2);
            be.layers().maxPool2x2(x, y, argmax);
        }
        return y;
    }

    /** Which input won each 2×2 block in the last max-pool forward (int32), or null. */
    Tensor argmax() {
        return argmax;
    }

    @Override
    public Tensor backward(Tensor dy) {
        require(x != null, "backward needs a forward first");
        Tensor dx = scratch("dx", x.shape().dims());
        switch (op) {
            case UPSAMPLE -> be.layers().upsample2xBackward(dy, dx);
            case AVG_POOL -> be.layers().avgPool2x2Backward(dy, dx);
            case MAX_POOL -> be.layers().maxPool2x2Backward(dy, argmax, dx);
        }
        return dx;
    }
}
