package sagan4j.cuda.attention;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import sagan4j.backend.Backend.GemmShape;
import sagan4j.backend.GemmMath;
import sagan4j.cuda.gemm.GemmPath;
import sagan4j.cuda.runtime.KernelArgs;
import sagan4j.cuda.runtime.KernelLibrary;

/**
 * The attention kernels of {@code kernels/attention.cu} on raw device memory and a caller's stream: no
 * tensor, allocator or backend needed, only a {@link KernelLibrary} ({@code KernelLibrary.forCurrentContext()}).
 *
 * <p>Layout: row-major float32, {@code q} (B, N, d), {@code k} (B, M, d), {@code v} (B, M, c), {@code o} and
 * {@code gradO} (B, N, c), {@code lse} (B, N): o = softmax over M of (scale·q kᵀ) · v, lse the log-sum-exp of
 * each row of scale·q kᵀ. Outputs are fully overwritten and must not overlap the inputs. Every call only
 * queues kernels on {@code stream}: no allocation, no host synchronisation.
 *
 * <p>Versions: {@code fused} (flash-attention style, S and P stay on chip; forward needs d ≤ 64, backward
 * d ≤ 32 with c ≤ 96 or d ≤ 64 with c ≤ 64: {@link #fusedBackwardSupports}), {@code simple} (any d and c; the online softmax in its plainest form, and one thread
 * per gradient element), {@code baseline} (GEMM → softmax kernel → GEMM through a {@link GemmPath} whose
 * handle issues on the same stream, with an S/P scratch of {@link #baselineForwardScratchBytes} bytes).
 * The backward of {@code simple} needs {@link #backwardScratchBytes} bytes of scratch (D), that of
 * {@code fused} {@link #fusedBackwardScratchBytes} (D, and the split-N partial sums of grad_k and grad_v).
 */
public final class AttentionKernels {
    /** Largest d of the fused kernels. */
    public static final int FUSED_MAX_D = 64;
    /** Largest c of the fused backward kernels (at d ≤ 32; {@link #fusedBackwardSupports} has the whole rule). */
    public static final int FUSED_BACKWARD_MAX_C = 96;

    private static final int FORWARD_ROWS = 64;   // query rows per block of the tiled forward
    private static final int BACKWARD_TILE = 32;  // rows / keys per block of the fused backward
    private static final int THREADS = 128;
    private static final int SIMPLE_COLUMNS = 128;
    private static final int ROW_THREADS = 256;   // softmax_rows, ds, rowdot: 8 warps, one row each
    private static final int MAX_GRID_Z = 65535;
    /** The d tiles (DM) the fused kernels are instantiated for: a shape uses the smallest DM ≥ d. */
    private static final int[] D_TILES = {32, 64};
    private static final int[] TILE_COLUMNS = {32, 64, 96};
    /** The (DM, CMAX) pairs of the fused backward (attention.cu's ATT_BACKWARD_FUSED): (64, 96) does not fit 48 KiB. */
    private static final int[][] BACKWARD_TILES = {{32, 32}, {32, 64}, {32, 96}, {64, 32}, {64, 64}};
    /** Blocks the split-N dk/dv grid aims at per SM: about one full wave at the kernels' 4–5 resident blocks. */
    private static final int DKDV_BLOCKS_PER_SM = 4;
    /**
     * Each split of N walks at least this many 32-row tiles (256 rows): shorter walks do not leave SMs idle for
     * long, and the partial sums (8·S·B·M·(d + c) bytes) would cost more than they save (SAGAN-32: N 256).
     */
    private static final int DKDV_MIN_TILES_PER_SPLIT = 8;

    private final KernelLibrary kernels;

    public AttentionKernels(KernelLibrary kernels) {
        this.kernels = kernels;
    }

    public static boolean fusedForwardSupports(int d, int c) {
        return d <= FUSED_MAX_D;
    }

    public static boolean fusedBackwardSupports(int d, int c) {
        return backwardTile(d, c) != null;
    }

    /** Why the fused kernels do not cover (d, c), or null when they do: the one line a fallback prints. */
    public static String fusedUnsupportedReason(boolean backward, int d, int c) {
        if (!backward) {
            return fusedForwardSupports(d, c) ? null : "the fused forward needs d <= " + FUSED_MAX_D + ", got d=" + d;
        }
        if (fusedBackwardSupports(d, c)) {
            return null;
        }
        return "the fused backward needs d <= 32 with c <= " + FUSED_BACKWARD_MAX_C + ", or d <= " + FUSED_MAX_D
                + " with c <= 64; got d=" + d + ", c=" + c;
    }

