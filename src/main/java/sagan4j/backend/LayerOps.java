package sagan4j.backend;

import static sagan4j.backend.Checks.requireFloat;
import static sagan4j.backend.Checks.requireFloatLike;
import static sagan4j.backend.Checks.requireInts;
import static sagan4j.backend.Checks.requireRankIn;
import static sagan4j.backend.Checks.requireSame;
import static sagan4j.backend.Checks.requireShape;

import java.util.List;

import sagan4j.backend.Backend.Activation;

/**
 * The NCHW layer primitives (bias, resampling, sum pooling, concat/split, row gather/scatter, transpose,
 * zeroing a diagonal, the device-scalar axpy, the dot product and the count of non-finite values) as one
 * family, from {@link Backend#layers()}.
 * Every public op checks its arguments here, once for every backend, and then calls the backend's {@code do*}
 * hook, so that a bad shape fails the same way everywhere and before any kernel runs. Outputs are preallocated
 * by the caller and fully overwritten unless an op says it accumulates or works in place.
 */
public abstract class LayerOps extends OpFamily {
    protected LayerOps(Backend backend, List<String> impls) {
        super(backend, "layers", impls);
    }

    /** The resampling ops, named as their kernels are. */
    public enum Resample {
        UPSAMPLE, AVG_POOL, MAX_POOL
    }

    // ---------------------------------------------------------------- bias

    /** x[b, c, ...] += bias[c], in place; x is (B, C) or (B, C, H, W). */
    public final void addChannelBias(Tensor x, Tensor bias) {
        requireBias("addChannelBias", x, "x", bias, "bias");
        doAddChannelBias(x, bias);
    }

    /**
     * A bias + activation epilogue: x[b, c, ...] += bias[c] in place (kept, as the activation's backward reads
     * its input), then y ← f(x) — {@link #addChannelBias} followed by {@link Backend#relu} /
     * {@link Backend#leakyRelu} / {@link Backend#tanh}, in one pass (on CUDA one launch instead of two). y has
     * x's shape and is not x.
     */
    public final void addChannelBiasActivation(Tensor x, Tensor bias, Activation f, float slope, Tensor y) {
        String op = "addChannelBiasActivation";
        requireBias(op, x, "x", bias, "bias");
        requireFloatLike(backend, op, "y", y, x, "x");
        if (x == y) {
            throw new ShapeException(op + ": y must be another tensor than x (x keeps the pre-activation)");
        }
        doAddChannelBiasActivation(x, bias, f, slope, y);
    }

    /** dBias[c] ← Σ over b (and h, w) of dy[b, c, ...]; a fixed-order (deterministic) reduction. */
    public final void channelBiasGrad(Tensor dy, Tensor dBias) {
        requireBias("channelBiasGrad", dy, "dy", dBias, "dBias");
        doChannelBiasGrad(dy, dBias);
    }

    // ---------------------------------------------------------------- resampling

    /** Nearest-neighbour 2× upsampling: x (B, C, H, W) → y (B, C, 2H, 2W). */
    public final void upsample2x(Tensor x, Tensor y) {
        requireImages("upsample2x", x, "x", y, "y");
        doResample(Resample.UPSAMPLE, x, y, null);
    }

    /** dx (B, C, H, W) ← the sum of dy (B, C, 2H, 2W) over each 2×2 block. */
    public final void upsample2xBackward(Tensor dy, Tensor dx) {
        requireImages("upsample2xBackward", dx, "dx", dy, "dy");
        doResampleBackward(Resample.UPSAMPLE, dy, dx, null);
    }

    /** 2×2 average pooling, stride 2: x (B, C, H, W) → y (B, C, H/2, W/2); H and W even. */
    public final void avgPool2x2(Tensor x, Tensor y) {
        requireImages("avgPool2x2", y, "y", x, "x");
        doResample(Resample.AVG_POOL, x, y, null);
    }

