package sagan4j.onednn;

import sagan4j.host.HostBackend;
import sagan4j.host.HostGanLossOps;
import sagan4j.host.HostOptimOps;
import sagan4j.host.HostStorage;
import sagan4j.host.RangeRunner;

import java.util.Arrays;

import sagan4j.backend.AttentionOps;
import sagan4j.backend.Backend;
import sagan4j.backend.CondBatchNormOps;
import sagan4j.backend.ConvOps;
import sagan4j.backend.DType;
import sagan4j.backend.GemmMath;
import sagan4j.backend.LayerOps;
import sagan4j.backend.Shape;
import sagan4j.backend.OptimOps;
import sagan4j.backend.SpectralNormOps;
import sagan4j.backend.Tensor;
import sagan4j.backend.WallClockTimer;

/**
 * The fast CPU backend ({@code --device cpu}): oneDNN for convolutions and every matrix product, plain
 * Java loops (float arithmetic, double only where a long sum must match the reference to 1e-5) for the
 * rest. It is checked against the double-precision reference ({@code sagan4j.reference.ReferenceBackend}).
 *
 * <p>Tensors live in Java arrays, staged into native buffers only at oneDNN's edges. Why not native
 * memory throughout: a staging copy costs what a reorder costs, the convolutions reorder NCHW ⇄ blocked at
 * their edges anyway, and the copies are a small share of a step (docs/performance.md), while the Java loops over arrays are the ones C2
 * vectorises on Java 17 (its auto-vectoriser does not handle off-heap accesses; MemorySegment and the
 * Vector API are incubator modules there, needing --add-modules on every launch).
 *
 * <p>Threads: oneDNN's OpenMP pool ({@code OMP_NUM_THREADS}, default the available processors) does the
 * parallel work inside oneDNN; the Java loops split over {@link Lanes} (the calling thread plus as many
 * helpers, {@code -Dsagan4j.javaThreads} to change), which run only between oneDNN calls, while OpenMP's
 * workers sleep after a short spin (OMP_WAIT_POLICY=passive, GOMP_SPINCOUNT=20000, set by the launcher).
 * Every op is complete when it returns;
 * results are deterministic for a fixed OpenMP thread count, and do not depend on the Java thread count.
 */
public final class OneDnnBackend extends HostBackend {

    private final Dnnl dnnl;
    private final Lanes lanes = new Lanes(Integer.getInteger("sagan4j.javaThreads", threads()));
    private final TimeSplit time = new TimeSplit();
    private final OneDnnGemm gemm = new OneDnnGemm(time);
    private final OneDnnConv conv;
    private final JavaLayers layers = new JavaLayers(this);
    private final JavaCondBatchNorm condBatchNorm = new JavaCondBatchNorm(this);
    private final OneDnnRowSoftmax softmax;
    private final OneDnnAttention attention;
    private final JavaSpectralNorm spectralNorm = new JavaSpectralNorm(this);
    private final HostOptimOps optim = new HostOptimOps(this, "java", lanes, true);
    private final HostGanLossOps ganLoss = new HostGanLossOps(this, "java");
    private String isa;

    private OneDnnBackend(Dnnl dnnl) {
        this.dnnl = dnnl;
        this.conv = new OneDnnConv(this, dnnl, time);
        this.softmax = new OneDnnRowSoftmax(dnnl, time);
        this.attention = new OneDnnAttention(this, gemm, softmax);
    }

    /** Loads oneDNN; {@link OneDnnUnavailableException} if its natives cannot load on this machine. */
    public static OneDnnBackend open() {
        return new OneDnnBackend(Dnnl.open());
    }

    /** oneDNN's version and threading runtime, e.g. "3.8.1 (OpenMP)". */
    public static String onednnVersion() {
        return Dnnl.version();
    }

    /**
     * What oneDNN's JIT targets here, as its verbose mode names the implementation of SAGAN-32's 64→64
     * 3×3 convolution at 32×32 (e.g. "brg_conv_fwd:avx2"). dnnl_get_effective_cpu_isa would not do: it
     * answers the dispatch limit (every ISA by default), not what this CPU runs.
     */
    public String isa() {
        if (isa == null) {
            isa = conv.implementation(16, 64, 32, 64, 3);
        }
        return isa;
    }