    /** The instantiated (DM, CMAX) of the fused backward for (d, c): the smallest DM ≥ d, then CMAX ≥ c; or null. */
    static int[] backwardTile(int d, int c) {
        for (int[] t : BACKWARD_TILES) {
            if (d <= t[0] && c <= t[1] && (d > 32 || t[0] == 32)) {
                return t;
            }
        }
        return null;
    }

    /** The d tile of the fused forward for d (≤ {@value #FUSED_MAX_D}). */
    static int forwardDTile(int d) {
        for (int dm : D_TILES) {
            if (d <= dm) {
                return dm;
            }
        }
        throw new IllegalArgumentException("attention: no fused d tile for d=" + d);
    }

    /**
     * How the fused dk/dv kernel splits N: {splits, rows per split}. A block owns 32 keys of one batch entry, so
     * B·⌈M/32⌉ blocks can be too few to fill the GPU (BigGAN-128 at B 8: 256 blocks on 132 SMs); then N is cut
     * into S chunks of whole 32-row tiles (grid.y = S) until there are about {@value #DKDV_BLOCKS_PER_SM} blocks
     * per SM, each chunk at least {@value #DKDV_MIN_TILES_PER_SPLIT} tiles, and a fixed-order second pass adds
     * the S partial sums. Depends only on the shape and the SM count: the same on every run.
     */
    static int[] dkdvSplit(int batch, int n, int m, int multiprocessors) {
        long keyBlocks = (long) ceil(m, BACKWARD_TILE) * batch;
        int tiles = ceil(n, BACKWARD_TILE);
        long target = (long) DKDV_BLOCKS_PER_SM * multiprocessors;
        long wanted = keyBlocks >= target ? 1 : (target + keyBlocks - 1) / keyBlocks;
        int splits = (int) Math.max(1, Math.min(wanted, tiles / DKDV_MIN_TILES_PER_SPLIT));
        int tilesPerSplit = ceil(tiles, splits);
        splits = ceil(tiles, tilesPerSplit);
        return new int[] {splits, tilesPerSplit * BACKWARD_TILE};
    }

    /** The split of N this device uses for (batch, n, m): {splits, rows per split}. */
    public int[] dkdvSplit(int batch, int n, int m) {
        return dkdvSplit(batch, n, m, kernels.multiprocessors());
    }

    /**
     * Scratch bytes of {@link #backwardFused} on this device: D (B, N) floats, then — when N is split — the
     * S partial copies of grad_k (B, M, d) and grad_v (B, M, c), 16-byte aligned.
     */
    public long fusedBackwardScratchBytes(int batch, int n, int m, int d, int c) {
        int splits = dkdvSplit(batch, n, m)[0];
        long head = align16(backwardScratchBytes(batch, n));
        return splits == 1 ? head : head + 4L * splits * ((long) batch * m * d + (long) batch * m * c);
    }

    private static long align16(long bytes) {
        return (bytes + 15) / 16 * 16;
    }

    /** Scratch bytes of {@link #backwardFused} and {@link #backwardSimple}: D, (B, N) floats. */
    public static long backwardScratchBytes(int batch, int n) {
        return 4L * batch * n;
    }

    /** Scratch bytes of {@link #forwardBaseline}: S then P, (B, N, M) floats. */
    public static long baselineForwardScratchBytes(int batch, int n, int m) {
        return 4L * batch * n * m;
    }

    /** Scratch bytes of {@link #backwardBaseline}: P and dP/dS, 2 × (B, N, M) floats. */
    public static long baselineBackwardScratchBytes(int batch, int n, int m) {
        return 8L * batch * n * m;
    }

    // ---------------------------------------------------------------- forward

