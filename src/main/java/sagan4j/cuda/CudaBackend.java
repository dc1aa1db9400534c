package sagan4j.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import java.util.List;
import java.util.Optional;

import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import sagan4j.backend.AttentionOps;
import sagan4j.backend.Backend;
import sagan4j.backend.Checks;
import sagan4j.backend.DType;
import sagan4j.backend.GemmMath;
import sagan4j.backend.GraphCapture;
import sagan4j.backend.LayerOps;
import sagan4j.backend.Shape;
import sagan4j.backend.Tensor;
import sagan4j.cuda.attention.CudaAttention;
import sagan4j.cuda.condbatchnorm.CudaCondBatchNorm;
import sagan4j.cuda.conv.CudaConv;
import sagan4j.cuda.ganloss.CudaGanLoss;
import sagan4j.cuda.gemm.CublasGemm;
import sagan4j.cuda.gemm.GemmPath;
import sagan4j.cuda.gemm.TiledGemm;
import sagan4j.cuda.natives.CudaNatives;
import sagan4j.cuda.optim.CudaOptim;
import sagan4j.cuda.runtime.CudaContext;
import sagan4j.cuda.runtime.CudaDevice;
import sagan4j.cuda.runtime.CudaStorage;
import sagan4j.cuda.runtime.CudaUnavailableException;
import sagan4j.cuda.runtime.DeviceAllocator;
import sagan4j.cuda.runtime.DeviceCounters;
import sagan4j.cuda.runtime.EventTimer;
import sagan4j.cuda.runtime.KernelArgs;
import sagan4j.cuda.runtime.KernelLibrary;
import sagan4j.cuda.runtime.PinnedStaging;
import sagan4j.cuda.spectralnorm.CudaSpectralNorm;

/**
 * The CUDA backend: one GPU, one stream, a caching allocator, the packed kernels and a GEMM path
 * (cuBLAS, or sagan4j's tiled kernel when cuBLAS cannot load). Every op is queued on the stream and
 * returns at once; {@link #synchronize()} and the host downloads wait. Not thread-safe: one thread
 * at a time drives one backend; handed to another thread (after a happens-before edge such as a join or a
 * queue), it makes its context current there at its first call (docs/threads.md).
 */
public final class CudaBackend extends Backend implements CudaDevice {

    /** Which GEMM implementation to use. */
    public enum GemmChoice {
        /** cuBLAS when it loads, else the tiled kernel. */
        AUTO,
        CUBLAS,
        TILED
    }

    /** How to open the backend. */
    public record Options(int device, GemmChoice gemm, GemmMath math) {
        public static Options defaults() {
            return new Options(0, GemmChoice.AUTO, GemmMath.FP32);
        }

        public Options withGemm(GemmChoice g) {
            return new Options(device, g, math);
        }

        public Options withMath(GemmMath m) {
            return new Options(device, gemm, m);
        }
    }

    private final CudaContext ctx;
    private final DeviceAllocator allocator;
    private final KernelLibrary kernels;
    private final GemmPath gemm;
    private final CudaLayers layers;
    private final CudaConv conv;
    private final String gemmFallbackReason;
    private final CudaAttention attention;
    private GemmMath math;
    private CudaCondBatchNorm condBatchNorm;
    private CudaSpectralNorm spectralNorm;
    private CudaOptim optim;
    private CudaGanLoss ganLoss;
    private final PinnedStaging staging = new PinnedStaging();
    private final CudaGraphs graphs;
    private boolean closed;

    /**
     * Opens the backend on a GPU.
     *
     * @throws CudaUnavailableException one line when there is no usable GPU, or cuBLAS was asked for
     *                                  and cannot load
     */
    public static CudaBackend open(Options options) {
        return new CudaBackend(options);
    }

    public static CudaBackend open() {
        return open(Options.defaults());
    }