    /** OpenMP threads oneDNN uses: OMP_NUM_THREADS at process start, else the available processors. */
    public static int threads() {
        String env = System.getenv("OMP_NUM_THREADS");
        if (env != null) {
            try {
                int n = Integer.parseInt(env.split(",")[0].trim());
                if (n >= 1) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // libgomp ignores a malformed value too and uses every processor
            }
        }
        return Runtime.getRuntime().availableProcessors();
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String describe() {
        return "CPU oneDNN " + onednnVersion() + " " + isa() + ", " + threads() + " threads ("
                + System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + ")";
    }

    @Override
    public ConvOps conv() {
        return conv;
    }

    @Override
    public LayerOps layers() {
        return layers;
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
    public SpectralNormOps spectralNorm() {
        return spectralNorm;
    }

    @Override
    public OptimOps optim() {
        return optim;
    }

    /** oneDNN memory objects and primitives alive (cached per convolution shape; none after close). */
    int liveNativeHandles() {
        return dnnl.liveHandles();
    }

    @Override
    public sagan4j.backend.GanLossOps ganLoss() {
        return ganLoss;
    }

    /** Time spent in oneDNN and in copies to and from it so far (bench step's breakdown). */
    public TimeSplit timeSplit() {
        return time;
    }

    @Override
    public void close() {
        conv.close();
        gemm.close();
        attention.close();
        softmax.close();
        lanes.close();
        dnnl.close();
    }

    static float[] f(Tensor t) {
        return HostStorage.floats(t);
    }

    static int[] ints(Tensor t) {
        return HostStorage.ints(t);
    }

    OneDnnGemm gemm() {
        return gemm;
    }

    Lanes lanes() {
        return lanes;
    }

    // ---------------------------------------------------------------- elementwise (one pass, vectorised by C2)

    @Override
    protected void doFill(Tensor x, float value) {
        float[] xs = f(x);
        lanes.forRange(x.shape().sizeAsInt(), RangeRunner.GRAIN, (lo, hi) -> Arrays.fill(xs, lo, hi, value));
    }

    @Override
    protected void doAxpy(float alpha, Tensor x, Tensor y) {
        float[] xs = f(x), ys = f(y);
        lanes.forRange(x.shape().sizeAsInt(), RangeRunner.GRAIN, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                ys[i] = Math.fma(alpha, xs[i], ys[i]);
            }
        });
    }

    @Override
    protected void doScale(Tensor x, float alpha) {
        float[] xs = f(x);
        lanes.forRange(x.shape().sizeAsInt(), RangeRunner.GRAIN, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                xs[i] *= alpha;
            }
        });
    }

    /*
     * The activations are written without branches (max/min, and a 0/1 step for the backward): with
     * data of random sign a branch mispredicts half the time, and C2 on Java 17 vectorises max, min and
     * multiplies but not conditional moves, so branchy loops cost a large share of a step's Java time
     * (docs/performance.md).
     */

    /** 1 where v &gt; 0, else 0 (NaN stays NaN): v scaled past the float range, clamped to [0, 1]. */
    private static float step(float v) {
        return Math.min(1f, Math.max(0f, v * 1e38f * 1e38f));
    }

    @Override
    protected void doActivation(Activation fn, float slope, Tensor x, Tensor y) {
        float[] xs = f(x), ys = f(y);
        lanes.forRange(x.shape().sizeAsInt(), RangeRunner.GRAIN, (lo, hi) -> activation(fn, slope, xs, ys, lo, hi));
    }

    private static void activation(Activation fn, float slope, float[] xs, float[] ys, int lo, int hi) {
        switch (fn) {
            case RELU -> {
                for (int i = lo; i < hi; i++) {
                    ys[i] = Math.max(xs[i], 0f);
                }
            }
            case LEAKY_RELU -> {
                for (int i = lo; i < hi; i++) {
                    float v = xs[i];
                    ys[i] = Math.max(v, 0f) + slope * Math.min(v, 0f);
                }
            }
            case TANH -> {
                for (int i = lo; i < hi; i++) {
                    ys[i] = (float) Math.tanh(xs[i]);
                }
            }
        }
    }

    @Override
    protected void doActivationBackward(Activation fn, float slope, Tensor saved, Tensor dy, Tensor dx) {
        float[] s = f(saved), g = f(dy), out = f(dx);
        lanes.forRange(saved.shape().sizeAsInt(), RangeRunner.GRAIN, (lo, hi) -> activationBackward(fn, slope, s, g, out, lo, hi));
    }

    private static void activationBackward(Activation fn, float slope, float[] s, float[] g, float[] out, int lo, int hi) {
        switch (fn) {
            case RELU -> {
                for (int i = lo; i < hi; i++) {
                    out[i] = g[i] * step(s[i]);
                }
            }
            case LEAKY_RELU -> {
                float rest = 1f - slope;
                for (int i = lo; i < hi; i++) {
                    out[i] = g[i] * Math.fma(rest, step(s[i]), slope);
                }
            }
            case TANH -> {
                for (int i = lo; i < hi; i++) {
                    float v = s[i];
                    out[i] = g[i] * (1f - v * v);
                }
            }
        }
    }

    @Override
    protected void doGemm(GemmShape g, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        gemm.run(g, alpha, f(a), f(b), beta, f(c));
    }
}
