package sagan4j.cuda.runtime;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventQuery;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemHostAlloc;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;

/**
 * Asynchronous uploads from page-locked host memory: the host array is copied into a staging slot
 * (cuMemHostAlloc'd, owned here) and cuMemcpyHtoDAsync queued from it, so the caller's array may change as
 * soon as {@link #upload} returns and the stream never waits for the host. A ring of {@link #SLOTS} slots, each
 * with an event recorded after its copy: a slot is refilled only once its event says the copy finished (a
 * wait, counted as a sync, only when the ring has come round to a copy still in flight). Slots grow to the
 * largest upload they have carried (powers of two), so a training step's uploads stop allocating after its
 * first step.
 */
public final class PinnedStaging implements AutoCloseable {
    static final int SLOTS = 16;

    private static final class Slot {
        Pointer host;
        ByteBuffer buffer;
        long capacity;
        CUevent done;
        boolean inFlight;
    }

    private final Slot[] slots = new Slot[SLOTS];
    private int next;

    public PinnedStaging() {
        for (int i = 0; i < SLOTS; i++) {
            slots[i] = new Slot();
        }
    }

    public void upload(CUdeviceptr dst, float[] data, long bytes, CUstream stream) {
        Slot s = take(bytes);
        s.buffer.clear();
        s.buffer.asFloatBuffer().put(data, 0, (int) (bytes / Float.BYTES));
        send(s, dst, bytes, stream);
    }

    public void upload(CUdeviceptr dst, int[] data, long bytes, CUstream stream) {
        Slot s = take(bytes);
        s.buffer.clear();
        s.buffer.asIntBuffer().put(data, 0, (int) (bytes / Integer.BYTES));
        send(s, dst, bytes, stream);
    }

    /** The next slot, its last copy finished, with room for {@code bytes}. */
    private Slot take(long bytes) {
        Slot s = slots[next];
        next = (next + 1) % SLOTS;
        if (s.inFlight) {
            try {
                cuEventQuery(s.done); // JCuda throws for CUDA_ERROR_NOT_READY: the copy is still queued
            } catch (CudaException e) {
                if (!String.valueOf(e.getMessage()).contains(CUresult.stringFor(CUresult.CUDA_ERROR_NOT_READY))) {
                    throw e;
                }
                cuEventSynchronize(s.done);
                DeviceCounters.sync();
            }
            s.inFlight = false;
        }
        if (s.capacity < bytes) {
            if (s.host != null) {
                cuMemFreeHost(s.host);
            }
            long capacity = Long.highestOneBit(Math.max(bytes, 256) - 1) << 1;
            s.host = new Pointer();
            cuMemHostAlloc(s.host, capacity, 0);
            s.buffer = s.host.getByteBuffer(0, capacity).order(ByteOrder.nativeOrder());
            s.capacity = capacity;
        }
        if (s.done == null) {
            s.done = new CUevent();
            cuEventCreate(s.done, CUevent_flags.CU_EVENT_DISABLE_TIMING);
        }
        return s;
    }

    private static void send(Slot s, CUdeviceptr dst, long bytes, CUstream stream) {
        cuMemcpyHtoDAsync(dst, s.host, bytes, stream);
        DeviceCounters.copyToDevice();
        cuEventRecord(s.done, stream);
        s.inFlight = true;
    }

    /** Frees the slots; the stream must have finished their copies (the backend synchronises before closing). */
    @Override
    public void close() {
        for (Slot s : slots) {
            if (s.host != null) {
                cuMemFreeHost(s.host);
                s.host = null;
            }
            if (s.done != null) {
                cuEventDestroy(s.done);
                s.done = null;
            }
        }
    }
}