    /** The tiled flash-attention forward; d ≤ {@value #FUSED_MAX_D}, any c (column chunks of CT). */
    public void forwardFused(CUdeviceptr q, CUdeviceptr k, CUdeviceptr v, CUdeviceptr o, CUdeviceptr lse,
                             int batch, int n, int m, int d, int c, float scale, CUstream stream) {
        checkDims(batch, n, m, d, c);
        if (!fusedForwardSupports(d, c)) {
            throw new IllegalArgumentException("attention forwardFused: d must be <= " + FUSED_MAX_D + ", got " + d
                    + " (use forwardSimple)");
        }
        int ct = tileColumns(c, d);
        String kernel = "attention_forward_tiled_d" + forwardDTile(d) + "_c" + ct + "_f32";
        for (int b0 = 0; b0 < batch; b0 += MAX_GRID_Z) {
            int nb = Math.min(MAX_GRID_Z, batch - b0);
            KernelArgs args = KernelArgs.of().ptr(at(q, b0, (long) n * d)).ptr(at(k, b0, (long) m * d))
                    .ptr(at(v, b0, (long) m * c)).ptr(at(o, b0, (long) n * c)).ptr(at(lse, b0, n))
                    .i32(n).i32(m).i32(d).i32(c).f32(scale);
            kernels.launch(kernel, ceil(n, FORWARD_ROWS), ceil(c, ct), nb, THREADS, 1, 1, 0, stream, args);
        }
    }

    /** One block per (query row, 128 output columns), online softmax per key; any d and c. */
    public void forwardSimple(CUdeviceptr q, CUdeviceptr k, CUdeviceptr v, CUdeviceptr o, CUdeviceptr lse,
                              int batch, int n, int m, int d, int c, float scale, CUstream stream) {
        checkDims(batch, n, m, d, c);
        for (int b0 = 0; b0 < batch; b0 += MAX_GRID_Z) {
            int nb = Math.min(MAX_GRID_Z, batch - b0);
            KernelArgs args = KernelArgs.of().ptr(at(q, b0, (long) n * d)).ptr(at(k, b0, (long) m * d))
                    .ptr(at(v, b0, (long) m * c)).ptr(at(o, b0, (long) n * c)).ptr(at(lse, b0, n))
                    .i32(n).i32(m).i32(d).i32(c).f32(scale);
            kernels.launch("attention_forward_simple_f32", n, ceil(c, SIMPLE_COLUMNS), nb, SIMPLE_COLUMNS, 1, 1, 0,
                    stream, args);
        }
    }

    /**
     * The baseline composition: S = scale·q kᵀ (GEMM into {@code scratch}), softmax of each row in place
     * (writes lse), o = P v (GEMM). {@code gemm} must issue on {@code stream}; FP32 arithmetic.
     */
    public void forwardBaseline(GemmPath gemm, CUdeviceptr scratch, CUdeviceptr q, CUdeviceptr k, CUdeviceptr v,
                                CUdeviceptr o, CUdeviceptr lse, int batch, int n, int m, int d, int c, float scale,
                                CUstream stream) {
        checkDims(batch, n, m, d, c);
        gemm.gemm(new GemmShape(false, true, batch, n, m, d, true, true), scale, q, k, 0f, scratch, GemmMath.FP32);
        softmaxRows(scratch, lse, (long) batch * n, m, stream);
        gemm.gemm(new GemmShape(false, false, batch, n, c, m, true, true), 1f, scratch, v, 0f, o, GemmMath.FP32);
    }

    /** P = softmax of each row of S (rows, M) in place; lse (rows) ← its log-sum-exp. */
    public void softmaxRows(CUdeviceptr s, CUdeviceptr lse, long rows, int m, CUstream stream) {
        kernels.launch("attention_softmax_rows_f32", rowBlocks(rows), 1, 1, ROW_THREADS, 1, 1, 0, stream,
                KernelArgs.of().ptr(s).ptr(lse).i64(rows).i32(m));
    }

    // ---------------------------------------------------------------- backward

