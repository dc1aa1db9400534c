package sagan4j.cuda.optim;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ObjIntConsumer;

import jcuda.driver.CUdeviceptr;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;
import sagan4j.cuda.runtime.CudaDevice;
import sagan4j.cuda.runtime.KernelArgs;

/**
 * The device memory of one multi-tensor apply (kernels/optim.cu): an entry per tensor (written by the caller's
 * *_write_entry launches), the chunk list (tensor index, chunk number inside it), int32 pairs, every tensor cut
 * into {@link #CHUNK}-element chunks that never cross its end, and, for Adam, one step counter per chunk (int64).
 * Allocated once, so the addresses a captured graph holds stay valid until {@link #close}.
 */
final class MultiTensorTable implements AutoCloseable {
    /** Elements per chunk: OPTIM_CHUNK in kernels/optim.cu. */
    static final int CHUNK = 4096;
    /** Threads per block: SAGAN_BLOCK. */
    static final int BLOCK = 256;
    /** sizeof(AdamEntry): four pointers and an int64. */
    static final int ADAM_ENTRY_BYTES = 40;
    /** sizeof(EmaEntry): two pointers and two int64. */
    static final int EMA_ENTRY_BYTES = 32;
    /** sizeof(ZeroEntry): a pointer and an int64. */
    static final int ZERO_ENTRY_BYTES = 16;

    private final CudaDevice cuda;
    private final List<Tensor> owned = new ArrayList<>();
    private final Tensor entries;
    private final Tensor chunks;
    private final Tensor steps;
    private final int chunkCount;
    private final int grid;

    /**
     * @param writer    the kernel (grid 1, block 1) that writes entry i, {@code (table, i, fields...)}
     * @param fields    adds entry i's fields, the arguments after {@code (table, i)}
     */
    MultiTensorTable(CudaDevice cuda, List<Tensor> tensors, int entryBytes, boolean withSteps, String writer,
                     ObjIntConsumer<KernelArgs> fields) {
        this.cuda = cuda;
        List<int[]> list = new ArrayList<>();
        for (int k = 0; k < tensors.size(); k++) {
            long n = tensors.get(k).size();
            long count = (n + CHUNK - 1) / CHUNK;
            for (long c = 0; c < count; c++) {
                list.add(new int[] {k, (int) c});
            }
        }
        int[] flat = new int[2 * list.size()];
        for (int c = 0; c < list.size(); c++) {
            flat[2 * c] = list.get(c)[0];
            flat[2 * c + 1] = list.get(c)[1];
        }
        chunkCount = list.size();
        // the cap keeps a huge network's launch to a few waves; each block then walks several chunks
        grid = Math.max(1, Math.min(chunkCount, cuda.kernels().multiprocessors() * 8));
        try {
            // float / int tensors as untyped device memory, sizes in whole 4-byte words
            entries = own(cuda.backend().empty(DType.FLOAT32, tensors.size() * entryBytes / Float.BYTES));
            chunks = own(cuda.backend().fromHost(flat, flat.length));
            steps = withSteps ? own(cuda.backend().empty(DType.INT32, 2 * chunkCount)) : null;
            for (int i = 0; i < tensors.size(); i++) {
                KernelArgs args = KernelArgs.of().ptr(cuda.pointer(entries)).i32(i);
                fields.accept(args, i);
                cuda.kernels().launch(writer, 1, 1, 1, 1, 1, 1, 0, cuda.stream(), args);
            }
            if (withSteps) {
                setSteps(0);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private Tensor own(Tensor t) {
        owned.add(t);
        return t;
    }

    CUdeviceptr entries() {
        return cuda.pointer(entries);
    }

    CUdeviceptr chunks() {
        return cuda.pointer(chunks);
    }

    CUdeviceptr steps() {
        return cuda.pointer(steps);
    }

    int chunkCount() {
        return chunkCount;
    }

    int grid() {
        return grid;
    }

    /** Every step counter ← t, queued on the stream (no host copy). */
    void setSteps(long t) {
        cuda.kernels().launch1d("optim_set_steps", chunkCount, cuda.stream(),
                KernelArgs.of().ptr(steps()).i32(chunkCount).i64(t));
    }

    @Override
    public void close() {
        owned.forEach(Tensor::close);
        owned.clear();
    }
}
