package sagan4j.reference;

import sagan4j.host.HostBackend;
import sagan4j.host.HostGanLossOps;
import sagan4j.host.HostOptimOps;
import sagan4j.host.HostStorage;
import sagan4j.host.RangeRunner;

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
public final class ReferenceBackend extends HostBackend {
    private final ReferenceCondBatchNorm condBatchNorm = new ReferenceCondBatchNorm(this);

    private final ReferenceLayers layers = new ReferenceLayers(this);

    private final ReferenceConv conv;

    public ReferenceBackend() {
        this(ReferenceConv.MAX_COLUMN_FLOATS);
    }

    /** With a smaller im2col column limit, so that tests reach the chunked convolution path. */
    ReferenceBackend(int maxConvColumnFloats) {
        this.conv = new ReferenceConv(this, maxConvColumnFloats);
    }

    private final ReferenceAttention attention = new ReferenceAttention(this);

    private final ReferenceSpectralNorm spectralNorm = new ReferenceSpectralNorm(this);

    private final HostOptimOps optim = new HostOptimOps(this, "reference", Parallel.RUNNER, false);
    private final HostGanLossOps ganLoss = new HostGanLossOps(this, "reference");

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
    public ConvOps conv() {
        return conv;
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
    public ReferenceSpectralNorm spectralNorm() {
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
        return HostStorage.floats(t);
    }

    @Override
    protected void doFill(Tensor x, float value) {
        float[] xs = f(x);
        Parallel.forRange(x.shape().sizeAsInt(), RangeRunner.GRAIN, (lo, hi) -> java.util.Arrays.fill(xs, lo, hi, value));
    }

    @Override
    protected void doAxpy(float alpha, Tensor x, Tensor y) {
        float[] xs = f(x), ys = f(y);
        Parallel.forRange(x.shape().sizeAsInt(), RangeRunner.GRAIN, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                ys[i] = (float) (ys[i] + (double) alpha * xs[i]);
            }
        });
    }

    @Override
    protected void doScale(Tensor x, float alpha) {
        float[] xs = f(x);
        Parallel.forRange(x.shape().sizeAsInt(), RangeRunner.GRAIN, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                xs[i] = alpha * xs[i];
            }
        });
    }

    @Override
    protected void doActivation(Activation fn, float slope, Tensor x, Tensor y) {
        float[] xs = f(x), ys = f(y);
        Parallel.forRange(x.shape().sizeAsInt(), RangeRunner.GRAIN, (lo, hi) -> {
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
        Parallel.forRange(saved.shape().sizeAsInt(), RangeRunner.GRAIN, (lo, hi) -> {
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
        ReferenceGemm.run(g, alpha, f(a), f(b), beta, f(c));
    }

    @Override
    public LayerOps layers() {
        return layers;
    }
}
