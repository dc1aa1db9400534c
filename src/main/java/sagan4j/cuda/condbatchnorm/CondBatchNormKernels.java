package sagan4j.cuda.condbatchnorm;

import static jcuda.driver.JCudaDriver.cuCtxGetDevice;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;

import java.util.List;

import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUstream;
import sagan4j.cuda.runtime.KernelArgs;
import sagan4j.cuda.runtime.KernelLibrary;

/**
 * The conditional batch norm kernels of {@code kernels/cond_batchnorm.cu} on raw device memory and a stream
 * the caller owns: no tensor, allocator or model of sagan4j needed, only a {@link KernelLibrary} (e.g.
 * {@link KernelLibrary#forCurrentContext()}). All pointers are float32 device arrays, C order, except
 * {@code labels} (int32). Pass {@code labels} = null with (B, C) gamma/beta rows (BigGAN), or labels (B)
 * with (K, C) class tables (SAGAN, {@link Geometry#classes()} = K). Work is only queued on the stream:
 * nothing allocates or synchronises, so calls can be captured into a CUDA graph. The caller provides
 * {@link #scratchBytes(Geometry)} bytes of device scratch (256-byte aligned) per call in flight.
 *
 * <p>Versions ({@link #versions()}): {@code two-pass} (statistics, then normalise: 3 kernels, 12 B/elem),
 * {@code fused} (one block per channel, x held in shared memory: 1 kernel, 8 B/elem), {@code baseline}
 * (separate gather, batch-norm and affine kernels, forward only: what the benchmark compares against),
 * and {@code auto}, which picks fused or two-pass by shape.
 */
public final class CondBatchNormKernels {
    public static final String AUTO = "auto";
    public static final String TWO_PASS = "two-pass";
    public static final String FUSED = "fused";
    public static final String BASELINE = "baseline";

    private static final int BLOCK = 256;
    private static final long ALIGN = 256;

    /** Sizes: x is (batch, channels, height, width); classes = K (table rows) with labels, 0 without. */
    public record Geometry(int batch, int channels, int height, int width, int classes) {
        public Geometry {
            if (batch < 1 || channels < 1 || height < 1 || width < 1 || classes < 0) {
                throw new IllegalArgumentException("condBatchNorm geometry must have positive sizes (classes >= 0), got "
                        + batch + "x" + channels + "x" + height + "x" + width + ", classes " + classes);
            }
            if ((long) height * width > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("condBatchNorm: H*W = " + (long) height * width + " exceeds 2^31-1");
            }
        }

        int hw() {
            return height * width;
        }

        long planes() {
            return (long) batch * channels;
        }

        /** Elements of x. */
        public long elements() {
            return planes() * hw();
        }
    }

    private final KernelLibrary lib;
    private final int maxDynamicSmem;

