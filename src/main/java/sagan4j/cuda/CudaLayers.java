package sagan4j.cuda;

import java.util.List;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import sagan4j.backend.Backend;
import sagan4j.backend.LayerOps;
import sagan4j.backend.Tensor;
import sagan4j.cuda.runtime.CudaStorage;
import sagan4j.cuda.runtime.DeviceAllocator;
import sagan4j.cuda.runtime.KernelArgs;
import sagan4j.cuda.runtime.KernelLibrary;

/**
 * Launches of kernels/layers.cu for the backend's NCHW layer primitives; the CPU reference of each is
 * sagan4j.reference.ReferenceLayers. Owns the small scratch buffers of the two-stage reductions (dot product, bias
 * gradient) and of the class-sorted label order; each grows to the largest shape seen and is then reused.
 */
final class CudaLayers extends LayerOps implements AutoCloseable {
    /** Blocks of the dot product's first stage: enough to fill any current GPU, a fixed count for determinism. */
    private static final int DOT_BLOCKS = 256;
    /** Threads per block of channel_bias_grad_partial_f32 (layers.cu's LAYERS_REDUCE_THREADS). */
    private static final int REDUCE_THREADS = 256;
    /** The bias gradient aims at this many blocks per SM when it splits channels (few channels, big planes). */
    private static final int BIAS_BLOCKS_PER_SM = 4;
    /** ... and gives each block at least this many elements per thread. */
    private static final int BIAS_MIN_PER_THREAD = 4;
    /** Threads of cbn_labels_by_class (cond_batchnorm.cu's CBN_BLOCK). */
    private static final int SORT_THREADS = 256;

    private final KernelLibrary kernels;
    private final CUstream stream;
    private final DeviceAllocator allocator;
    private DeviceAllocator.Block dotPartials;
    private DeviceAllocator.Block biasPartials;
    private DeviceAllocator.Block labelOrder;

    CudaLayers(Backend backend, KernelLibrary kernels, CUstream stream, DeviceAllocator allocator) {
        super(backend, List.of("cuda"));
        this.kernels = kernels;
        this.stream = stream;
        this.allocator = allocator;
    }

    private static CUdeviceptr p(Tensor t) {
        return t.storage(CudaStorage.class).ptr();
    }

    private static long inner(Tensor t) {
        return t.size() / ((long) t.dim(0) * t.dim(1));
    }

    @Override
    protected void doAddChannelBias(Tensor x, Tensor bias) {
        kernels.launch1d("add_channel_bias_f32", x.size(), stream,
                KernelArgs.of().ptr(p(x)).ptr(p(bias)).i32(x.dim(1)).i64(inner(x)).i64(x.size()));
    }

    /**
     * dbias[c] = Σ over b, j of dy[b, c, j]: grid (S, C), each channel's B·inner values cut into S chunks
     * ({@link #biasSplits}); S = 1 writes dbias directly, else a second kernel adds the S partials per channel
     * in order.
     */
    @Override
    protected void doAddChannelBiasActivation(Tensor x, Tensor bias, Backend.Activation f, float slope, Tensor y) {
        kernels.launch1d("bias_activation_f32", x.size(), stream, KernelArgs.of().ptr(p(x)).ptr(p(bias)).ptr(p(y))
                .i32(Epilogues.code(f)).f32(slope).i32(x.dim(1)).i64(inner(x)).i64(x.size()));
    }

    @Override
    protected void doChannelBiasGrad(Tensor dy, Tensor dBias) {
        int batch = dy.dim(0), channels = dy.dim(1);
        long inner = inner(dy);
        int splits = biasSplits(channels, (long) batch * inner, kernels.multiprocessors());
        if (splits > 1) {
            biasPartials = atLeast(biasPartials, 4L * channels * splits);
        }
        CUdeviceptr partial = splits == 1 ? p(dBias) : biasPartials.ptr();
        kernels.launch("channel_bias_grad_partial_f32", splits, channels, 1, REDUCE_THREADS, 1, 1, 0, stream,
                KernelArgs.of().ptr(p(dy)).ptr(partial).i32(batch).i32(channels).i64(inner));
        if (splits > 1) {
            kernels.launch1d("channel_bias_grad_final_f32", channels, stream,
                    KernelArgs.of().ptr(partial).ptr(p(dBias)).i32(channels).i32(splits));
        }
    }

