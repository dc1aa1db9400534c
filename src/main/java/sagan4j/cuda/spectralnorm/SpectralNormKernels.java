package sagan4j.cuda.spectralnorm;

import static jcuda.driver.JCudaDriver.cuCtxGetDevice;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuOccupancyMaxActiveBlocksPerMultiprocessor;

import java.util.ArrayList;
import java.util.List;

import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import sagan4j.cuda.runtime.KernelArgs;
import sagan4j.cuda.runtime.KernelLibrary;

/**
 * The spectral-norm kernels of {@code kernels/spectral_norm.cu} on raw device pointers and a stream the
 * caller owns: no tensor, allocator or model of sagan4j needed, only a {@link KernelLibrary}.
 *
 * <p>A power iteration runs over a {@link WeightSet}: the caller lists its weights (device pointers and
 * (out, rest) sizes), allocates {@link WeightSet#descriptorBytes()} and {@link WeightSet#scratchBytes()}
 * of device memory, writes the descriptors once with {@link #bind}, and then calls
 * {@link #powerIteration} as often as it likes (the pointers are baked into the descriptors).
 *
 * <p>Versions ({@link #VERSIONS}): {@code grouped} — one cooperative launch for the whole set;
 * {@code chain} — the baseline composition, four multi-block phase launches per weight and iteration;
 * {@code simple} — one single-block launch per weight. chain and grouped give bitwise equal results.
 */
public final class SpectralNormKernels {
    public static final String GROUPED = "grouped";
    public static final String CHAIN = "chain";
    public static final String SIMPLE = "simple";
    public static final List<String> VERSIONS = List.of(GROUPED, CHAIN, SIMPLE);

    /** 64-bit words of one descriptor (struct SnDesc in the .cu file). */
    public static final int DESCRIPTOR_WORDS = 12;
    public static final int DESCRIPTOR_BYTES = DESCRIPTOR_WORDS * 8;
    /** Partial sums of the backward's ⟨G, W⟩ (also the most blocks its first kernel uses). */
    public static final int BACKWARD_PARTIALS = 1024;

    static final int THREADS = 256;
    static final int P1_ROWS = 64;
    static final int TILE = 256;
    static final int P3_ROWS = 8;
    static final int FCHUNK = 4096;

    private final KernelLibrary lib;
    private final boolean cooperative;
    private final int coResidentBlocks;

    /** Binds to the kernels of {@code lib}; queries the current device's cooperative-launch support. */
    public SpectralNormKernels(KernelLibrary lib) {
        this.lib = lib;
        CUdevice dev = new CUdevice();
        cuCtxGetDevice(dev);
        int[] attr = new int[1];
        cuDeviceGetAttribute(attr, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH, dev);
        this.cooperative = attr[0] != 0;
        int[] perSm = new int[1];
        cuOccupancyMaxActiveBlocksPerMultiprocessor(perSm, lib.function("sn_grouped"), THREADS, 0);
        this.coResidentBlocks = Math.max(1, perSm[0]) * lib.multiprocessors();
    }

    /** The versions this device can run ({@code grouped} needs cooperative launch). */
    public List<String> versions() {
        return cooperative ? VERSIONS : List.of(CHAIN, SIMPLE);
    }

    /** Blocks of the persistent grid of {@code grouped} when work is plentiful. */
    public int coResidentBlocks() {
        return coResidentBlocks;
    }

    // ---------------------------------------------------------------- the set of weights

    /** Weights to run together: their pointers, sizes, and the work items and scratch they need. */
    public static final class WeightSet {
        private final List<Entry> entries = new ArrayList<>();
        private long total1;
        private long total2;
        private long total3;
        private long totalF;
        private long scratchFloats;

        private record Entry(CUdeviceptr w, int out, int rest, CUdeviceptr u, CUdeviceptr v, CUdeviceptr sigma,
                             CUdeviceptr wSn, long begin1, long begin2, long begin3, long beginF, long scratchOffset) {
        }

