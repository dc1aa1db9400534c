package sagan4j.backend;

import java.util.Arrays;

/**
 * The op set that layers and models are written against. Two implementations sit behind it: the CPU
 * reference (plain Java, double accumulation: the oracle) and CUDA. Every public op checks its
 * arguments here, once for both backends, and then calls the backend's {@code do*} method, so that a
 * bad shape fails the same way everywhere and before any kernel runs.
 *
 * <p>Conventions: float32 tensors, images NCHW; outputs are preallocated by the caller and fully
 * overwritten; an output may alias an input of the same shape for the elementwise ops.
 */
public abstract class Backend implements AutoCloseable {

    /** Short name, as --device takes it: "reference", "cpu" (oneDNN) or "cuda". */
    public abstract String name();

    /** One line describing the device, for logs and the bench table. */
    public abstract String describe();

    // ---------------------------------------------------------------- memory

    /** A new tensor with undefined contents. */
    public final Tensor empty(DType dtype, int... dims) {
        Shape shape = Shape.of(dims);
        return wrap(shape, dtype, allocate(shape, dtype));
    }

    public final Tensor zeros(int... dims) {
        Tensor t = empty(DType.FLOAT32, dims);
        fill(t, 0f);
        return t;
    }

    /** A float32 tensor holding a copy of {@code data}, whose length must equal the shape's size. */
    public final Tensor fromHost(float[] data, int... dims) {
        Shape shape = Shape.of(dims);
        requireLength("fromHost", data.length, shape);
        Tensor t = wrap(shape, DType.FLOAT32, allocate(shape, DType.FLOAT32));
        doUpload(t, data);
        return t;
    }

    /** An int32 tensor (labels) holding a copy of {@code data}. */
    public final Tensor fromHost(int[] data, int... dims) {
        Shape shape = Shape.of(dims);
        requireLength("fromHost", data.length, shape);
        Tensor t = wrap(shape, DType.INT32, allocate(shape, DType.INT32));
        doUpload(t, data);
        return t;
    }

    /** Overwrites a float32 tensor with host data of the same size. */
    public final void upload(float[] data, Tensor dst) {
        requireFloat("upload", "dst", dst);
        requireLength("upload", data.length, dst.shape());
        doUpload(dst, data);
    }

    /** Overwrites an int32 tensor (labels) with host data of the same size. */
    public final void upload(int[] data, Tensor dst) {
        requireOwned("upload", "dst", dst);
        if (dst.dtype() != DType.INT32) {
            throw new ShapeException("upload: dst must be int32 for int data, got " + dst.dtype().label());
        }
        requireLength("upload", data.length, dst.shape());
        doUpload(dst, data);
    }

    public final float[] toHostFloats(Tensor t) {
        requireFloat("toHostFloats", "t", t);
        return doDownloadFloats(t);
    }

    public final int[] toHostInts(Tensor t) {
        requireOwned("toHostInts", "t", t);
        if (t.dtype() != DType.INT32) {
            throw new ShapeException("toHostInts: t must be int32, got " + t.dtype().label());
        }
        return doDownloadInts(t);
    }

    /** dst ← src; same shape and type. */
    public final void copy(Tensor src, Tensor dst) {
        requireOwned("copy", "src", src);
        requireOwned("copy", "dst", dst);
        requireSame("copy", "dst", dst, src, "src");
        if (src.dtype() != dst.dtype()) {
            throw new ShapeException("copy: dst is " + dst.dtype().label() + ", src is " + src.dtype().label());
        }
        doCopy(src, dst);
    }

    /** Waits until every op issued so far has finished (a no-op on the CPU). */
    public abstract void synchronize();

    /**
     * Times queued work: {@code start()} before issuing it, {@code stop()} after, then
     * {@code elapsedMillis()} waits for it and returns the device time between the two (CUDA events on
     * the backend's stream; wall time on the CPU). Reusable; close it when done.
     */
    public interface Timer extends AutoCloseable {
        void start();

        void stop();

        double elapsedMillis();

        @Override
        void close();
    }

    public abstract Timer timer();