    /**
     * Blocks per channel of the bias gradient: 1 when the channels alone give about {@value #BIAS_BLOCKS_PER_SM}
     * blocks per SM, else enough to get there (3 channels at 128×128 on 132 SMs: 176 each), but never so many
     * that a block has fewer than {@value #BIAS_MIN_PER_THREAD} values per thread; grid y holds 65535 channels.
     */
    static int biasSplits(int channels, long perChannel, int multiprocessors) {
        if (channels > MAX_GRID_YZ) {
            throw new sagan4j.backend.ShapeException("channelBiasGrad: " + channels + " channels exceed the kernel's grid ("
                    + MAX_GRID_YZ + " at most)");
        }
        long target = (long) BIAS_BLOCKS_PER_SM * multiprocessors;
        long wanted = (target + channels - 1) / channels;
        long byWork = Math.max(1, perChannel / ((long) REDUCE_THREADS * BIAS_MIN_PER_THREAD));
        return (int) Math.max(1, Math.min(Math.min(wanted, byWork), 65535));
    }

    /** A scratch block of at least {@code bytes}: the one given when large enough, else a new one (the old freed). */
    private DeviceAllocator.Block atLeast(DeviceAllocator.Block have, long bytes) {
        if (have != null && have.bytes() >= bytes) {
            return have;
        }
        if (have != null) {
            allocator.free(have);   // stream-ordered: later work only
        }
        return allocator.allocate(bytes);
    }

    @Override
    protected void doResample(Resample op, Tensor x, Tensor y, Tensor argmax) {
        Tensor small = op == Resample.UPSAMPLE ? x : y;
        KernelArgs args = KernelArgs.of().ptr(p(x)).ptr(p(y));
        if (op == Resample.MAX_POOL) {
            args.ptr(p(argmax));
        }
        args.i32(small.dim(2)).i32(small.dim(3)).i64(y.size());
        String kernel = switch (op) {
            case UPSAMPLE -> "upsample2x_f32";
            case AVG_POOL -> "avgpool2x2_f32";
            case MAX_POOL -> "maxpool2x2_f32";
        };
        kernels.launch1d(kernel, y.size(), stream, args);
    }

    @Override
    protected void doResampleBackward(Resample op, Tensor dy, Tensor dx, Tensor argmax) {
        Tensor small = op == Resample.UPSAMPLE ? dx : dy;
        KernelArgs args = KernelArgs.of().ptr(p(dy));
        if (op == Resample.MAX_POOL) {
            args.ptr(p(argmax));
        }
        args.ptr(p(dx)).i32(small.dim(2)).i32(small.dim(3)).i64(dx.size());
        String kernel = switch (op) {
            case UPSAMPLE -> "upsample2x_backward_f32";
            case AVG_POOL -> "avgpool2x2_backward_f32";
            case MAX_POOL -> "maxpool2x2_backward_f32";
        };
        kernels.launch1d(kernel, dx.size(), stream, args);
    }

    @Override
    protected void doSumHW(Tensor x, Tensor y) {
        long rows = y.size();
        int warpsPerBlock = 8;
        int grid = (int) ((rows + warpsPerBlock - 1) / warpsPerBlock);
        kernels.launch("sum_hw_f32", grid, 1, 1, 32 * warpsPerBlock, 1, 1, 0, stream,
                KernelArgs.of().ptr(p(x)).ptr(p(y)).i64(inner(x)).i64(rows));
    }

    @Override
    protected void doSumHWBackward(Tensor dy, Tensor dx) {
        kernels.launch1d("sum_hw_backward_f32", dx.size(), stream,
                KernelArgs.of().ptr(p(dy)).ptr(p(dx)).i64(inner(dx)).i64(dx.size()));
    }

    @Override
    protected void doConcat(List<Tensor> parts, Tensor whole, boolean toWhole) {
        long rows = whole.dim(0), wholeRow = whole.size() / rows, offset = 0;
        for (Tensor part : parts) {
            long len = part.size() / rows;
            KernelArgs args = toWhole
                    ? KernelArgs.of().ptr(p(part)).i64(len).i64(0).ptr(p(whole)).i64(wholeRow).i64(offset)
                    : KernelArgs.of().ptr(p(whole)).i64(wholeRow).i64(offset).ptr(p(part)).i64(len).i64(0);
            kernels.launch1d("copy_rows_f32", rows * len, stream, args.i64(rows).i64(len));
            offset += len;
        }
    }