        /**
         * Adds a weight W (out, rest) row-major with its u (out), v (rest), σ (1) and optional W/σ output
         * (null: not written; may equal w for the constraint mode's in-place W ← W/σ).
         */
        public WeightSet add(CUdeviceptr w, int out, int rest, CUdeviceptr u, CUdeviceptr v, CUdeviceptr sigma,
                             CUdeviceptr wSn) {
            if (out < 1 || rest < 1 || (long) out * rest > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("spectral norm weight (" + out + ", " + rest
                        + "): sizes must be >= 1 with at most 2^31-1 elements");
            }
            entries.add(new Entry(w, out, rest, u, v, sigma, wSn, total1, total2, total3, totalF, scratchFloats));
            total1 += (long) ceil(out, P1_ROWS) * ceil(rest, TILE);
            total2 += ceil(rest, TILE);
            total3 += ceil(out, P3_ROWS);
            totalF += finalItems(out, rest, wSn != null);
            scratchFloats += scratchFloats(out, rest);
            return this;
        }

        public int size() {
            return entries.size();
        }

        public long descriptorBytes() {
            return (long) entries.size() * DESCRIPTOR_BYTES;
        }

        public long scratchBytes() {
            return Math.max(1, scratchFloats) * Float.BYTES;
        }

        /** The largest number of work items of any phase (no point launching more blocks). */
        long maxItems() {
            return Math.max(Math.max(total1, total2), Math.max(total3, totalF));
        }
    }

    /** Scratch floats one weight needs (column partials, Wᵀu, Wv and their norm partials), 256-byte aligned. */
    public static long scratchFloats(int out, int rest) {
        long f = (long) ceil(out, P1_ROWS) * rest + rest + ceil(rest, TILE) + out + ceil(out, P3_ROWS);
        return (f + 63) / 64 * 64;
    }

    static long finalItems(int out, int rest, boolean wSn) {
        long chunks = wSn ? ((long) out * rest + FCHUNK - 1) / FCHUNK : 0;
        return ceil(rest, TILE) + ceil(out, P3_ROWS) + chunks;
    }

    private static int ceil(int a, int b) {
        return (a + b - 1) / b;
    }

    // ---------------------------------------------------------------- launches

    /**
     * Writes the descriptors of {@code set} into {@code descs} (its {@code descriptorBytes()}), with each
     * weight's scratch carved from {@code scratch} (its {@code scratchBytes()}). Queued on {@code stream}.
     */
    public void bind(WeightSet set, CUdeviceptr descs, CUdeviceptr scratch, CUstream stream) {
        CUdeviceptr none = new CUdeviceptr();
        for (int k = 0; k < set.entries.size(); k++) {
            WeightSet.Entry e = set.entries.get(k);
            KernelArgs a = KernelArgs.of().ptr(descs).i32(k).ptr(e.w()).ptr(e.u()).ptr(e.v()).ptr(e.sigma())
                    .ptr(e.wSn() != null ? e.wSn() : none).ptr(scratch.withByteOffset(e.scratchOffset() * Float.BYTES))
                    .i32(e.out()).i32(e.rest()).i64(e.begin1()).i64(e.begin2()).i64(e.begin3()).i64(e.beginF());
            lib.launch("sn_write_descriptor", 1, 1, 1, 32, 1, 1, 0, stream, a);
        }
    }

    /**
     * For every weight of {@code set}: {@code iters} power-iteration steps from its u (u updated, v and σ
     * written), or with {@code iters == 0} σ = uᵀWv from the given u, v; then W/σ where asked.
     *
     * @param descs the descriptors written by {@link #bind} for this set
     */
    public void powerIteration(String version, WeightSet set, CUdeviceptr descs, int iters, float eps, CUstream stream) {
        if (iters < 0 || !(eps > 0f)) {
            throw new IllegalArgumentException("iters must be >= 0 and eps > 0, got " + iters + ", " + eps);
        }
        switch (version) {
            case GROUPED -> grouped(set, descs, iters, eps, stream);
            case CHAIN -> {
                for (int k = 0; k < set.entries.size(); k++) {
                    chain(set.entries.get(k), descs, k, iters, eps, stream);
                }
            }
            case SIMPLE -> {
                for (int k = 0; k < set.entries.size(); k++) {
                    lib.launch("sn_simple", 1, 1, 1, THREADS, 1, 1, 0, stream,
                            KernelArgs.of().ptr(descs).i32(k).i32(iters).f32(eps));
                }
            }
            default -> throw new IllegalArgumentException("spectral norm has versions " + VERSIONS + ", not '" + version + "'");
        }
    }

    private void grouped(WeightSet set, CUdeviceptr descs, int iters, float eps, CUstream stream) {
        if (!cooperative) {
            throw new IllegalStateException("this device cannot launch cooperative kernels; use " + CHAIN);
        }
        int grid = (int) Math.max(1, Math.min(set.maxItems(), coResidentBlocks));
        KernelArgs a = KernelArgs.of().ptr(descs).i32(set.entries.size()).i32(iters).f32(eps)
                .i64(set.total1).i64(set.total2).i64(set.total3).i64(set.totalF);
        lib.launchCooperative("sn_grouped", grid, 1, 1, THREADS, 1, 1, 0, stream, a);
    }