    // ---------------------------------------------------------------- elementwise

    /** x ← value everywhere. */
    public final void fill(Tensor x, float value) {
        requireFloat("fill", "x", x);
        doFill(x, value);
    }

    /** y ← y + alpha·x. */
    public final void axpy(float alpha, Tensor x, Tensor y) {
        requireFloat("axpy", "x", x);
        requireFloat("axpy", "y", y);
        requireSame("axpy", "y", y, x, "x");
        doAxpy(alpha, x, y);
    }

    /** x ← alpha·x. */
    public final void scale(Tensor x, float alpha) {
        requireFloat("scale", "x", x);
        doScale(x, alpha);
    }

    /** y ← max(x, 0). */
    public final void relu(Tensor x, Tensor y) {
        unary("relu", x, y);
        doActivation(Activation.RELU, 0f, x, y);
    }

    /** dx ← dy where x &gt; 0, else 0. */
    public final void reluBackward(Tensor x, Tensor dy, Tensor dx) {
        binaryBackward("reluBackward", x, "x", dy, dx);
        doActivationBackward(Activation.RELU, 0f, x, dy, dx);
    }

    /** y ← x for x &gt; 0, slope·x otherwise. */
    public final void leakyRelu(Tensor x, float slope, Tensor y) {
        unary("leakyRelu", x, y);
        doActivation(Activation.LEAKY_RELU, slope, x, y);
    }

    /** dx ← dy where x &gt; 0, slope·dy otherwise. */
    public final void leakyReluBackward(Tensor x, float slope, Tensor dy, Tensor dx) {
        binaryBackward("leakyReluBackward", x, "x", dy, dx);
        doActivationBackward(Activation.LEAKY_RELU, slope, x, dy, dx);
    }

    /** y ← tanh(x). */
    public final void tanh(Tensor x, Tensor y) {
        unary("tanh", x, y);
        doActivation(Activation.TANH, 0f, x, y);
    }

    /** dx ← dy·(1 − y²), where y is the forward output tanh(x). */
    public final void tanhBackward(Tensor y, Tensor dy, Tensor dx) {
        binaryBackward("tanhBackward", y, "y", dy, dx);
        doActivationBackward(Activation.TANH, 0f, y, dy, dx);
    }

    /** The elementwise activations, named as the kernels name them. */
    public enum Activation {
        RELU, LEAKY_RELU, TANH
    }

    // ---------------------------------------------------------------- layer primitives (NCHW)

    /** x[b, c, ...] += bias[c], in place; x is (B, C) or (B, C, H, W). */
    public final void addChannelBias(Tensor x, Tensor bias) {
        requireFloat("addChannelBias", "x", x);
        requireFloat("addChannelBias", "bias", bias);
        requireRankIn("addChannelBias", "x", x, 2, 4);
        requireShape("addChannelBias", "bias", bias, x.dim(1));
        layers().addChannelBias(x, bias);
    }

    /**
     * A bias + activation epilogue: x[b, c, ...] += bias[c] in place (kept, as the activation's backward reads
     * its input), then y ← f(x) — {@link #addChannelBias} followed by {@link #relu} / {@link #leakyRelu} /
     * {@link #tanh}, in one pass (on CUDA one launch instead of two). y has x's shape and is not x.
     */
    public final void addChannelBiasActivation(Tensor x, Tensor bias, Activation f, float slope, Tensor y) {
        String op = "addChannelBiasActivation";
        requireFloat(op, "x", x);
        requireFloat(op, "bias", bias);
        requireRankIn(op, "x", x, 2, 4);
        requireShape(op, "bias", bias, x.dim(1));
        unary(op, x, y);
        if (x == y) {
            throw new ShapeException(op + ": y must be another tensor than x (x keeps the pre-activation)");
        }
        layers().addChannelBiasActivation(x, bias, f, slope, y);
    }

