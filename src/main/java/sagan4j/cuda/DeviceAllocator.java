package sagan4j.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

import jcuda.CudaException;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;

/**
 * A caching device allocator. Sizes are rounded up to a size class (multiples of 512 bytes below
 * 1 MiB, then four classes per power of two), and freed blocks wait in a free list per class for the
 * next request of that class, so that a training step that allocates the same shapes every iteration
 * calls cuMemAlloc only in its first iteration.
 *
 * <p>Reuse is safe without events because every op of a backend runs on one stream: a block freed
 * on the host and handed out again is only touched by kernels queued after the ones that used it.
 * When cuMemAlloc runs out of memory, the cache is emptied and the allocation tried once more.
 */
public final class DeviceAllocator implements AutoCloseable {
    private static final long SMALL = 1 << 20;
    private static final long SMALL_QUANTUM = 512;

    /** Counters for tests, doctor and bench. */
    public record Stats(long liveBytes, long cachedBytes, long peakBytes, long deviceAllocations, long cacheHits) {
    }

    private final CudaContext ctx;
    private final Map<Long, ArrayDeque<CUdeviceptr>> free = new HashMap<>();
    private final Set<Block> live = Collections.newSetFromMap(new IdentityHashMap<>());
    private long liveBytes;
    private long cachedBytes;
    private long peakBytes;
    private long deviceAllocations;
    private long cacheHits;
    private boolean closed;

    /** An allocator on {@code ctx}, which it makes current before each driver call (any thread may allocate). */
    public DeviceAllocator(CudaContext ctx) {
        this.ctx = ctx;
    }

    /** The size class a request of {@code bytes} is served from. */
    public static long sizeClass(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("allocation size must be positive, got " + bytes);
        }
        if (bytes <= SMALL) {
            return (bytes + SMALL_QUANTUM - 1) / SMALL_QUANTUM * SMALL_QUANTUM;
        }
        long top = Long.highestOneBit(bytes - 1) << 1; // next power of two >= bytes
        long step = top / 8;                            // four classes between top/2 and top
        return (bytes + step - 1) / step * step;
    }

    /** A block of at least {@code bytes}; give it back with {@link #free}. */
    public synchronized Block allocate(long bytes) {
        if (closed) {
            throw new IllegalStateException("device allocator already closed");
        }
        long cls = sizeClass(bytes);
        ArrayDeque<CUdeviceptr> list = free.get(cls);
        CUdeviceptr p;
        if (list != null && !list.isEmpty()) {
            p = list.pop();
            cachedBytes -= cls;
            cacheHits++;
        } else {
            p = deviceAlloc(cls);
        }
        liveBytes += cls;
        peakBytes = Math.max(peakBytes, liveBytes);
        Block b = new Block(p, cls);
        live.add(b);
        return b;
    }

    private CUdeviceptr deviceAlloc(long cls) {
        CUdeviceptr p = new CUdeviceptr();
        ctx.ensureCurrent();
        try {
            cuMemAlloc(p, cls);
            DeviceCounters.allocation();
        } catch (CudaException e) {
            if (!String.valueOf(e.getMessage()).contains(CUresult.stringFor(CUresult.CUDA_ERROR_OUT_OF_MEMORY))) {
                throw e;
            }
            releaseCached();
            try {
                cuMemAlloc(p, cls);
                DeviceCounters.allocation();
            } catch (CudaException again) {
                throw new CudaException("cuMemAlloc of " + cls + " bytes failed with " + again.getMessage()
                        + " after emptying the cache; " + liveBytes + " bytes are in use by live tensors", again);
            }
        }
        deviceAllocations++;
        return p;
    }

    /** Returns a block to the cache. */
    public synchronized void free(Block b) {
        if (closed || !live.remove(b)) {
            return; // already returned: by an earlier free, or with the whole pool at close
        }
        liveBytes -= b.bytes;
        cachedBytes += b.bytes;
        free.computeIfAbsent(b.bytes, k -> new ArrayDeque<>()).push(b.ptr);
    }

    /** Gives every cached (unused) block back to the driver. */
    public synchronized void releaseCached() {
        ctx.ensureCurrent();
        for (ArrayDeque<CUdeviceptr> list : free.values()) {
            for (CUdeviceptr p : list) {
                cuMemFree(p);
            }
        }
        free.clear();
        cachedBytes = 0;
    }

    public synchronized Stats stats() {
        return new Stats(liveBytes, cachedBytes, peakBytes, deviceAllocations, cacheHits);
    }

    /** Returns every block, cached or live, to the driver; tensors still open become unusable. */
    @Override
    public synchronized void close() {
        if (!closed) {
            releaseCached();
            for (Block b : live) {
                cuMemFree(b.ptr());
            }
            live.clear();
            liveBytes = 0;
            closed = true;
        }
    }

    /** A device allocation of {@code bytes} (its size class) at {@code ptr}. */
    public record Block(CUdeviceptr ptr, long bytes) {
    }
}