    @Override
    protected void doGatherRows(Tensor table, Tensor labels, Tensor out) {
        kernels.launch1d("gather_rows_f32", out.size(), stream, KernelArgs.of().ptr(p(table)).ptr(p(labels))
                .ptr(p(out)).i32(table.dim(0)).i32(table.dim(1)).i64(out.size()));
    }

    /**
     * dTable[k] += the rows of dOut whose label is k, in ascending b: the labels are first sorted by class
     * (cond_batchnorm.cu's cbn_labels_by_class, one block), then one thread per (k, d) walks only its class's
     * samples, instead of every thread scanning all B labels.
     */
    @Override
    protected void doScatterAddRows(Tensor dOut, Tensor labels, Tensor dTable) {
        int batch = dOut.dim(0), classes = dTable.dim(0), width = dTable.dim(1);
        long startBytes = (4L * (classes + 1) + 15) / 16 * 16;
        labelOrder = atLeast(labelOrder, startBytes + 4L * batch);
        CUdeviceptr start = labelOrder.ptr(), order = start.withByteOffset(startBytes);
        kernels.launch("cbn_labels_by_class", 1, 1, 1, SORT_THREADS, 1, 1, 0, stream,
                KernelArgs.of().ptr(p(labels)).i32(batch).i32(classes).ptr(start).ptr(order));
        kernels.launch1d("scatter_add_rows_sorted_f32", dTable.size(), stream, KernelArgs.of().ptr(p(dOut))
                .ptr(start).ptr(order).ptr(p(dTable)).i32(classes).i32(width));
    }

    @Override
    protected void doAxpyScalar(Tensor s, Tensor x, Tensor y) {
        kernels.launch1d("axpy_scalar_f32", x.size(), stream,
                KernelArgs.of().ptr(p(s)).ptr(p(x)).ptr(p(y)).i64(x.size()));
    }

    @Override
    protected void doDot(Tensor a, Tensor b, Tensor out) {
        if (dotPartials == null) {
            dotPartials = allocator.allocate(DOT_BLOCKS * 4L);
        }
        kernels.launch("dot_partial_f32", DOT_BLOCKS, 1, 1, 256, 1, 1, 0, stream,
                KernelArgs.of().ptr(p(a)).ptr(p(b)).ptr(dotPartials.ptr()).i64(a.size()));
        kernels.launch("dot_final_f32", 1, 1, 1, 256, 1, 1, 0, stream,
                KernelArgs.of().ptr(dotPartials.ptr()).ptr(p(out)).i32(DOT_BLOCKS));
    }

    /** Grid y and z hold at most this many blocks. */
    private static final int MAX_GRID_YZ = 65535;

    @Override
    protected void doTranspose(Tensor x, Tensor y) {
        int batch = x.rank() == 3 ? x.dim(0) : 1, r = x.dim(-2), c = x.dim(-1);
        if ((r + 31) / 32 > MAX_GRID_YZ) {
            throw new sagan4j.backend.ShapeException("transpose: " + r + " rows exceed the kernel's grid ("
                    + 32L * MAX_GRID_YZ + " at most)");
        }
        // 32×32 tiles through shared memory: block (32, 8), grid (⌈C/32⌉, ⌈R/32⌉, batch), batches split at 65535
        long perMatrix = 4L * r * c;
        for (int first = 0; first < batch; first += MAX_GRID_YZ) {
            int count = Math.min(MAX_GRID_YZ, batch - first);
            CUdeviceptr xs = p(x).withByteOffset(first * perMatrix), ys = p(y).withByteOffset(first * perMatrix);
            kernels.launch("transpose_f32", (c + 31) / 32, (r + 31) / 32, count, 32, 8, 1, 0, stream,
                    KernelArgs.of().ptr(xs).ptr(ys).i32(r).i32(c));
        }
    }

    @Override
    protected void doZeroDiagonal(Tensor m) {
        int n = m.dim(-1);
        long count = (m.rank() == 3 ? m.dim(0) : 1) * (long) n;
        kernels.launch1d("zero_diagonal_f32", count, stream, KernelArgs.of().ptr(p(m)).i32(n).i64(count));
    }

    @Override
    public void close() {
        for (DeviceAllocator.Block b : new DeviceAllocator.Block[] {dotPartials, biasPartials, labelOrder}) {
            if (b != null) {
                allocator.free(b);
            }
        }
        dotPartials = null;
        biasPartials = null;
        labelOrder = null;
    }
}