    /** dBias[c] ← Σ over b (and h, w) of dy[b, c, ...]; a fixed-order (deterministic) reduction. */
    public final void channelBiasGrad(Tensor dy, Tensor dBias) {
        requireFloat("channelBiasGrad", "dy", dy);
        requireFloat("channelBiasGrad", "dBias", dBias);
        requireRankIn("channelBiasGrad", "dy", dy, 2, 4);
        requireShape("channelBiasGrad", "dBias", dBias, dy.dim(1));
        layers().channelBiasGrad(dy, dBias);
    }

    /** Nearest-neighbour 2× upsampling: x (B, C, H, W) → y (B, C, 2H, 2W). */
    public final void upsample2x(Tensor x, Tensor y) {
        requireImages("upsample2x", x, "x", y, "y", 2);
        layers().resample(Resample.UPSAMPLE, x, y, null);
    }

    /** dx (B, C, H, W) ← the sum of dy (B, C, 2H, 2W) over each 2×2 block. */
    public final void upsample2xBackward(Tensor dy, Tensor dx) {
        requireImages("upsample2xBackward", dx, "dx", dy, "dy", 2);
        layers().resampleBackward(Resample.UPSAMPLE, dy, dx, null);
    }

    /** 2×2 average pooling, stride 2: x (B, C, H, W) → y (B, C, H/2, W/2); H and W even. */
    public final void avgPool2x2(Tensor x, Tensor y) {
        requireImages("avgPool2x2", y, "y", x, "x", 2);
        layers().resample(Resample.AVG_POOL, x, y, null);
    }

    public final void avgPool2x2Backward(Tensor dy, Tensor dx) {
        requireImages("avgPool2x2Backward", dy, "dy", dx, "dx", 2);
        layers().resampleBackward(Resample.AVG_POOL, dy, dx, null);
    }

    /**
     * 2×2 max pooling, stride 2; {@code argmax} (int32, the shape of y) records which of the four (0..3,
     * row-major within the block; the first on ties) was taken, for the backward.
     */
    public final void maxPool2x2(Tensor x, Tensor y, Tensor argmax) {
        requireImages("maxPool2x2", y, "y", x, "x", 2);
        requireInts("maxPool2x2", "argmax", argmax, y);
        layers().resample(Resample.MAX_POOL, x, y, argmax);
    }

    /** dx ← dy routed to the recorded maximum of each 2×2 block, 0 elsewhere. */
    public final void maxPool2x2Backward(Tensor dy, Tensor argmax, Tensor dx) {
        requireImages("maxPool2x2Backward", dy, "dy", dx, "dx", 2);
        requireInts("maxPool2x2Backward", "argmax", argmax, dy);
        layers().resampleBackward(Resample.MAX_POOL, dy, dx, argmax);
    }

    /** The resampling ops, named as their kernels are. */
    public enum Resample {
        UPSAMPLE, AVG_POOL, MAX_POOL
    }

    /** y[b, c] ← Σ over h, w of x[b, c, h, w] (the projection discriminator's global sum pooling). */
    public final void sumHW(Tensor x, Tensor y) {
        requireFloat("sumHW", "x", x);
        requireFloat("sumHW", "y", y);
        requireRankIn("sumHW", "x", x, 4, 4);
        requireShape("sumHW", "y", y, x.dim(0), x.dim(1));
        layers().sumHW(x, y);
    }

    /** dx[b, c, h, w] ← dy[b, c]. */
    public final void sumHWBackward(Tensor dy, Tensor dx) {
        requireFloat("sumHWBackward", "dy", dy);
        requireFloat("sumHWBackward", "dx", dx);
        requireRankIn("sumHWBackward", "dx", dx, 4, 4);
        requireShape("sumHWBackward", "dy", dy, dx.dim(0), dx.dim(1));
        layers().sumHWBackward(dy, dx);
    }

    /**
     * out ← the parts side by side along dimension 1 (features or channels): parts (B, C_i, ...) with the
     * same B and trailing dimensions, out (B, ΣC_i, ...).
     */
    public final void concat(java.util.List<Tensor> parts, Tensor out) {
        requireFloat("concat", "out", out);
        requireParts("concat", parts, out);
        layers().concat(parts, out, true);
    }