    /**
     * The fused backward: D = rowsum(gradO ⊙ o) into {@code scratch}, then one kernel for grad_k and grad_v
     * (a block owns 32 keys and walks its split of N: {@link #dkdvSplit}; with more than one split a second
     * kernel adds the partial sums in split order) and one for grad_q (a block owns 32 rows), P and dS
     * recomputed from lse on chip. Shapes: {@link #fusedBackwardSupports}. {@code scratch}: {@link
     * #fusedBackwardScratchBytes} bytes. Deterministic (no atomics, fixed summation order).
     */
    public void backwardFused(CUdeviceptr q, CUdeviceptr k, CUdeviceptr v, CUdeviceptr o, CUdeviceptr lse,
                              CUdeviceptr gradO, CUdeviceptr gradQ, CUdeviceptr gradK, CUdeviceptr gradV,
                              CUdeviceptr scratch, int batch, int n, int m, int d, int c, float scale,
                              CUstream stream) {
        checkDims(batch, n, m, d, c);
        String unsupported = fusedUnsupportedReason(true, d, c);
        if (unsupported != null) {
            throw new IllegalArgumentException("attention backwardFused: " + unsupported + " (use backwardSimple)");
        }
        rowDot(scratch, gradO, o, (long) batch * n, c, stream);
        int[] tile = backwardTile(d, c);
        String suffix = "_d" + tile[0] + "_c" + tile[1] + "_f32";
        int[] split = dkdvSplit(batch, n, m);
        int splits = split[0], rowsPerSplit = split[1];
        long nk = (long) batch * m * d, nv = (long) batch * m * c;
        // S > 1: the S partial copies of grad_k then grad_v follow D in the scratch; S = 1: the outputs direct
        CUdeviceptr partK = splits == 1 ? gradK : scratch.withByteOffset(align16(backwardScratchBytes(batch, n)));
        CUdeviceptr partV = splits == 1 ? gradV : partK.withByteOffset(4L * splits * nk);
        long strideK = splits == 1 ? 0 : nk, strideV = splits == 1 ? 0 : nv;
        for (int b0 = 0; b0 < batch; b0 += MAX_GRID_Z) {
            int nb = Math.min(MAX_GRID_Z, batch - b0);
            CUdeviceptr qb = at(q, b0, (long) n * d), kb = at(k, b0, (long) m * d), vb = at(v, b0, (long) m * c),
                    gob = at(gradO, b0, (long) n * c), lb = at(lse, b0, n), db = at(scratch, b0, n);
            kernels.launch("attention_backward_dkdv" + suffix, ceil(m, BACKWARD_TILE), splits, nb, THREADS, 1, 1, 0,
                    stream, KernelArgs.of().ptr(qb).ptr(kb).ptr(vb).ptr(gob).ptr(lb).ptr(db)
                            .ptr(at(partK, b0, (long) m * d)).ptr(at(partV, b0, (long) m * c))
                            .i32(n).i32(m).i32(d).i32(c).f32(scale).i32(rowsPerSplit).i64(strideK).i64(strideV));
            kernels.launch("attention_backward_dq" + suffix, ceil(n, BACKWARD_TILE), 1, nb, THREADS, 1, 1, 0,
                    stream, KernelArgs.of().ptr(qb).ptr(kb).ptr(vb).ptr(gob).ptr(lb).ptr(db)
                            .ptr(at(gradQ, b0, (long) n * d))
                            .i32(n).i32(m).i32(d).i32(c).f32(scale));
        }
        if (splits > 1) {
            kernels.launch1d("attention_sum_splits_f32", nk + nv, stream, KernelArgs.of().ptr(gradK).ptr(partK)
                    .i64(nk).ptr(gradV).ptr(partV).i64(nv).i32(splits));
        }
    }

    /** D into {@code scratch}, then one thread per element of grad_v, grad_k, grad_q; any d and c. */
    public void backwardSimple(CUdeviceptr q, CUdeviceptr k, CUdeviceptr v, CUdeviceptr o, CUdeviceptr lse,
                               CUdeviceptr gradO, CUdeviceptr gradQ, CUdeviceptr gradK, CUdeviceptr gradV,
                               CUdeviceptr scratch, int batch, int n, int m, int d, int c, float scale,
                               CUstream stream) {
        checkDims(batch, n, m, d, c);
        rowDot(scratch, gradO, o, (long) batch * n, c, stream);
        kernels.launch1d("attention_backward_simple_dv_f32", (long) batch * m * c, stream, KernelArgs.of()
                .ptr(gradV).ptr(q).ptr(k).ptr(gradO).ptr(lse).i32(batch).i32(n).i32(m).i32(d).i32(c).f32(scale));
        kernels.launch1d("attention_backward_simple_dk_f32", (long) batch * m * d, stream, KernelArgs.of()
                .ptr(gradK).ptr(q).ptr(k).ptr(v).ptr(gradO).ptr(lse).ptr(scratch)
                .i32(batch).i32(n).i32(m).i32(d).i32(c).f32(scale));
        kernels.launch1d("attention_backward_simple_dq_f32", (long) batch * n * d, stream, KernelArgs.of()
                .ptr(gradQ).ptr(q).ptr(k).ptr(v).ptr(gradO).ptr(lse).ptr(scratch)
                .i32(batch).i32(n).i32(m).i32(d).i32(c).f32(scale));
    }

