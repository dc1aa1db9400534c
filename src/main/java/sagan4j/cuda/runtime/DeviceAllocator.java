package sagan4j.cuda.runtime;

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
 *
 * <p>Captured CUDA graphs ({@link StepGraph}) get a private {@link GraphPool}, as PyTorch's graphs do: while a
 * capture is under way ({@link #beginCapture}) blocks are served from that pool's free blocks, then from the
 * cache (a warm step's sizes are all cached after its uncaptured warm-up runs), never from cuMemAlloc (which a
 * capture forbids): a miss throws. A block handed out during the capture, or used during it (its address
 * read: {@link Block#ptr()}; a block made before the capture and used inside it, such as a module's scratch
 * or cuDNN's workspace), belongs to the pool for the graph's life: when its tensor is freed, even long after the capture, it returns to the pool's free list, which only
 * that graph's (re)captures draw from, so no other tensor is ever given memory the graph's replays write.
 * Closing the pool (the graph is destroyed) returns its free blocks to the cache and makes its live ones
 * ordinary blocks again.
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
    private final Map<Block, GraphPool> poolOf = new IdentityHashMap<>();
    private final Set<GraphPool> pools = Collections.newSetFromMap(new IdentityHashMap<>());
    private volatile GraphPool capturing;
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
        CUdeviceptr p = capturing != null ? pop(capturing.free, cls) : null;
        if (p == null) {
            p = pop(free, cls);
        }
        if (p != null) {
            cachedBytes -= cls;
            cacheHits++;
        } else if (capturing != null) {
            throw new CaptureMiss("a captured region needs a new device block of " + cls + " bytes, which the "
                    + "cache does not hold (cuMemAlloc is not allowed during a capture; run the region uncaptured first)");
        } else {
            p = deviceAlloc(cls);
        }
        liveBytes += cls;
        peakBytes = Math.max(peakBytes, liveBytes);
        Block b = new Block(p, cls, this);
        live.add(b);
        if (capturing != null) {
            poolOf.put(b, capturing);
        }
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
        GraphPool pool = poolOf.remove(b);
        (pool != null ? pool.free : free).computeIfAbsent(b.bytes, k -> new ArrayDeque<>()).push(b.ptr);
    }

    private static CUdeviceptr pop(Map<Long, ArrayDeque<CUdeviceptr>> lists, long cls) {
        ArrayDeque<CUdeviceptr> list = lists.get(cls);
        return list != null && !list.isEmpty() ? list.pop() : null;
    }

    /** A new private pool for one captured graph; close it with {@link #closePool} when the graph is destroyed. */
    public synchronized GraphPool newPool() {
        GraphPool pool = new GraphPool();
        pools.add(pool);
        return pool;
    }

    /** From now until {@link #endCapture}, blocks come from {@code pool}, then the cache, never from cuMemAlloc. */
    public synchronized void beginCapture(GraphPool pool) {
        if (capturing != null) {
            throw new IllegalStateException("a capture is already under way");
        }
        if (!pools.contains(pool)) {
            throw new IllegalStateException("the graph pool was closed");
        }
        capturing = pool;
    }

    public synchronized void endCapture() {
        capturing = null;
    }

    /** The graph is gone: its free blocks go back to the cache, its live ones become ordinary blocks. */
    public synchronized void closePool(GraphPool pool) {
        if (!pools.remove(pool)) {
            return;
        }
        pool.free.forEach((cls, list) -> free.computeIfAbsent(cls, k -> new ArrayDeque<>()).addAll(list));
        pool.free.clear();
        poolOf.values().removeIf(p -> p == pool);
    }

    /** Blocks of {@code pool}: held by live tensors, and free in its list. */
    public synchronized long poolBlocks(GraphPool pool) {
        return poolOf.values().stream().filter(p -> p == pool).count()
                + pool.free.values().stream().mapToLong(ArrayDeque::size).sum();
    }

    /** Gives every cached (unused) block back to the driver. */
    public synchronized void releaseCached() {
        ctx.ensureCurrent();
        for (Map.Entry<Long, ArrayDeque<CUdeviceptr>> e : free.entrySet()) {
            for (CUdeviceptr p : e.getValue()) {
                cuMemFree(p);
                cachedBytes -= e.getKey();
            }
        }
        free.clear(); // a graph pool's free blocks stay: its graph's replays write them
    }

    public synchronized Stats stats() {
        return new Stats(liveBytes, cachedBytes, peakBytes, deviceAllocations, cacheHits);
    }

    /** Returns every block, cached or live, to the driver; tensors still open become unusable. */
    @Override
    public synchronized void close() {
        if (!closed) {
            pools.forEach(pool -> pool.free.values().forEach(list -> list.forEach(p -> cuMemFree(p))));
            pools.clear();
            poolOf.clear();
            capturing = null;
            releaseCached();
            for (Block b : live) {
                cuMemFree(b.ptr);
            }
            live.clear();
            liveBytes = 0;
            closed = true;
        }
    }

    /** A capture asked for a block the cache does not hold: running the region uncaptured once more caches it. */
    public static final class CaptureMiss extends IllegalStateException {
        CaptureMiss(String message) {
            super(message);
        }
    }

    /** The private memory of one captured graph (see the class comment); opaque outside the allocator. */
    public static final class GraphPool {
        private final Map<Long, ArrayDeque<CUdeviceptr>> free = new HashMap<>();

        private GraphPool() {
        }
    }

    /** During a capture: the graph uses {@code b}, so it joins the capture's pool (unless a graph has it already). */
    private void used(Block b) {
        if (capturing == null) {
            return;
        }
        synchronized (this) {
            if (capturing != null && live.contains(b) && !poolOf.containsKey(b)) {
                poolOf.put(b, capturing);
            }
        }
    }

    /** A device allocation of {@code bytes} (its size class) at {@code ptr}, from {@code owner}. */
    public record Block(CUdeviceptr ptr, long bytes, DeviceAllocator owner) {
        /** The device address; read during a capture, it gives the block to the graph (see {@link DeviceAllocator}). */
        @Override
        public CUdeviceptr ptr() {
            owner.used(this);
            return ptr;
        }
    }
}
