package sagan4j.backend;

import static sagan4j.backend.Checks.requireFloat;
import static sagan4j.backend.Checks.requireFloatLike;
import static sagan4j.backend.Checks.requireInts;
import static sagan4j.backend.Checks.requireLength;
import static sagan4j.backend.Checks.requireOwned;
import static sagan4j.backend.Checks.requireSame;

import java.util.Optional;
import java.util.function.Predicate;

/**
 * The op set that layers and models are written against: memory, the elementwise ops and GEMM here, the
 * other ops in families ({@link #layers()}, {@link #conv()}, {@link #attention()}, ...), and capabilities only
 * some backends have ({@link #graphs()}). Behind it sit the CPU reference (plain Java, double accumulation: the
 * oracle), oneDNN's CPU backend and CUDA. Every public op checks its arguments ({@link Checks}) once for every
 * backend, here or in its family, and then calls the backend's {@code do*} method, so that a bad shape fails
 * the same way everywhere and before any kernel runs.
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
        return new Tensor(this, shape, dtype, allocate(shape, dtype), null);
    }

    public final Tensor zeros(int... dims) {
        Tensor t = empty(DType.FLOAT32, dims);
        fill(t, 0f);
        return t;
    }

    /** A float32 tensor holding a copy of {@code data}, whose length must equal the shape's size. */
    public final Tensor fromHost(float[] data, int... dims) {
        requireLength("fromHost", data.length, Shape.of(dims));
        Tensor t = empty(DType.FLOAT32, dims);
        doUpload(t, data);
        return t;
    }

    /** An int32 tensor (labels) holding a copy of {@code data}. */
    public final Tensor fromHost(int[] data, int... dims) {
        requireLength("fromHost", data.length, Shape.of(dims));
        Tensor t = empty(DType.INT32, dims);
        doUpload(t, data);
        return t;
    }

    /** Overwrites a float32 tensor with host data of the same size. */
    public final void upload(float[] data, Tensor dst) {
        requireFloat(this, "upload", "dst", dst);
        requireLength("upload", data.length, dst.shape());
        doUpload(dst, data);
    }

    /** Overwrites an int32 tensor (labels) with host data of the same size. */
    public final void upload(int[] data, Tensor dst) {
        requireOwned(this, "upload", "dst", dst);
        if (dst.dtype() != DType.INT32) {
            throw new ShapeException("upload: dst must be int32 for int data, got " + dst.dtype().label());
        }
        requireLength("upload", data.length, dst.shape());
        doUpload(dst, data);
    }

    public final float[] toHostFloats(Tensor t) {
        requireFloat(this, "toHostFloats", "t", t);
        return doDownloadFloats(t);
    }

    public final int[] toHostInts(Tensor t) {
        requireInts(this, "toHostInts", "t", t);
        return doDownloadInts(t);
    }

    /** dst ← src; same shape and type. */
    public final void copy(Tensor src, Tensor dst) {
        requireOwned(this, "copy", "src", src);
        requireOwned(this, "copy", "dst", dst);
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
        requireFloat(this, "fill", "x", x);
        doFill(x, value);
    }

    /** y ← y + alpha·x. */
    public final void axpy(float alpha, Tensor x, Tensor y) {
        elementwise("axpy", x, y);
        doAxpy(alpha, x, y);
    }

    /** x ← alpha·x. */
    public final void scale(Tensor x, float alpha) {
        requireFloat(this, "scale", "x", x);
        doScale(x, alpha);
    }

    /** y ← max(x, 0). */
    public final void relu(Tensor x, Tensor y) {
        elementwise("relu", x, y);
        doActivation(Activation.RELU, 0f, x, y);
    }

    /** dx ← dy where x &gt; 0, else 0. */
    public final void reluBackward(Tensor x, Tensor dy, Tensor dx) {
        binaryBackward("reluBackward", x, "x", dy, dx);
        doActivationBackward(Activation.RELU, 0f, x, dy, dx);
    }

    /** y ← x for x &gt; 0, slope·x otherwise. */
    public final void leakyRelu(Tensor x, float slope, Tensor y) {
        elementwise("leakyRelu", x, y);
        doActivation(Activation.LEAKY_RELU, slope, x, y);
    }

    /** dx ← dy where x &gt; 0, slope·dy otherwise. */
    public final void leakyReluBackward(Tensor x, float slope, Tensor dy, Tensor dx) {
        binaryBackward("leakyReluBackward", x, "x", dy, dx);
        doActivationBackward(Activation.LEAKY_RELU, slope, x, dy, dx);
    }

    /** y ← tanh(x). */
    public final void tanh(Tensor x, Tensor y) {
        elementwise("tanh", x, y);
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

    /** The NCHW layer primitives (bias, resampling, sum pooling, concat/split, rows by label, dot, ...). */
    public abstract LayerOps layers();

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
        requireFloat(this, "gemm", "A", a);
        requireFloat(this, "gemm", "B", b);
        requireFloat(this, "gemm", "C", c);
        GemmShape g = Checks.gemm(transA, transB, a, b, c);
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

    // ---------------------------------------------------------------- capabilities

    /** Capturing regions of work as CUDA graphs, where the backend can (CUDA); empty elsewhere. */
    public Optional<GraphCapture> graphs() {
        return Optional.empty();
    }

    /**
     * Runs {@code work}, a region as {@link GraphCapture} describes it: through {@link #graphs()} where the
     * backend has them (captured once, replayed after that, while capture is on), else directly.
     */
    public final void captureOrRun(Object key, Runnable work) {
        graphs().ifPresentOrElse(g -> g.run(key, work), work);
    }

    /** Destroys the captured regions whose keys match (their owner is closing); nothing where nothing is captured. */
    public final void dropCaptures(Predicate<Object> keys) {
        graphs().ifPresent(g -> g.drop(keys));
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

    // ---------------------------------------------------------------- checks (see Checks)

    /** x and y float32 of one shape. */
    private void elementwise(String op, Tensor x, Tensor y) {
        requireFloat(this, op, "x", x);
        requireFloatLike(this, op, "y", y, x, "x");
    }

    /** The saved forward tensor, dy and dx float32 of one shape. */
    private void binaryBackward(String op, Tensor saved, String savedName, Tensor dy, Tensor dx) {
        requireFloat(this, op, savedName, saved);
        requireFloat(this, op, "dy", dy);
        requireFloat(this, op, "dx", dx);
        requireSame(op, "dy", dy, saved, savedName);
        requireSame(op, "dx", dx, saved, savedName);
    }

    /** Dimensions of a checked GEMM call ({@link Checks#gemm}): batch × (M×K · K×N). */
    public record GemmShape(boolean transA, boolean transB, int batch, int m, int n, int k,
                            boolean batchedA, boolean batchedB) {
    }
}