    /** Binds to the kernels of {@code lib}, in the context that is current on this thread. */
    public CondBatchNormKernels(KernelLibrary lib) {
        this.lib = lib;
        CUdevice dev = new CUdevice();
        cuCtxGetDevice(dev);
        int[] v = {0};
        cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, dev);
        this.maxDynamicSmem = v[0];
        for (String k : List.of("cbn_fused_forward", "cbn_fused_backward")) {
            cuFuncSetAttribute(lib.function(k), CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                    maxDynamicSmem);
        }
    }

    /** The version names {@link #forwardTraining} accepts ({@code baseline}: forward only). */
    public static List<String> versions() {
        return List.of(AUTO, FUSED, TWO_PASS, BASELINE);
    }

    // ---------------------------------------------------------------- scratch layout

    private static long align(long bytes) {
        return (bytes + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** Region sizes in bytes: 4 of B·C floats, 2 of C floats, K+1 ints, B ints. */
    private static long[] regions(Geometry g) {
        long p = align(4 * g.planes()), c = align(4L * g.channels());
        return new long[] {p, p, p, p, c, c, align(4L * (g.classes() + 1)), align(4L * g.batch())};
    }

    /** Bytes of device scratch every call with this geometry needs (any version, either direction). */
    public static long scratchBytes(Geometry g) {
        long s = 0;
        for (long r : regions(g)) {
            s += r;
        }
        return s;
    }

    private static CUdeviceptr region(CUdeviceptr scratch, Geometry g, int i) {
        long[] r = regions(g);
        long off = 0;
        for (int j = 0; j < i; j++) {
            off += r[j];
        }
        return scratch.withByteOffset(off);
    }

    /** Doubles of block-reduction scratch at the start of a fused kernel's shared memory (cond_batchnorm.cu's CBN_RED_DOUBLES). */
    private static final int RED_DOUBLES = 32;

    /** Dynamic shared memory of a fused kernel: {@value #RED_DOUBLES} doubles, 2·B floats, padding to 16, the cache. */
    static long fusedSmemBytes(int batch, long cacheFloats) {
        long head = RED_DOUBLES * 8L + 8L * batch;
        return (head + 15) / 16 * 16 + 4 * cacheFloats;
    }

    /** Whether the fused kernel can hold a whole channel (x, and dy when backward) in shared memory. */
    public boolean fusedCaches(Geometry g, boolean backward) {
        long floats = (long) g.batch() * g.hw() * (backward ? 2 : 1);
        return fusedSmemBytes(g.batch(), floats) <= maxDynamicSmem;
    }

    /**
     * The version that runs for {@code version} at this geometry: {@code auto} is {@code fused} when a channel
     * fits shared memory and {@link #fusedFillsGpu}, else {@code two-pass}. {@code fused} runs {@code two-pass}
     * when there is no room even for its 2·B sums, or when it would not fill the GPU: the fused kernels are one
     * block per channel, so 3 channels at 128×128 (the output block) would be 3 blocks walking 16384·B values
     * each, where the two-pass statistics (cbn_plane_stats: every plane its own lanes, any number of blocks,
     * then a fixed-order per-channel pass) spread the same reduction over the whole GPU.
     */
    public String resolve(String version, Geometry g, boolean backward) {
        switch (version) {
            case AUTO -> {
                return fusedCaches(g, backward) && fusedFillsGpu(g) ? FUSED : TWO_PASS;
            }
            case FUSED -> {
                return fusedSmemBytes(g.batch(), 0) <= maxDynamicSmem && fusedFillsGpu(g) ? FUSED : TWO_PASS;
            }
            case TWO_PASS, BASELINE -> {
                if (backward && version.equals(BASELINE)) {
                    throw new IllegalArgumentException("condBatchNorm: the baseline composition is forward only");
                }
                return version;
            }
            default -> throw new IllegalArgumentException("condBatchNorm: unknown version '" + version + "' (known: "
                    + versions() + ")");
        }
    }

    /**
     * Whether one block per channel is enough: at least one channel per SM, or little data (at most 8 MiB of x,
     * where launch latency, which fused saves, dominates).
     */
    boolean fusedFillsGpu(Geometry g) {
        boolean small = g.elements() * 4 <= (8L << 20);
        return small || g.channels() >= lib.multiprocessors();
    }

    // ---------------------------------------------------------------- launch geometry

    private static int groupSize(int hw) {
        int units = hw % 4 == 0 ? hw / 4 : hw;
        int g = 1;
        while (g < units && g < 32) {
            g <<= 1;
        }
        return g;
    }

    /** Blocks for a plane walk: enough for every group to have a plane, at most 8 per SM (the loops stride). */
    private int planeBlocks(Geometry g) {
        long perBlock = BLOCK / groupSize(g.hw());
        long wanted = (g.planes() + perBlock - 1) / perBlock;
        return (int) Math.max(1, Math.min(wanted, 8L * lib.multiprocessors()));
    }

    private static int perChannelBlocks(Geometry g) {
        return (g.channels() + BLOCK - 1) / BLOCK;
    }

    private static CUdeviceptr orNull(CUdeviceptr p) {
        return p == null ? new CUdeviceptr() : p;
    }

    private void launch(String kernel, int grid, long smem, CUstream stream, KernelArgs args) {
        lib.launch(kernel, grid, 1, 1, BLOCK, 1, 1, (int) smem, stream, args);
    }

    // ---------------------------------------------------------------- forward

    /**
     * Training forward: y (B, C, H, W), mean and var (C, biased batch statistics), and runningMean/runningVar
     * (C) updated in place when not null.
     */
    public void forwardTraining(String version, Geometry g, CUdeviceptr x, CUdeviceptr labels, CUdeviceptr gamma,
                                CUdeviceptr beta, float eps, float momentum, CUdeviceptr runningMean,
                                CUdeviceptr runningVar, CUdeviceptr y, CUdeviceptr mean, CUdeviceptr var,
                                CUdeviceptr scratch, CUstream stream) {
        String v = resolve(version, g, false);
        CUdeviceptr lab = orNull(labels), rm = orNull(runningMean), rv = orNull(runningVar);
        int b = g.batch(), c = g.channels(), hw = g.hw(), k = g.classes();
        if (v.equals(FUSED)) {
            boolean cache = fusedCaches(g, false);
            launch("cbn_fused_forward", c, fusedSmemBytes(b, cache ? (long) b * hw : 0), stream, KernelArgs.of()
                    .ptr(x).ptr(lab).ptr(gamma).ptr(beta).i32(b).i32(c).i32(hw).i32(k).f32(eps).f32(momentum)
                    .i32(cache ? 1 : 0).ptr(rm).ptr(rv).ptr(y).ptr(mean).ptr(var));
            return;
        }
        CUdeviceptr pmean = region(scratch, g, 0), pm2 = region(scratch, g, 1);
        launch("cbn_plane_stats", planeBlocks(g), 0, stream,
                KernelArgs.of().ptr(x).i32(b).i32(c).i32(hw).ptr(pmean).ptr(pm2));
        launch("cbn_channel_stats", perChannelBlocks(g), 0, stream, KernelArgs.of().ptr(pmean).ptr(pm2).i32(b).i32(c)
                .i32(hw).f32(momentum).ptr(rm).ptr(rv).ptr(mean).ptr(var));
        if (v.equals(TWO_PASS)) {
            normalize(g, x, lab, gamma, beta, mean, var, eps, y, stream);
            return;
        }
        // baseline: gather rows, plain batch norm into y, then y = γ·y + β in place
        CUdeviceptr rowsG = region(scratch, g, 2), rowsB = region(scratch, g, 3);
        launch("cbn_gather_rows", elementBlocks(g.planes()), 0, stream,
                KernelArgs.of().ptr(lab).ptr(gamma).ptr(beta).i32(b).i32(c).i32(k).ptr(rowsG).ptr(rowsB));
        launch("cbn_base_normalize", planeBlocks(g), 0, stream,
                KernelArgs.of().ptr(x).ptr(mean).ptr(var).i32(b).i32(c).i32(hw).f32(eps).ptr(y));
        launch("cbn_base_affine", planeBlocks(g), 0, stream,
                KernelArgs.of().ptr(rowsG).ptr(rowsB).i32(b).i32(c).i32(hw).ptr(y));
    }

    /** Eval forward: y from the running statistics (one pass: 8 bytes per element). */
    public void forwardEval(Geometry g, CUdeviceptr x, CUdeviceptr labels, CUdeviceptr gamma, CUdeviceptr beta,
                            CUdeviceptr runningMean, CUdeviceptr runningVar, float eps, CUdeviceptr y, CUstream stream) {
        normalize(g, x, orNull(labels), gamma, beta, runningMean, runningVar, eps, y, stream);
    }

    private void normalize(Geometry g, CUdeviceptr x, CUdeviceptr labels, CUdeviceptr gamma, CUdeviceptr beta,
                           CUdeviceptr mean, CUdeviceptr var, float eps, CUdeviceptr y, CUstream stream) {
        launch("cbn_normalize_affine", planeBlocks(g), 0, stream, KernelArgs.of().ptr(x).ptr(labels).ptr(gamma)
                .ptr(beta).ptr(mean).ptr(var).i32(g.batch()).i32(g.channels()).i32(g.hw()).i32(g.classes()).f32(eps)
                .ptr(y));
    }

    private int elementBlocks(long n) {
        return (int) Math.max(1, Math.min((n + BLOCK - 1) / BLOCK, 16L * lib.multiprocessors()));
    }

    // ---------------------------------------------------------------- backward

    /**
     * Backward of the training forward given its batch statistics mean, var (C): dx (B, C, H, W), and
     * dgamma, dbeta with the shape of gamma — (K, C) class tables with labels (each the sum over that class's
     * samples in ascending order, 0 for an absent class), (B, C) rows without.
     */
    public void backward(String version, Geometry g, CUdeviceptr x, CUdeviceptr labels, CUdeviceptr gamma,
                         CUdeviceptr mean, CUdeviceptr var, float eps, CUdeviceptr dy, CUdeviceptr dx,
                         CUdeviceptr dgamma, CUdeviceptr dbeta, CUdeviceptr scratch, CUstream stream) {
        String v = resolve(version, g, true);
        boolean tables = labels != null;
        CUdeviceptr lab = orNull(labels);
        int b = g.batch(), c = g.channels(), hw = g.hw(), k = g.classes();
        CUdeviceptr rowsG = tables ? region(scratch, g, 0) : dgamma, rowsB = tables ? region(scratch, g, 1) : dbeta;
        if (v.equals(FUSED)) {
            boolean cache = fusedCaches(g, true);
            launch("cbn_fused_backward", c, fusedSmemBytes(b, cache ? 2L * b * hw : 0), stream, KernelArgs.of()
                    .ptr(x).ptr(dy).ptr(lab).ptr(gamma).ptr(mean).ptr(var).i32(b).i32(c).i32(hw).i32(k).f32(eps)
                    .i32(cache ? 1 : 0).ptr(dx).ptr(rowsG).ptr(rowsB));
        } else {
            CUdeviceptr m1 = region(scratch, g, 4), m2 = region(scratch, g, 5);
            launch("cbn_bwd_plane_sums", planeBlocks(g), 0, stream, KernelArgs.of().ptr(x).ptr(dy).ptr(mean).ptr(var)
                    .i32(b).i32(c).i32(hw).f32(eps).ptr(rowsG).ptr(rowsB));
            launch("cbn_bwd_channel_coeffs", perChannelBlocks(g), 0, stream, KernelArgs.of().ptr(lab).ptr(gamma)
                    .ptr(rowsG).ptr(rowsB).i32(b).i32(c).i32(hw).i32(k).ptr(m1).ptr(m2));
            launch("cbn_bwd_dx", planeBlocks(g), 0, stream, KernelArgs.of().ptr(x).ptr(dy).ptr(lab).ptr(gamma)
                    .ptr(mean).ptr(var).ptr(m1).ptr(m2).i32(b).i32(c).i32(hw).i32(k).f32(eps).ptr(dx));
        }
        if (tables) {
            CUdeviceptr start = region(scratch, g, 6), order = region(scratch, g, 7);
            launch("cbn_labels_by_class", 1, 0, stream, KernelArgs.of().ptr(lab).i32(b).i32(k).ptr(start).ptr(order));
            launch("cbn_class_table_sum", elementBlocks((long) k * c), 0, stream, KernelArgs.of().ptr(rowsG)
                    .ptr(rowsB).ptr(start).ptr(order).i32(c).i32(k).ptr(dgamma).ptr(dbeta));
        }
    }
}