    /** The inverse of {@link #concat}: each part ← its slice of {@code in} along dimension 1. */
    public final void split(Tensor in, java.util.List<Tensor> parts) {
        requireFloat("split", "in", in);
        requireParts("split", parts, in);
        layers().concat(parts, in, false);
    }

    /** out[b, :] ← table[labels[b], :]; table (K, D), labels int32 (B) in [0, K), out (B, D). */
    public final void gatherRows(Tensor table, Tensor labels, Tensor out) {
        requireFloat("gatherRows", "table", table);
        requireFloat("gatherRows", "out", out);
        requireLabels("gatherRows", labels, out.dim(0));
        requireRankIn("gatherRows", "table", table, 2, 2);
        requireShape("gatherRows", "out", out, labels.dim(0), table.dim(1));
        layers().gatherRows(table, labels, out);
    }

    /**
     * dTable[k, :] += Σ over b with labels[b] = k of dOut[b, :], summed in batch order (deterministic;
     * no atomics). Labels outside [0, K) are an error of the caller: the CPU checks, kernels skip them.
     */
    public final void scatterAddRows(Tensor dOut, Tensor labels, Tensor dTable) {
        requireFloat("scatterAddRows", "dOut", dOut);
        requireFloat("scatterAddRows", "dTable", dTable);
        requireRankIn("scatterAddRows", "dTable", dTable, 2, 2);
        requireLabels("scatterAddRows", labels, dOut.dim(0));
        requireShape("scatterAddRows", "dOut", dOut, labels.dim(0), dTable.dim(1));
        layers().scatterAddRows(dOut, labels, dTable);
    }

    /** y (B, C, R) ← x (B, R, C) with the last two dimensions swapped; rank 2 means B = 1. */
    public final void transpose(Tensor x, Tensor y) {
        requireFloat("transpose", "x", x);
        requireFloat("transpose", "y", y);
        requireRankIn("transpose", "x", x, 2, 3);
        if (x.rank() == 2) {
            requireShape("transpose", "y", y, x.dim(1), x.dim(0));
        } else {
            requireShape("transpose", "y", y, x.dim(0), x.dim(2), x.dim(1));
        }
        layers().transpose(x, y);
    }

    /**
     * m[..., i, i] ← 0 in place: m is square, (N, N), or a batch of square matrices (B, N, N). The
     * off-diagonal part M ⊙ (1 − I) that orthogonal regularisation penalises.
     */
    public final void zeroDiagonal(Tensor m) {
        requireFloat("zeroDiagonal", "m", m);
        requireRankIn("zeroDiagonal", "m", m, 2, 3);
        if (m.dim(-1) != m.dim(-2)) {
            throw new ShapeException("zeroDiagonal: m must be square in its last two dimensions, got shape " + m.shape());
        }
        layers().zeroDiagonal(m);
    }

    /** y ← y + s[0]·x with the scalar read on the device ({@code s} has shape [1]): no host round trip. */
    public final void axpyScalar(Tensor s, Tensor x, Tensor y) {
        requireFloat("axpyScalar", "s", s);
        requireShape("axpyScalar", "s", s, 1);
        requireFloat("axpyScalar", "x", x);
        requireFloat("axpyScalar", "y", y);
        requireSame("axpyScalar", "y", y, x, "x");
        layers().axpyScalar(s, x, y);
    }

    /** out[0] ← Σ a·b, accumulated in a fixed order (double on the CPU); out has shape [1]. */
    public final void dot(Tensor a, Tensor b, Tensor out) {
        requireFloat("dot", "a", a);
        requireFloat("dot", "b", b);
        requireFloat("dot", "out", out);
        requireSame("dot", "b", b, a, "a");
        requireShape("dot", "out", out, 1);
        layers().dot(a, b, out);
    }

    /**
     * How many elements of {@code x} are NaN or ±∞: the probe of training's {@code --check-finite}. The host
     * backends count directly; this default, for device backends, screens with one {@link #dot}(x, x) — its
     * sum of squares is finite whenever every element is, and any NaN or ∞ makes it NaN or ∞ — and counts on
     * the host only when the screen fails (a sum of squares of large finite values can also overflow, which
     * the count then clears). So a finite tensor costs one reduction and a 4-byte download.
     */
    public final long countNonFinite(Tensor x) {
        requireFloat("countNonFinite", "x", x);
        return doCountNonFinite(x);
    }

