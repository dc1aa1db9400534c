package sagan4j.cpu;

import sagan4j.backend.AttentionOps;
import sagan4j.backend.Backend;
import sagan4j.backend.CondBatchNormOps;
import sagan4j.backend.ConvOps;
import sagan4j.backend.DType;
import sagan4j.backend.GemmMath;
import sagan4j.backend.OptimOps;
import sagan4j.backend.LayerOps;
import sagan4j.backend.Shape;
import sagan4j.backend.Tensor;
import sagan4j.backend.WallClockTimer;

/**
 * The CPU reference backend: plain Java over float[] storage, multi-threaded on the common fork-join
 * pool, every reduction accumulated in double. It is the oracle that the CUDA backend is tested
 * against, and runs the full models in CI.
 */
public final class CpuBackend extends Backend {
    /** Elementwise work below this many elements stays on the calling thread. */
    private static final int GRAIN = 1 << 15;

    private final CpuCondBatchNorm condBatchNorm = new CpuCondBatchNorm(this);

    private final CpuLayers layers = new CpuLayers(this);

    private final CpuConv conv;

    public CpuBackend() {
        this(CpuConv.MAX_COLUMN_FLOATS);
    }

    /** With a smaller im2col column limit, so that tests reach the chunked convolution path. */
    CpuBackend(int maxConvColumnFloats) {
        this.conv = new CpuConv(this, maxConvColumnFloats);
    }

    private final CpuAttention attention = new CpuAttention(this);

    private final CpuSpectralNorm spectralNorm = new CpuSpectralNorm(this);

    private final CpuOptim optim = new CpuOptim(this);
    private final CpuGanLoss ganLoss = new CpuGanLoss(this);

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public String describe() {
        return "CPU reference (" + Runtime.getRuntime().availableProcessors() + " cores, "
                + System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + ")";
    }

    @Override
    public void synchronize() {
        // Every CPU op is complete when it returns.
    }

    @Override
    public ConvOps conv() {
        return conv;
    }

    @Override
    public Timer timer() {
        return new WallClockTimer();
    }

    @Override
    public void setGemmMath(GemmMath math) {
        // The reference always accumulates in double; nothing to switch.
    }

    @Override
    public GemmMath gemmMath() {
        return GemmMath.FP32;
    }

    @Override
    public CondBatchNormOps condBatchNorm() {
        return condBatchNorm;
    }

    @Override
    public AttentionOps attention() {
        return attention;
    }

    @Override
    public CpuSpectralNorm spectralNorm() {
        return spectralNorm;
    }

    @Override
    public OptimOps optim() {
        return optim;
    }

    @Override
    public sagan4j.backend.GanLossOps ganLoss() {
        return ganLoss;
    }

    @Override
    public void close() {
        // Nothing held outside the Java heap.
    }

    static float[] f(Tensor t) {
        return t.storage(CpuStorage.class).floats;
    }

    @Override
    protected Tensor.Storage allocate(Shape shape, DType dtype) {
        int n = shape.sizeAsInt();
        return dtype == DType.FLOAT32 ? new CpuStorage(new float[n], null) : new CpuStorage(null, new int[n]);
    }

    @Override
    protected void doUpload(Tensor dst, float[] data) {
        System.arraycopy(data, 0, f(dst), 0, data.length);
    }

    @Override
    protected void doUpload(Tensor dst, int[] data) {
        System.arraycopy(data, 0, dst.storage(CpuStorage.class).ints, 0, data.length);
    }

    @Override
    protected long doCountNonFinite(Tensor x) {
        return sagan4j.backend.HostArrays.countNonFinite(f(x), x.shape().sizeAsInt());
    }

    @Override
    protected float[] doDownloadFloats(Tensor t) {
        return java.util.Arrays.copyOf(f(t), t.shape().sizeAsInt());
    }

    @Override
    protected int[] doDownloadInts(Tensor t) {
        return java.util.Arrays.copyOf(t.storage(CpuStorage.class).ints, t.shape().sizeAsInt());
    }

    @Override
    protected void doCopy(Tensor src, Tensor dst) {
        CpuStorage s = src.storage(CpuStorage.class), d = dst.storage(CpuStorage.class);
        int n = src.shape().sizeAsInt();
        if (s.floats != null) {
            System.arraycopy(s.floats, 0, d.floats, 0, n);
        } else {
            System.arraycopy(s.ints, 0, d.ints, 0, n);
        }
    }

    @Override
    protected void doFill(Tensor x, float value) {
        float[] xs = f(x);
        Parallel.forRange(x.shape().sizeAsInt(), GRAIN, (lo, hi) -> java.util.Arrays.fill(xs, lo, hi, value));
    }

    @Override
    protected void doAxpy(float alpha, Tensor x, Tensor y) {
        float[] xs = f(x), ys = f(y);
        Parallel.forRange(x.shape().sizeAsInt(), GRAIN, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                ys[i] = (float) (ys[i] + (double) alpha * xs[i]);
            }
        });
    }

    @Override
    protected void doScale(Tensor x, float alpha) {
        float[] xs = f(x);
        Parallel.forRange(x.shape().sizeAsInt(), GRAIN, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                xs[i] = alpha * xs[i];
            }
        });
    }

    @Override
    protected void doActivation(Activation fn, float slope, Tensor x, Tensor y) {
        float[] xs = f(x), ys = f(y);
        Parallel.forRange(x.shape().sizeAsInt(), GRAIN, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                float v = xs[i];
                ys[i] = switch (fn) {
                    case RELU -> v > 0f ? v : 0f;
                    case LEAKY_RELU -> v > 0f ? v : slope * v;
                    case TANH -> (float) Math.tanh(v);
                };
            }
        });
    }

    @Override
    protected void doActivationBackward(Activation fn, float slope, Tensor saved, Tensor dy, Tensor dx) {
        float[] s = f(saved), g = f(dy), out = f(dx);
        Parallel.forRange(saved.shape().sizeAsInt(), GRAIN, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                float v = s[i];
                out[i] = switch (fn) {
                    case RELU -> v > 0f ? g[i] : 0f;
                    case LEAKY_RELU -> v > 0f ? g[i] : slope * g[i];
                    case TANH -> (float) (g[i] * (1.0 - (double) v * v));
                };
            }
        });
    }

    @Override
    protected void doGemm(GemmShape g, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        CpuGemm.run(g, alpha, f(a), f(b), beta, f(c));
    }

    @Override
    protected LayerOps layers() {
        return layers;
    }
}
