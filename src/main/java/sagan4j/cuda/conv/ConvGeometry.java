package sagan4j.cuda.conv;

import sagan4j.backend.ConvOps;
import sagan4j.backend.Tensor;

/** Sizes of one stride-1 convolution: x (b, cin, h, w), w (cout, cin, k, k), y (b, cout, ho, wo). */
record ConvGeometry(int b, int cin, int h, int w, int cout, int k, int pad, int ho, int wo) {
    static ConvGeometry of(Tensor x, Tensor w, int pad) {
        int k = w.dim(2);
        return new ConvGeometry(x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.dim(0), k, pad,
                ConvOps.outputSize(x.dim(2), k, pad), ConvOps.outputSize(x.dim(3), k, pad));
    }

    long ck() {
        return (long) cin * k * k;
    }

    long hw() {
        return (long) ho * wo;
    }

    /** Images per chunk so that the column matrix holds at most {@code maxFloats}. */
    int chunk(long maxFloats) {
        return (int) Math.max(1, Math.min(b, maxFloats / Math.max(1, ck() * hw())));
    }
}
