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

    /** Short name: "cpu" or "cuda". */
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

    /** Spectral normalisation: power iteration, W/σ and its backward (see {@link SpectralNormOps}). */
    public abstract SpectralNormOps spectralNorm();

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
