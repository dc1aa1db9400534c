package sagan4j.cuda;

import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

import jcuda.CudaException;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstream;
import jcuda.driver.CUstreamCaptureMode;
import sagan4j.cuda.runtime.DeviceAllocator;
import sagan4j.cuda.runtime.DeviceCounters;

/**
 * CUDA graphs for regions of a backend's stream that repeat: a training step's D step and G step. Each region
 * has a key (what its work depends on: the step, the batch shape); {@link #run} runs it uncaptured
 * {@link #WARMUPS} times (which fills the caching allocator and creates the cuDNN plans and workspaces the
 * region needs, so that capturing it allocates nothing), then captures it once with stream capture in global
 * mode, instantiates the graph and from then on replays it with one cuGraphLaunch. A new key (a shape change)
 * is a new capture; every graph lives until {@link #close}.
 *
 * <p>The graph has its pointers baked in, so the region must use the same tensors every time: inputs copied into
 * fixed tensors before {@link #run}, results read from fixed tensors after it. Its memory is kept from other
 * users by a private {@link DeviceAllocator.GraphPool}. Nothing inside may upload, download, synchronise or
 * allocate new device memory: the driver refuses those during a capture (the backend refuses uploads itself,
 * since an upload from its pinned staging would be captured with the staging's contents at replay time). A
 * capture that fails says so in one line and the region runs uncaptured from then on (nothing of the failed
 * attempt ran on the GPU, so it runs the region once more, uncaptured, at once).
 */
public final class StepGraph implements AutoCloseable {
    /** Uncaptured runs of a key before its capture. */
    public static final int WARMUPS = 2;
    /**
     * Captures that may miss the allocator's cache before the region is given up as uncapturable. A miss is
     * expected once: memory a captured graph uses is kept from everyone else, so the first capture after another
     * graph exists (the G step after the D step) can need blocks the uncaptured warm-ups shared with that graph;
     * the uncaptured run after the miss allocates them.
     */
    public static final int CAPTURE_ATTEMPTS = 3;

    /**
     * What became of a key: captured, with what the capture recorded (kernel launches, cuBLAS/cuDNN calls — each
     * one or more kernel nodes on a GPU — and copies), or the capture's failure.
     */
    public record Info(String key, int runs, int misses, boolean captured, long kernels, long libraryCalls, long copies,
                       String failure) {
        /** The graph's nodes as sagan4j queued them (a library call counted once). */
        public long nodes() {
            return kernels + libraryCalls + copies;
        }

        @Override
        public String toString() {
            if (captured) {
                return "captured as one CUDA graph of " + nodes() + " nodes (" + kernels + " kernels, " + libraryCalls
                        + " library calls, " + copies + " copies)" + (misses > 0 ? " after " + (runs - WARMUPS)
                        + " more uncaptured run(s) that cached memory the capture lacked" : "");
            }
            return failure != null ? "not captured: " + failure : "not captured yet (" + runs + " uncaptured runs)";
        }
    }

    private static final class Entry {
        final String key;
        int runs;
        int misses;
        CUgraph graph;
        CUgraphExec exec;
        DeviceAllocator.GraphPool pool;
        DeviceCounters.Snapshot recorded; // what the capture queued
        String failure;

        Entry(String key) {
            this.key = key;
        }
    }

    private final CUstream stream;
    private final DeviceAllocator allocator;
    private final Consumer<Boolean> capturing;
    private final Map<Object, Entry> entries = new HashMap<>();
    private boolean closed;

    /** @param capturing told true while a capture is under way, false after (the backend's upload guard) */
    StepGraph(CUstream stream, DeviceAllocator allocator, Consumer<Boolean> capturing) {
        this.stream = stream;
        this.allocator = allocator;
        this.capturing = capturing;
    }

    /** Runs the region {@code work} for {@code key}: uncaptured, captured, or replayed (see the class comment). */
    public void run(Object key, Runnable work) {
        if (closed) {
            throw new IllegalStateException("step graphs already closed");
        }
        Entry e = entries.computeIfAbsent(key, k -> new Entry(String.valueOf(k)));
        if (e.exec != null) {
            cuGraphLaunch(e.exec, stream);
            DeviceCounters.graphLaunch();
        } else if (e.failure != null || e.runs < WARMUPS) {
            work.run();
            e.runs++;
        } else {
            capture(e, work);
        }
    }

    /** What became of {@code key}, or null when it never ran. */
    public Info info(Object key) {
        Entry e = entries.get(key);
        if (e == null) {
            return null;
        }
        DeviceCounters.Snapshot n = e.recorded;
        return n == null ? new Info(e.key, e.runs, e.misses, false, 0, 0, 0, e.failure)
                : new Info(e.key, e.runs, e.misses, true, n.kernels(), n.libraryCalls(),
                        n.copiesToDevice() + n.copiesToHost() + n.copiesOnDevice(), null);
    }

    private void capture(Entry e, Runnable work) {
        DeviceAllocator.GraphPool pool = allocator.newPool();
        RuntimeException failure = null;
        allocator.beginCapture(pool);
        capturing.accept(true);
        DeviceCounters.Snapshot before = DeviceCounters.snapshot();
        try {
            cuStreamBeginCapture(stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_GLOBAL);
            work.run();
        } catch (RuntimeException ex) {
            failure = ex;
        } finally {
            capturing.accept(false);
            allocator.endCapture();
        }
        CUgraph graph = new CUgraph();
        try {
            cuStreamEndCapture(stream, graph);
        } catch (CudaException ex) {
            // the driver ends an invalidated capture with this error: the cause is the failure above, if any
            if (failure == null) {
                failure = ex;
            }
            graph = null;
        }
        if (failure != null) {
            if (graph != null) {
                cuGraphDestroy(graph);
            }
            allocator.closePool(pool);
            String why = String.valueOf(failure.getMessage()).lines().findFirst().orElse(failure.getClass().getSimpleName());
            if (failure instanceof DeviceAllocator.CaptureMiss && ++e.misses < CAPTURE_ATTEMPTS) {
                work.run(); // uncaptured: it allocates what the capture lacked; the next run captures again
                e.runs++;
                return;
            }
            e.failure = why;
            System.err.println("sagan4j: CUDA graph capture of " + e.key + " failed (" + why + "); running it uncaptured");
            work.run();
            e.runs++;
            return;
        }
        CUgraphExec exec = new CUgraphExec();
        cuGraphInstantiate(exec, graph, 0);
        e.graph = graph;
        e.exec = exec;
        e.pool = pool;
        e.recorded = DeviceCounters.snapshot().minus(before);
        // the capture queued nothing: this run's work is the graph's first launch
        cuGraphLaunch(exec, stream);
        DeviceCounters.graphLaunch();
    }

    /**
     * Destroys the graphs of the matching keys (launches already queued still complete) and returns their memory
     * to the allocator, where work queued later on the same stream may reuse it.
     */
    public void drop(java.util.function.Predicate<Object> keys) {
        entries.entrySet().removeIf(en -> {
            if (!keys.test(en.getKey())) {
                return false;
            }
            destroy(en.getValue());
            return true;
        });
    }

    private void destroy(Entry e) {
        if (e.exec != null) {
            cuGraphExecDestroy(e.exec);
            cuGraphDestroy(e.graph);
            allocator.closePool(e.pool);
            e.exec = null;
        }
    }

    /** Destroys every graph and returns its memory to the allocator; the stream must be idle (the backend synchronises first). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        entries.values().forEach(this::destroy);
        entries.clear();
    }
}
