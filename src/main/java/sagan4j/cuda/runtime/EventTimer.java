package sagan4j.cuda.runtime;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;

import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;
import sagan4j.backend.Backend;

/** Two CUDA events recorded on a stream around queued work; the elapsed time is the GPU's. */
public final class EventTimer implements Backend.Timer {
    private final CUstream stream;
    private final CUevent start = new CUevent();
    private final CUevent stop = new CUevent();

    public EventTimer(CUstream stream) {
        this.stream = stream;
        cuEventCreate(start, CUevent_flags.CU_EVENT_DEFAULT);
        cuEventCreate(stop, CUevent_flags.CU_EVENT_DEFAULT);
    }

    @Override
    public void start() {
        cuEventRecord(start, stream);
    }

    @Override
    public void stop() {
        cuEventRecord(stop, stream);
    }

    @Override
    public double elapsedMillis() {
        cuEventSynchronize(stop);
        float[] ms = {0};
        cuEventElapsedTime(ms, start, stop);
        return ms[0];
    }

    @Override
    public void close() {
        cuEventDestroy(start);
        cuEventDestroy(stop);
    }
}