    protected long doCountNonFinite(Tensor x) {
        try (Tensor sumSquares = empty(DType.FLOAT32, 1)) {
            dot(x, x, sumSquares);
            if (Float.isFinite(toHostFloats(sumSquares)[0])) {
                return 0;
            }
        }
        long bad = 0;
        for (float v : toHostFloats(x)) {
            bad += Float.isFinite(v) ? 0 : 1;
        }
        return bad;
    }

    /** The thirteen NCHW layer primitives above, checked here and run by this family. */
    protected abstract LayerOps layers();

    /** Convolution (cuDNN or im2col + GEMM on CUDA; im2col + the reference GEMM on the CPU). */
    public abstract ConvOps conv();

    // ---------------------------------------------------------------- GEMM

    /**
     * C ← alpha·op(A)·op(B) + beta·C, row-major. op(A) is M×K (A is stored M×K, or K×M when
     * {@code transA}); op(B) is K×N (stored K×N, or N×K when {@code transB}); C is M×N. Rank 3 means a
     * batch of matrices (batch, rows, cols); a rank-2 A or B with a rank-3 C is shared by every batch
     * entry. When beta is 0, C is not read (it may hold NaN).
     */
    public final void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        requireFloat("gemm", "A", a);
        requireFloat("gemm", "B", b);
        requireFloat("gemm", "C", c);
        GemmShape g = GemmShape.of(transA, transB, a, b, c);
        doGemm(g, alpha, a, b, beta, c);
    }

    /** Arithmetic used by GEMM from now on (CUDA only; the CPU reference is always exact). */
    public abstract void setGemmMath(GemmMath math);

    public abstract GemmMath gemmMath();

    /** Conditional batch norm with per-class or per-sample γ, β (kernels/cond_batchnorm.cu on CUDA). */
    public abstract CondBatchNormOps condBatchNorm();

    /** The attention softmax-matmul family (forward and backward, several kernel versions on CUDA). */
    public abstract AttentionOps attention();

    /** Spectral normalisation: power iteration, W/σ and its backward (see {@link SpectralNormOps}). */
    public abstract SpectralNormOps spectralNorm();

    /** Optimiser updates: Adam and the EMA of weights (see {@link OptimOps}). */
    public abstract OptimOps optim();

    /** The GAN losses, their logit gradient and the step's summary, on the device (see {@link GanLossOps}). */
    public abstract GanLossOps ganLoss();

    // ---------------------------------------------------------------- captured regions (CUDA graphs)

    /**
     * Runs {@code work}: a region that queues the same operations on the same tensors every time it runs with an
     * equal {@code key} (so the key names what the work depends on, such as the batch shape). Its inputs must be
     * copied into fixed tensors before the call and its results read from fixed tensors after it; inside, it must
     * not upload, download or synchronise. A backend with CUDA graphs turned on ({@link #setGraphCapture})
     * captures the region once and replays the graph after that; the others, and CUDA with graphs off, just run it.
     */
    public void captureOrRun(Object key, Runnable work) {
        work.run();
    }

    /** Turns capturing {@link #captureOrRun} regions on or off where the backend can (CUDA); a no-op elsewhere. */
    public void setGraphCapture(boolean on) {
    }

    /** Whether {@link #captureOrRun} regions are captured (false on the CPU backends). */
    public boolean graphCapture() {
        return false;
    }

    /** Destroys the captured regions whose keys match (their owner is closing); a no-op where nothing is captured. */
    public void dropCaptures(java.util.function.Predicate<Object> keys) {
    }

    /** What became of the region {@code key} (captured or why not), or null where nothing is captured. */
    public String captureReport(Object key) {
        return null;
    }

    // ---------------------------------------------------------------- backend side

    protected abstract Tensor.Storage allocate(Shape shape, DType dtype);

    protected abstract void doUpload(Tensor dst, float[] data);

    protected abstract void doUpload(Tensor dst, int[] data);

    protected abstract float[] doDownloadFloats(Tensor t);

    protected abstract int[] doDownloadInts(Tensor t);

    protected abstract void doCopy(Tensor src, Tensor dst);

    protected abstract void doFill(Tensor x, float value);

    protected abstract void doAxpy(float alpha, Tensor x, Tensor y);

    protected abstract void doScale(Tensor x, float alpha);

    protected abstract void doActivation(Activation f, float slope, Tensor x, Tensor y);

    protected abstract void doActivationBackward(Activation f, float slope, Tensor xOrY, Tensor dy, Tensor dx);

    protected abstract void doGemm(GemmShape g, float alpha, Tensor a, Tensor b, float beta, Tensor c);














    /** Frees what the backend holds (device memory, handles). Tensors made by it must not be used after. */
    @Override
    public abstract void close();

    /** Wraps storage made by this backend into a tensor it owns. */
    protected final Tensor wrap(Shape shape, DType dtype, Tensor.Storage storage) {
        return new Tensor(this, shape, dtype, storage, null);
    }

    // ---------------------------------------------------------------- checks shared by every backend

    protected final void requireOwned(String op, String name, Tensor t) {
        if (t == null) {
            throw new ShapeException(op + ": " + name + " is null");
        }
        if (t.backend() != this) {
            throw new ShapeException(op + ": " + name + " belongs to backend " + t.backend().name()
                    + ", expected one made by this " + name() + " backend");
        }
        if (t.isClosed()) {
            throw new ShapeException(op + ": " + name + " " + t.shape() + " was already closed");
        }
    }

    protected final void requireFloat(String op, String name, Tensor t) {
        requireOwned(op, name, t);
        if (t.dtype() != DType.FLOAT32) {
            throw new ShapeException(op + ": " + name + " must be float32, got " + t.dtype().label());
        }
    }

    /** {@code t} must have the shape of {@code ref}. */
    protected static void requireSame(String op, String name, Tensor t, Tensor ref, String refName) {
        if (!t.shape().equals(ref.shape())) {
            throw new ShapeException(op + ": " + name + " has shape " + t.shape() + ", expected "
                    + ref.shape() + " (the shape of " + refName + ")");
        }
    }

    /** {@code t} must have exactly the dimensions {@code dims}. */
    protected static void requireShape(String op, String name, Tensor t, int... dims) {
        if (!t.shape().equals(Shape.of(dims))) {
            throw new ShapeException(op + ": " + name + " has shape " + t.shape() + ", expected " + Arrays.toString(dims));
        }
    }

    /** {@code t} must have as many elements as {@code ref} (the elementwise ops over flat views). */
    protected static void requireSameSize(String op, String name, Tensor t, Tensor ref, String refName) {
        if (t.size() != ref.size()) {
            throw new ShapeException(op + ": " + name + " has shape " + t.shape() + " (" + t.size() + " elements), expected "
                    + ref.size() + " elements (the size of " + refName + " " + ref.shape() + ")");
        }
    }

    protected static void requireRankIn(String op, String name, Tensor t, int lo, int hi) {
        if (t.rank() < lo || t.rank() > hi) {
            throw new ShapeException(op + ": " + name + " must have rank " + (lo == hi ? lo : lo + " to " + hi)
                    + ", got shape " + t.shape());
        }
    }

    /** small (B, C, H, W) and big (B, C, H·f, W·f). */
    private void requireImages(String op, Tensor small, String smallName, Tensor big, String bigName, int f) {
        requireFloat(op, smallName, small);
        requireFloat(op, bigName, big);
        requireRankIn(op, bigName, big, 4, 4);
        if (big.dim(2) % f != 0 || big.dim(3) % f != 0) {
            throw new ShapeException(op + ": " + bigName + " " + big.shape() + " needs H and W divisible by " + f);
        }
        requireShape(op, smallName, small, big.dim(0), big.dim(1), big.dim(2) / f, big.dim(3) / f);
    }

    private void requireInts(String op, String name, Tensor t, Tensor like) {
        requireOwned(op, name, t);
        if (t.dtype() != DType.INT32) {
            throw new ShapeException(op + ": " + name + " must be int32, got " + t.dtype().label());
        }
        requireSame(op, name, t, like, "the pooled output");
    }

    private void requireLabels(String op, Tensor labels, int batch) {
        requireOwned(op, "labels", labels);
        if (labels.dtype() != DType.INT32) {
            throw new ShapeException(op + ": labels must be int32, got " + labels.dtype().label());
        }
        requireShape(op, "labels", labels, batch);
    }

    private void requireParts(String op, java.util.List<Tensor> parts, Tensor whole) {
        if (parts.isEmpty()) {
            throw new ShapeException(op + ": expected at least one part, got none");
        }
        int channels = 0;
        for (int i = 0; i < parts.size(); i++) {
            Tensor p = parts.get(i);
            requireFloat(op, "part " + i, p);
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

    private static void requireLength(String op, int length, Shape shape) {
        if (length != shape.size()) {
            throw new ShapeException(op + ": shape " + shape + " needs " + shape.size()
                    + " values, got " + length);
        }
    }

    private void unary(String op, Tensor x, Tensor y) {
        requireFloat(op, "x", x);
        requireFloat(op, "y", y);
        requireSame(op, "y", y, x, "x");
    }

    private void binaryBackward(String op, Tensor saved, String savedName, Tensor dy, Tensor dx) {
        requireFloat(op, savedName, saved);
        requireFloat(op, "dy", dy);
        requireFloat(op, "dx", dx);
        requireSame(op, "dy", dy, saved, savedName);
        requireSame(op, "dx", dx, saved, savedName);
    }

    /** Dimensions of a checked GEMM call: batch × (M×K · K×N). */
    public record GemmShape(boolean transA, boolean transB, int batch, int m, int n, int k,
                            boolean batchedA, boolean batchedB) {

        static GemmShape of(boolean transA, boolean transB, Tensor a, Tensor b, Tensor c) {
            int rc = c.rank();
            if (rc != 2 && rc != 3) {
                throw new ShapeException("gemm: C must be rank 2 (M, N) or 3 (batch, M, N), got shape " + c.shape());
            }
            for (Tensor t : new Tensor[] {a, b}) {
                if (t.rank() != 2 && t.rank() != rc) {
                    throw new ShapeException("gemm: " + (t == a ? "A" : "B") + " must be rank 2"
                            + (rc == 3 ? " or 3" : "") + " like C " + c.shape() + ", got shape " + t.shape());
                }
            }
            int batch = rc == 3 ? c.dim(0) : 1;
            boolean batchedA = a.rank() == 3;
            boolean batchedB = b.rank() == 3;
            if (batchedA && a.dim(0) != batch || batchedB && b.dim(0) != batch) {
                throw new ShapeException("gemm: batch sizes differ: A " + a.shape() + ", B " + b.shape()
                        + ", C " + c.shape());
            }
            int m = transA ? a.dim(-1) : a.dim(-2);
            int ka = transA ? a.dim(-2) : a.dim(-1);
            int kb = transB ? b.dim(-1) : b.dim(-2);
            int n = transB ? b.dim(-2) : b.dim(-1);
            if (ka != kb) {
                throw new ShapeException("gemm: inner dimensions differ: op(A) is " + m + "x" + ka + " (A "
                        + a.shape() + (transA ? " transposed" : "") + "), op(B) is " + kb + "x" + n + " (B "
                        + b.shape() + (transB ? " transposed" : "") + ")");
            }
            if (c.dim(-2) != m || c.dim(-1) != n) {
                int[] want = rc == 3 ? new int[] {batch, m, n} : new int[] {m, n};
                throw new ShapeException("gemm: C has shape " + c.shape() + ", expected " + Arrays.toString(want));
            }
            return new GemmShape(transA, transB, batch, m, n, ka, batchedA, batchedB);
        }
    }
}
