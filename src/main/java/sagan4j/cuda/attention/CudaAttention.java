package sagan4j.cuda.attention;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import jcuda.driver.CUdeviceptr;
import sagan4j.backend.AttentionOps;
import sagan4j.backend.Tensor;
import sagan4j.cuda.gemm.GemmPath;
import sagan4j.cuda.runtime.CudaDevice;
import sagan4j.cuda.runtime.DeviceAllocator;

/**
 * Attention on the CUDA backend: a thin user of {@link AttentionKernels} on the backend's stream.
 * Versions: {@code fused} (default; shapes the fused kernels do not cover — d &gt; 64; in the backward also
 * c &gt; 96, or c &gt; 64 with d &gt; 32 — run the {@code simple} kernels, and the first call of each such
 * shape prints one line saying so, with the shape and the reason: {@link #fallbacks()}), {@code simple},
 * {@code baseline} (the backend's GEMM path, cuBLAS or the tiled fallback, around the softmax kernels).
 *
 * <p>Scratch (D for the backward; S/P for the baseline) is owned here and grows to the largest shape seen,
 * so a call allocates only the first time a larger shape arrives: run one step eagerly before capturing a
 * CUDA graph.
 */
public final class CudaAttention extends AttentionOps implements AutoCloseable {
    public static final String FUSED = "fused";
    public static final String SIMPLE = "simple";
    public static final String BASELINE = "baseline";

    private final CudaDevice be;
    private final GemmPath gemm;
    private final AttentionKernels kernels;
    private DeviceAllocator.Block scratch;
    private final Set<String> fallbacks = new LinkedHashSet<>();
    private final Consumer<String> notice;

    /** @param gemm the device's GEMM path, which {@code baseline} runs its two products on */
    public CudaAttention(CudaDevice device, GemmPath gemm) {
        this(device, gemm, System.err::println);
    }

    /** @param notice where the one line per fallen-back shape goes (standard error by default) */
    public CudaAttention(CudaDevice device, GemmPath gemm, Consumer<String> notice) {
        super(device.backend(), List.of(FUSED, SIMPLE, BASELINE));
        this.be = device;
        this.gemm = gemm;
        this.kernels = new AttentionKernels(be.kernels());
        this.notice = notice;
    }

    /** The lines printed so far, one per (direction, shape) that {@code fused} ran on the simple kernels. */
    public List<String> fallbacks() {
        return new ArrayList<>(fallbacks);
    }

    /** True when the fused kernels cover the call; else says so once for this direction and shape. */
    private boolean fusedCovers(boolean backward, Dims s) {
        String reason = AttentionKernels.fusedUnsupportedReason(backward, s.d(), s.c());
        if (reason == null) {
            return true;
        }
        String line = "sagan4j attention " + (backward ? "backward" : "forward") + " " + s + ": fused falls back to "
                + "simple (" + reason + ")";
        if (fallbacks.add(line)) {
            notice.accept(line);
        }
        return false;
    }

    /** The embeddable kernels this class launches. */
    public AttentionKernels kernels() {
        return kernels;
    }

    private CUdeviceptr p(Tensor t) {
        return be.pointer(t);
    }

    @Override
    protected void doForward(Dims s, Tensor q, Tensor k, Tensor v, float scale, Tensor o, Tensor lse) {
        int b = s.batch(), n = s.n(), m = s.m(), d = s.d(), c = s.c();
        switch (impl()) {
            case BASELINE -> kernels.forwardBaseline(gemm,
                    scratch(AttentionKernels.baselineForwardScratchBytes(b, n, m)),
                    p(q), p(k), p(v), p(o), p(lse), b, n, m, d, c, scale, be.stream());
            case FUSED -> {
                if (fusedCovers(false, s)) {
                    kernels.forwardFused(p(q), p(k), p(v), p(o), p(lse), b, n, m, d, c, scale, be.stream());
                } else {
                    kernels.forwardSimple(p(q), p(k), p(v), p(o), p(lse), b, n, m, d, c, scale, be.stream());
                }
            }
            default -> kernels.forwardSimple(p(q), p(k), p(v), p(o), p(lse), b, n, m, d, c, scale, be.stream());
        }
    }

    @Override
    protected void doBackward(Dims s, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse, Tensor gradO, float scale,
                              Tensor gradQ, Tensor gradK, Tensor gradV) {
        int b = s.batch(), n = s.n(), m = s.m(), d = s.d(), c = s.c();
        if (impl().equals(BASELINE)) {
            kernels.backwardBaseline(gemm, scratch(AttentionKernels.baselineBackwardScratchBytes(b, n, m)),
                    p(q), p(k), p(v), p(o), p(lse), p(gradO), p(gradQ), p(gradK), p(gradV), b, n, m, d, c, scale,
                    be.stream());
            return;
        }
        if (impl().equals(FUSED) && fusedCovers(true, s)) {
            CUdeviceptr sd = scratch(kernels.fusedBackwardScratchBytes(b, n, m, d, c));
            kernels.backwardFused(p(q), p(k), p(v), p(o), p(lse), p(gradO), p(gradQ), p(gradK), p(gradV), sd,
                    b, n, m, d, c, scale, be.stream());
        } else {
            CUdeviceptr sd = scratch(AttentionKernels.backwardScratchBytes(b, n));
            kernels.backwardSimple(p(q), p(k), p(v), p(o), p(lse), p(gradO), p(gradQ), p(gradK), p(gradV), sd,
                    b, n, m, d, c, scale, be.stream());
        }
    }

    /** At least {@code bytes} of scratch; grows (never shrinks) so that a shape seen before allocates nothing. */
    private CUdeviceptr scratch(long bytes) {
        if (scratch == null || scratch.bytes() < bytes) {
            if (scratch != null) {
                be.allocator().free(scratch);   // stream-ordered reuse: later work only
            }
            scratch = null;
            scratch = be.allocator().allocate(bytes);
        }
        return scratch.ptr();
    }

    /** Returns the scratch to the backend's allocator. */
    @Override
    public void close() {
        if (scratch != null) {
            be.allocator().free(scratch);
            scratch = null;
        }
    }
}