    public final void avgPool2x2Backward(Tensor dy, Tensor dx) {
        requireImages("avgPool2x2Backward", dy, "dy", dx, "dx");
        doResampleBackward(Resample.AVG_POOL, dy, dx, null);
    }

    /**
     * 2×2 max pooling, stride 2; {@code argmax} (int32, the shape of y) records which of the four (0..3,
     * row-major within the block; the first on ties) was taken, for the backward.
     */
    public final void maxPool2x2(Tensor x, Tensor y, Tensor argmax) {
        requireImages("maxPool2x2", y, "y", x, "x");
        requireArgmax("maxPool2x2", argmax, y);
        doResample(Resample.MAX_POOL, x, y, argmax);
    }

    /** dx ← dy routed to the recorded maximum of each 2×2 block, 0 elsewhere. */
    public final void maxPool2x2Backward(Tensor dy, Tensor argmax, Tensor dx) {
        requireImages("maxPool2x2Backward", dy, "dy", dx, "dx");
        requireArgmax("maxPool2x2Backward", argmax, dy);
        doResampleBackward(Resample.MAX_POOL, dy, dx, argmax);
    }

    // ---------------------------------------------------------------- sum pooling, concat / split

    /** y[b, c] ← Σ over h, w of x[b, c, h, w] (the projection discriminator's global sum pooling). */
    public final void sumHW(Tensor x, Tensor y) {
        requireFloat(backend, "sumHW", "x", x);
        requireFloat(backend, "sumHW", "y", y);
        requireRankIn("sumHW", "x", x, 4, 4);
        requireShape("sumHW", "y", y, x.dim(0), x.dim(1));
        doSumHW(x, y);
    }

    /** dx[b, c, h, w] ← dy[b, c]. */
    public final void sumHWBackward(Tensor dy, Tensor dx) {
        requireFloat(backend, "sumHWBackward", "dy", dy);
        requireFloat(backend, "sumHWBackward", "dx", dx);
        requireRankIn("sumHWBackward", "dx", dx, 4, 4);
        requireShape("sumHWBackward", "dy", dy, dx.dim(0), dx.dim(1));
        doSumHWBackward(dy, dx);
    }

    /**
     * out ← the parts side by side along dimension 1 (features or channels): parts (B, C_i, ...) with the
     * same B and trailing dimensions, out (B, ΣC_i, ...).
     */
    public final void concat(List<Tensor> parts, Tensor out) {
        requireFloat(backend, "concat", "out", out);
        requireParts("concat", parts, out);
        doConcat(parts, out, true);
    }

    /** The inverse of {@link #concat}: each part ← its slice of {@code in} along dimension 1. */
    public final void split(Tensor in, List<Tensor> parts) {
        requireFloat(backend, "split", "in", in);
        requireParts("split", parts, in);
        doConcat(parts, in, false);
    }

    // ---------------------------------------------------------------- rows by label

    /** out[b, :] ← table[labels[b], :]; table (K, D), labels int32 (B) in [0, K), out (B, D). */
    public final void gatherRows(Tensor table, Tensor labels, Tensor out) {
        requireFloat(backend, "gatherRows", "table", table);
        requireFloat(backend, "gatherRows", "out", out);
        requireLabels("gatherRows", labels, out.dim(0));
        requireRankIn("gatherRows", "table", table, 2, 2);
        requireShape("gatherRows", "out", out, labels.dim(0), table.dim(1));
        doGatherRows(table, labels, out);
    }

    /**
     * dTable[k, :] += Σ over b with labels[b] = k of dOut[b, :], summed in batch order (deterministic;
     * no atomics). Labels outside [0, K) are an error of the caller: the CPU checks, kernels skip them.
     */
    public final void scatterAddRows(Tensor dOut, Tensor labels, Tensor dTable) {
        requireFloat(backend, "scatterAddRows", "dOut", dOut);
        requireFloat(backend, "scatterAddRows", "dTable", dTable);
        requireRankIn("scatterAddRows", "dTable", dTable, 2, 2);
        requireLabels("scatterAddRows", labels, dOut.dim(0));
        requireShape("scatterAddRows", "dOut", dOut, labels.dim(0), dTable.dim(1));
        doScatterAddRows(dOut, labels, dTable);
    }