    /**
     * The baseline backward: GEMM S, P = exp(S − lse), GEMMs grad_v = Pᵀ gradO and dP = gradO vᵀ, dS = P ⊙
     * (dP − rowsum(gradO ⊙ o)), GEMMs grad_q = scale·dS k and grad_k = scale·dSᵀ q. {@code scratch} holds
     * {@link #baselineBackwardScratchBytes} bytes; {@code gemm} issues on {@code stream}.
     */
    public void backwardBaseline(GemmPath gemm, CUdeviceptr scratch, CUdeviceptr q, CUdeviceptr k, CUdeviceptr v,
                                 CUdeviceptr o, CUdeviceptr lse, CUdeviceptr gradO, CUdeviceptr gradQ,
                                 CUdeviceptr gradK, CUdeviceptr gradV, int batch, int n, int m, int d, int c,
                                 float scale, CUstream stream) {
        checkDims(batch, n, m, d, c);
        long rows = (long) batch * n;
        CUdeviceptr p = scratch, ds = scratch.withByteOffset(4L * rows * m);
        gemm.gemm(new GemmShape(false, true, batch, n, m, d, true, true), scale, q, k, 0f, p, GemmMath.FP32);
        kernels.launch1d("attention_probs_from_lse_f32", rows * m, stream,
                KernelArgs.of().ptr(p).ptr(lse).i64(rows).i32(m));
        gemm.gemm(new GemmShape(true, false, batch, m, c, n, true, true), 1f, p, gradO, 0f, gradV, GemmMath.FP32);
        gemm.gemm(new GemmShape(false, true, batch, n, m, c, true, true), 1f, gradO, v, 0f, ds, GemmMath.FP32);
        kernels.launch("attention_ds_f32", rowBlocks(rows), 1, 1, ROW_THREADS, 1, 1, 0, stream,
                KernelArgs.of().ptr(ds).ptr(p).ptr(gradO).ptr(o).i64(rows).i32(m).i32(c));
        gemm.gemm(new GemmShape(false, false, batch, n, d, m, true, true), scale, ds, k, 0f, gradQ, GemmMath.FP32);
        gemm.gemm(new GemmShape(true, false, batch, m, d, n, true, true), scale, ds, q, 0f, gradK, GemmMath.FP32);
    }

    // ---------------------------------------------------------------- helpers

    /** D (rows) ← rowsum(gradO ⊙ o) over c. */
    private void rowDot(CUdeviceptr dst, CUdeviceptr gradO, CUdeviceptr o, long rows, int c, CUstream stream) {
        kernels.launch("attention_rowdot_f32", rowBlocks(rows), 1, 1, ROW_THREADS, 1, 1, 0, stream,
                KernelArgs.of().ptr(dst).ptr(gradO).ptr(o).i64(rows).i32(c));
    }

    /**
     * Output columns per block of the tiled forward. Each column chunk recomputes the scores (about d + 16
     * operations per (row, key): the dot product, the softmax, the rescale) and pays for its padded columns,
     * so the cost is chunks·(d + 16) + chunks·CT; the cheapest wins, the wider on a tie.
     */
    static int tileColumns(int c, int d) {
        int best = TILE_COLUMNS[0];
        long bestCost = Long.MAX_VALUE;
        for (int ct : TILE_COLUMNS) {
            long chunks = ceil(c, ct);
            long cost = chunks * (d + 16L) + chunks * ct;
            if (cost <= bestCost) {
                best = ct;
                bestCost = cost;
            }
        }
        return best;
    }

    private static int rowBlocks(long rows) {
        long blocks = (rows + 7) / 8;   // 8 warps of 256 threads, one row each
        if (blocks > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("attention: " + rows + " rows exceed one launch");
        }
        return (int) blocks;
    }

    private static int ceil(int a, int b) {
        return (a + b - 1) / b;
    }

    private static CUdeviceptr at(CUdeviceptr p, int batchIndex, long perBatch) {
        return batchIndex == 0 ? p : p.withByteOffset(4L * batchIndex * perBatch);
    }

    private static void checkDims(int batch, int n, int m, int d, int c) {
        if (batch < 1 || n < 1 || m < 1 || d < 1 || c < 1) {
            throw new IllegalArgumentException("attention: every size must be >= 1, got B=" + batch + ", N=" + n
                    + ", M=" + m + ", d=" + d + ", c=" + c);
        }
    }
}