    private void chain(WeightSet.Entry e, CUdeviceptr descs, int k, int iters, float eps, CUstream stream) {
        int p1 = ceil(e.out(), P1_ROWS) * ceil(e.rest(), TILE), p2 = ceil(e.rest(), TILE), p3 = ceil(e.out(), P3_ROWS);
        for (int it = 0; it < iters; it++) {
            int first = it == 0 ? 1 : 0;
            lib.launch("sn_phase1", p1, 1, 1, THREADS, 1, 1, 0, stream, KernelArgs.of().ptr(descs).i32(k).i32(first));
            lib.launch("sn_phase2", p2, 1, 1, THREADS, 1, 1, 0, stream,
                    KernelArgs.of().ptr(descs).i32(k).i32(first).f32(eps));
            lib.launch("sn_phase3", p3, 1, 1, THREADS, 1, 1, 0, stream,
                    KernelArgs.of().ptr(descs).i32(k).i32(0).f32(eps));
        }
        int eval = iters == 0 ? 1 : 0;
        if (iters == 0) {
            lib.launch("sn_phase3", p3, 1, 1, THREADS, 1, 1, 0, stream,
                    KernelArgs.of().ptr(descs).i32(k).i32(1).f32(eps));
        }
        long fin = finalItems(e.out(), e.rest(), e.wSn() != null);
        lib.launch("sn_final", (int) fin, 1, 1, THREADS, 1, 1, 0, stream,
                KernelArgs.of().ptr(descs).i32(k).i32(eval).f32(eps));
    }

    /** out ← w / σ over {@code n} elements (out may be w: the constraint mode's W ← W/σ). */
    public void divide(CUdeviceptr w, CUdeviceptr sigma, CUdeviceptr out, long n, CUstream stream) {
        lib.launch1d("sn_divide", n, stream, KernelArgs.of().ptr(out).ptr(w).ptr(sigma).i64(n));
    }

    /** Bytes of scratch {@link #backward} needs. */
    public static long backwardScratchBytes() {
        return (long) BACKWARD_PARTIALS * Float.BYTES;
    }

    /**
     * gradW ← (gradWSn − ⟨gradWSn, W/σ⟩·u vᵀ)/σ for W (out, rest); u, v, σ as the forward left them.
     * Two launches; {@code scratch}: {@link #backwardScratchBytes()}. gradW may equal gradWSn.
     */
    public void backward(CUdeviceptr w, int out, int rest, CUdeviceptr u, CUdeviceptr v, CUdeviceptr sigma,
                         CUdeviceptr gradWSn, CUdeviceptr gradW, CUdeviceptr scratch, CUstream stream) {
        backward(w, out, rest, u, v, sigma, gradWSn, gradW, scratch, false, stream);
    }

    /** {@link #backward} with {@code accumulate}: gradW += dW (gradW must not alias gradWSn then). */
    public void backward(CUdeviceptr w, int out, int rest, CUdeviceptr u, CUdeviceptr v, CUdeviceptr sigma,
                         CUdeviceptr gradWSn, CUdeviceptr gradW, CUdeviceptr scratch, boolean accumulate, CUstream stream) {
        long n = (long) out * rest;
        int parts = backwardPartials(n);
        lib.launch("sn_backward_dot", parts, 1, 1, THREADS, 1, 1, 0, stream,
                KernelArgs.of().ptr(gradWSn).ptr(w).i64(n).ptr(scratch));
        int grid = Math.max(1, Math.min(out, lib.multiprocessors() * 8));
        lib.launch("sn_backward_apply", grid, 1, 1, THREADS, 1, 1, 0, stream,
                KernelArgs.of().ptr(gradW).ptr(gradWSn).ptr(u).ptr(v).ptr(sigma).ptr(scratch).i32(parts)
                        .i32(out).i32(rest).i32(accumulate ? 1 : 0));
    }

    /** Blocks of the ⟨G, W⟩ reduction: a function of the size only, so the sum order never changes. */
    static int backwardPartials(long n) {
        return (int) Math.max(1, Math.min(BACKWARD_PARTIALS, (n + 8191) / 8192));
    }
}