    private CudaBackend(Options options) {
        this.ctx = CudaContext.open(options.device());
        this.allocator = new DeviceAllocator(ctx);
        try {
            this.kernels = new KernelLibrary(ctx);
            var cublas = CudaNatives.load().cublas();
            String reason = null;
            GemmPath path;
            switch (options.gemm()) {
                case TILED -> {
                    path = new TiledGemm(kernels, ctx.stream());
                    reason = "the tiled kernel was asked for";
                }
                case CUBLAS -> {
                    if (!cublas.loaded()) {
                        throw new CudaUnavailableException("cuBLAS was asked for but cannot be used: " + cublas.reason());
                    }
                    if (CublasGemm.REQUIRED_SYMBOLS.stream().anyMatch(cublas.missingSymbols()::contains)) {
                        throw new CudaUnavailableException("cuBLAS was asked for but the installed one lacks some of "
                                + CublasGemm.REQUIRED_SYMBOLS + ": missing " + cublas.missingSymbols());
                    }
                    path = new CublasGemm(ctx.stream());
                }
                default -> {
                    GemmPath found = null;
                    List<String> missing = CublasGemm.REQUIRED_SYMBOLS.stream()
                            .filter(cublas.missingSymbols()::contains).toList();
                    if (!cublas.loaded()) {
                        reason = "cuBLAS cannot be used: " + cublas.reason();
                    } else if (!missing.isEmpty()) {
                        reason = "the installed cuBLAS lacks " + missing;
                    } else {
                        try {
                            found = new CublasGemm(ctx.stream());
                        } catch (CudaException e) {
                            reason = "cuBLAS loaded but cublasCreate failed: " + e.getMessage();
                        }
                    }
                    path = found != null ? found : new TiledGemm(kernels, ctx.stream());
                }
            }
            this.gemm = path;
            this.layers = new CudaLayers(this, kernels, ctx.stream(), allocator);
            this.conv = new CudaConv(this, path, CudaNatives.load().cudnn().loaded(), this::gemmMath);
            this.gemmFallbackReason = reason;
            this.math = options.math();
            this.attention = new CudaAttention(this, path);
            this.graphs = new CudaGraphs(ctx.stream(), allocator);
        } catch (RuntimeException e) {
            allocator.close();
            ctx.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String describe() {
        CudaContext.DeviceInfo d = ctx.info();
        return d.name() + " (cc " + d.computeCapability() + ", " + d.multiprocessors() + " SMs, "
                + d.totalMemory() / (1 << 20) + " MiB), GEMM: " + gemm.name();
    }

    /** This backend: the families see it through {@link CudaDevice}, which does not name the backend's package. */
    @Override
    public Backend backend() {
        return this;
    }

    public CudaContext context() {
        return ctx;
    }

    @Override
    public KernelLibrary kernels() {
        return kernels;
    }

    @Override
    public DeviceAllocator allocator() {
        return allocator;
    }

    public GemmPath gemmPath() {
        return gemm;
    }

    /** Why the tiled fallback is in use, or null when cuBLAS is. */
    public String gemmFallbackReason() {
        return gemmFallbackReason;
    }

    @Override
    public CUstream stream() {
        return ctx.stream();
    }

    /** The device pointer behind a tensor of this backend, for kernels of other packages and user code. */
    @Override
    public CUdeviceptr pointer(Tensor t) {
        Checks.requireOwned(this, "pointer", "t", t);
        return t.storage(CudaStorage.class).ptr();
    }

    @Override
    public void synchronize() {
        ctx.synchronize();
    }

    /** Convolution: "cudnn" when cuDNN loaded, else "im2col"; {@code conv().setImpl} switches. */
    @Override
    public CudaConv conv() {
        return conv;
    }

    @Override
    public Timer timer() {
        ctx.ensureCurrent();
        return new EventTimer(ctx.stream());
    }

    @Override
    public void setGemmMath(GemmMath math) {
        this.math = math;
    }

    @Override
    public GemmMath gemmMath() {
        return math;
    }

    /** Created on first use (it loads kernel attributes); closed with the backend. */
    @Override
    public CudaCondBatchNorm condBatchNorm() {
        if (condBatchNorm == null) {
            ctx.ensureCurrent();
            condBatchNorm = new CudaCondBatchNorm(this);
        }
        return condBatchNorm;
    }

    @Override
    public AttentionOps attention() {
        return attention;
    }

    @Override
    public CudaSpectralNorm spectralNorm() {
        if (spectralNorm == null) {
            ctx.ensureCurrent();
            spectralNorm = new CudaSpectralNorm(this);
        }
        return spectralNorm;
    }

    @Override
    public CudaOptim optim() {
        if (optim == null) {
            ctx.ensureCurrent();
            optim = new CudaOptim(this);
        }
        return optim;
    }

    /** Captured regions: CUDA graphs through {@link StepGraph}, on unless {@code graphs().get().setEnabled(false)}. */
    @Override
    public Optional<GraphCapture> graphs() {
        return Optional.of(graphs);
    }

    /** The CUDA graph of region {@code key}, or null when it never ran captured or uncaptured. */
    public StepGraph.Info captureInfo(Object key) {
        return graphs.info(key);
    }

    @Override
    public CudaGanLoss ganLoss() {
        if (ganLoss == null) {
            ganLoss = new CudaGanLoss(this);
        }
        return ganLoss;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ctx.synchronize(); // makes the context current on this thread first
        graphs.close();
        staging.close();
        if (condBatchNorm != null) {
            condBatchNorm.close();
        }
        attention.close();
        if (spectralNorm != null) {
            spectralNorm.close();
        }
        gemm.close();
        layers.close();
        conv.close();
        kernels.close();
        allocator.close();
        ctx.close();
    }

    // ---------------------------------------------------------------- memory

    @Override
    protected Tensor.Storage allocate(Shape shape, DType dtype) {
        return new CudaStorage(ctx, allocator, allocator.allocate(shape.size() * dtype.bytes()));
    }

    private static CUdeviceptr p(Tensor t) {
        return t.storage(CudaStorage.class).ptr();
    }

    // Uploads go through pinned staging (the host array may change as soon as we return, and the stream does
    // not wait). Inside a captured region an upload would be captured reading the staging slot at replay time,
    // when it holds another upload's data: refused, which fails the capture (the region then runs uncaptured).
    @Override
    protected void doUpload(Tensor dst, float[] data) {
        refuseWhileCapturing();
        staging.upload(p(dst), data, dst.bytes(), ctx.stream());
    }

    @Override
    protected void doUpload(Tensor dst, int[] data) {
        refuseWhileCapturing();
        staging.upload(p(dst), data, dst.bytes(), ctx.stream());
    }

    private void refuseWhileCapturing() {
        if (graphs.capturing()) {
            throw new IllegalStateException("an upload inside a captured region (copy inputs into fixed tensors before it)");
        }
    }

    @Override
    protected float[] doDownloadFloats(Tensor t) {
        float[] out = new float[t.shape().sizeAsInt()];
        cuMemcpyDtoHAsync(Pointer.to(out), p(t), t.bytes(), ctx.stream());
        DeviceCounters.copyToHost();
        ctx.synchronize();
        return out;
    }

    @Override
    protected int[] doDownloadInts(Tensor t) {
        int[] out = new int[t.shape().sizeAsInt()];
        cuMemcpyDtoHAsync(Pointer.to(out), p(t), t.bytes(), ctx.stream());
        DeviceCounters.copyToHost();
        ctx.synchronize();
        return out;
    }

    @Override
    protected void doCopy(Tensor src, Tensor dst) {
        cuMemcpyDtoDAsync(p(dst), p(src), src.bytes(), ctx.stream());
        DeviceCounters.copyOnDevice();
    }

    // ---------------------------------------------------------------- elementwise (kernels/elementwise.cu)

    @Override
    protected void doFill(Tensor x, float value) {
        kernels.launch1d("fill_f32", x.size(), ctx.stream(), KernelArgs.of().ptr(p(x)).f32(value).i64(x.size()));
    }

    @Override
    protected void doAxpy(float alpha, Tensor x, Tensor y) {
        kernels.launch1d("axpy_f32", x.size(), ctx.stream(),
                KernelArgs.of().ptr(p(y)).ptr(p(x)).f32(alpha).i64(x.size()));
    }

    @Override
    protected void doScale(Tensor x, float alpha) {
        kernels.launch1d("scale_f32", x.size(), ctx.stream(), KernelArgs.of().ptr(p(x)).f32(alpha).i64(x.size()));
    }

    @Override
    protected void doActivation(Activation f, float slope, Tensor x, Tensor y) {
        KernelArgs args = KernelArgs.of().ptr(p(y)).ptr(p(x));
        String kernel = switch (f) {
            case RELU -> "relu_forward_f32";
            case LEAKY_RELU -> {
                args.f32(slope);
                yield "leaky_relu_forward_f32";
            }
            case TANH -> "tanh_forward_f32";
        };
        kernels.launch1d(kernel, x.size(), ctx.stream(), args.i64(x.size()));
    }

    @Override
    protected void doActivationBackward(Activation f, float slope, Tensor saved, Tensor dy, Tensor dx) {
        KernelArgs args = KernelArgs.of().ptr(p(dx)).ptr(p(dy)).ptr(p(saved));
        String kernel = switch (f) {
            case RELU -> "relu_backward_f32";
            case LEAKY_RELU -> {
                args.f32(slope);
                yield "leaky_relu_backward_f32";
            }
            case TANH -> "tanh_backward_f32";
        };
        kernels.launch1d(kernel, saved.size(), ctx.stream(), args.i64(saved.size()));
    }

    @Override
    public LayerOps layers() {
        return layers;
    }

    // ---------------------------------------------------------------- GEMM

    @Override
    protected void doGemm(GemmShape g, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        gemm.gemm(g, alpha, p(a), p(b), beta, p(c), math);
    }
}