    // ---------------------------------------------------------------- matrices and reductions

    /** y (B, C, R) ← x (B, R, C) with the last two dimensions swapped; rank 2 means B = 1. */
    public final void transpose(Tensor x, Tensor y) {
        requireFloat(backend, "transpose", "x", x);
        requireFloat(backend, "transpose", "y", y);
        requireRankIn("transpose", "x", x, 2, 3);
        if (x.rank() == 2) {
            requireShape("transpose", "y", y, x.dim(1), x.dim(0));
        } else {
            requireShape("transpose", "y", y, x.dim(0), x.dim(2), x.dim(1));
        }
        doTranspose(x, y);
    }

    /**
     * m[..., i, i] ← 0 in place: m is square, (N, N), or a batch of square matrices (B, N, N). The
     * off-diagonal part M ⊙ (1 − I) that orthogonal regularisation penalises.
     */
    public final void zeroDiagonal(Tensor m) {
        requireFloat(backend, "zeroDiagonal", "m", m);
        requireRankIn("zeroDiagonal", "m", m, 2, 3);
        if (m.dim(-1) != m.dim(-2)) {
            throw new ShapeException("zeroDiagonal: m must be square in its last two dimensions, got shape " + m.shape());
        }
        doZeroDiagonal(m);
    }

    /** y ← y + s[0]·x with the scalar read on the device ({@code s} has shape [1]): no host round trip. */
    public final void axpyScalar(Tensor s, Tensor x, Tensor y) {
        requireFloat(backend, "axpyScalar", "s", s);
        requireShape("axpyScalar", "s", s, 1);
        requireFloat(backend, "axpyScalar", "x", x);
        requireFloatLike(backend, "axpyScalar", "y", y, x, "x");
        doAxpyScalar(s, x, y);
    }

    /** out[0] ← Σ a·b, accumulated in a fixed order (double on the CPU); out has shape [1]. */
    public final void dot(Tensor a, Tensor b, Tensor out) {
        requireFloat(backend, "dot", "a", a);
        requireFloat(backend, "dot", "b", b);
        requireFloat(backend, "dot", "out", out);
        requireSame("dot", "b", b, a, "a");
        requireShape("dot", "out", out, 1);
        doDot(a, b, out);
    }

    /**
     * How many elements of {@code x} are NaN or ±∞: the probe of training's {@code --check-finite}. The host
     * backends count directly; this default, for device backends, screens with one {@link #dot}(x, x) — its
     * sum of squares is finite whenever every element is, and any NaN or ∞ makes it NaN or ∞ — and counts on
     * the host only when the screen fails (a sum of squares of large finite values can also overflow, which
     * the count then clears). So a finite tensor costs one reduction and a 4-byte download.
     */
    public final long countNonFinite(Tensor x) {
        requireFloat(backend, "countNonFinite", "x", x);
        return doCountNonFinite(x);
    }

    /** The dot screen above, for device backends; the host backends count directly. */
    protected long doCountNonFinite(Tensor x) {
        try (Tensor sumSquares = backend.empty(DType.FLOAT32, 1)) {
            dot(x, x, sumSquares);
            if (Float.isFinite(backend.toHostFloats(sumSquares)[0])) {
                return 0;
            }
        }
        long bad = 0;
        for (float v : backend.toHostFloats(x)) {
            bad += Float.isFinite(v) ? 0 : 1;
        }
        return bad;
    }

    // ---------------------------------------------------------------- backend side (checked arguments)

    protected abstract void doAddChannelBias(Tensor x, Tensor bias);

