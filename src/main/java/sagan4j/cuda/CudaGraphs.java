package sagan4j.cuda;

import java.util.function.Predicate;

import jcuda.driver.CUstream;
import sagan4j.backend.GraphCapture;
import sagan4j.cuda.runtime.DeviceAllocator;

/**
 * {@link GraphCapture} on CUDA: regions become CUDA graphs through one {@link StepGraph} on the backend's
 * stream, made at the first captured region; capture is on until {@link #setEnabled}(false). It also tells the
 * backend whether a capture is in progress ({@link #capturing()}), when uploads from pinned staging must be
 * refused.
 */
final class CudaGraphs implements GraphCapture, AutoCloseable {
    private final CUstream stream;
    private final DeviceAllocator allocator;
    private StepGraph graphs;
    private boolean enabled = true;
    private boolean capturing;

    CudaGraphs(CUstream stream, DeviceAllocator allocator) {
        this.stream = stream;
        this.allocator = allocator;
    }

    @Override
    public void run(Object key, Runnable work) {
        if (!enabled) {
            work.run();
            return;
        }
        if (graphs == null) {
            graphs = new StepGraph(stream, allocator, on -> capturing = on);
        }
        graphs.run(key, work);
    }

    @Override
    public void setEnabled(boolean on) {
        enabled = on;
    }

    @Override
    public boolean enabled() {
        return enabled;
    }

    @Override
    public void drop(Predicate<Object> keys) {
        if (graphs != null) {
            graphs.drop(keys);
        }
    }

    @Override
    public String report(Object key) {
        StepGraph.Info info = info(key);
        return info == null ? null : info.toString();
    }

    /** The CUDA graph of region {@code key}, or null when it never ran captured or uncaptured. */
    StepGraph.Info info(Object key) {
        return graphs == null ? null : graphs.info(key);
    }

    /** True while a region is being captured. */
    boolean capturing() {
        return capturing;
    }

    @Override
    public void close() {
        if (graphs != null) {
            graphs.close();
        }
    }
}