    /**
     * x += bias per channel, then y ← f(x): here the two ops one after the other (the reference, and the host
     * backends); CUDA fuses them (kernels/epilogue.cu).
     */
    protected void doAddChannelBiasActivation(Tensor x, Tensor bias, Activation f, float slope, Tensor y) {
        doAddChannelBias(x, bias);
        backend.doActivation(f, slope, x, y);
    }

    protected abstract void doChannelBiasGrad(Tensor dy, Tensor dBias);

    protected abstract void doResample(Resample op, Tensor x, Tensor y, Tensor argmax);

    protected abstract void doResampleBackward(Resample op, Tensor dy, Tensor dx, Tensor argmax);

    protected abstract void doSumHW(Tensor x, Tensor y);

    protected abstract void doSumHWBackward(Tensor dy, Tensor dx);

    /** {@code toWhole}: parts → whole (concat); else whole → parts (split). */
    protected abstract void doConcat(List<Tensor> parts, Tensor whole, boolean toWhole);

    protected abstract void doGatherRows(Tensor table, Tensor labels, Tensor out);

    protected abstract void doScatterAddRows(Tensor dOut, Tensor labels, Tensor dTable);

    protected abstract void doAxpyScalar(Tensor s, Tensor x, Tensor y);

    protected abstract void doDot(Tensor a, Tensor b, Tensor out);

    protected abstract void doTranspose(Tensor x, Tensor y);

    protected abstract void doZeroDiagonal(Tensor m);

    // ---------------------------------------------------------------- checks

    /** x (B, C) or (B, C, H, W) and a per-channel vector (C). */
    private void requireBias(String op, Tensor x, String xName, Tensor bias, String biasName) {
        requireFloat(backend, op, xName, x);
        requireFloat(backend, op, biasName, bias);
        requireRankIn(op, xName, x, 2, 4);
        requireShape(op, biasName, bias, x.dim(1));
    }

    /** small (B, C, H, W) and big (B, C, 2H, 2W). */
    private void requireImages(String op, Tensor small, String smallName, Tensor big, String bigName) {
        requireFloat(backend, op, smallName, small);
        requireFloat(backend, op, bigName, big);
        requireRankIn(op, bigName, big, 4, 4);
        if (big.dim(2) % 2 != 0 || big.dim(3) % 2 != 0) {
            throw new ShapeException(op + ": " + bigName + " " + big.shape() + " needs H and W divisible by 2");
        }
        requireShape(op, smallName, small, big.dim(0), big.dim(1), big.dim(2) / 2, big.dim(3) / 2);
    }

    private void requireArgmax(String op, Tensor argmax, Tensor pooled) {
        requireInts(backend, op, "argmax", argmax);
        requireSame(op, "argmax", argmax, pooled, "the pooled output");
    }

    private void requireLabels(String op, Tensor labels, int batch) {
        requireInts(backend, op, "labels", labels);
        requireShape(op, "labels", labels, batch);
    }

    private void requireParts(String op, List<Tensor> parts, Tensor whole) {
        if (parts.isEmpty()) {
            throw new ShapeException(op + ": expected at least one part, got none");
        }
        int channels = 0;
        for (int i = 0; i < parts.size(); i++) {
            Tensor p = parts.get(i);
            requireFloat(backend, op, "part " + i, p);
            if (p.rank() != whole.rank() || p.rank() < 2) {
                throw new ShapeException(op + ": part " + i + " " + p.shape() + " must have the rank of " + whole.shape());
            }
            for (int d = 0; d < p.rank(); d++) {
                if (d != 1 && p.dim(d) != whole.dim(d)) {
                    throw new ShapeException(op + ": part " + i + " " + p.shape() + " differs from " + whole.shape()
                            + " in dimension " + d + " (only dimension 1 may differ)");
                }
            }
            channels += p.dim(1);
        }
        if (channels != whole.dim(1)) {
            throw new ShapeException(op + ": parts have " + channels + " channels in all, " + whole.shape()
                    + " has " + whole.dim(1));
        }
    }
}
