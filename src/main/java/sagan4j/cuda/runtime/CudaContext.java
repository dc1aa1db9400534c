package sagan4j.cuda.runtime;

import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT;
import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import jcuda.CudaException;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import sagan4j.cuda.natives.CudaNatives;

/**
 * One GPU's primary context (shared with the CUDA runtime, cuBLAS and any user code in the process)
 * and one non-blocking stream on which every sagan4j op of a backend is issued, in order.
 */
public final class CudaContext implements AutoCloseable {
    /** What the driver says about one GPU. */
    public record DeviceInfo(int index, String name, int ccMajor, int ccMinor, int multiprocessors, long totalMemory) {
        public String computeCapability() {
            return ccMajor + "." + ccMinor;
        }
    }

    private final CUdevice device;
    private final CUcontext context;
    private final CUstream stream;
    private final DeviceInfo info;
    /**
     * The context sagan4j last made current on each thread (see {@link #ensureCurrent}): per thread, because
     * CUDA's current context is, and keyed by context, so that two backends on two GPUs driven by one thread
     * each find their own made current again.
     */
    private static final ThreadLocal<CudaContext> CURRENT = new ThreadLocal<>();
    private boolean closed;

    private CudaContext(CUdevice device, CUcontext context, CUstream stream, DeviceInfo info) {
        this.device = device;
        this.context = context;
        this.stream = stream;
        this.info = info;
        CURRENT.set(this); // open() made it current on this thread
    }

    /**
     * Loads the natives, initialises the driver (JCuda exceptions on) and returns the visible GPUs.
     *
     * @throws CudaUnavailableException with one line when there is no driver or no GPU
     */
    public static List<DeviceInfo> devices() {
        initDriver();
        int[] count = {0};
        cuDeviceGetCount(count);
        List<DeviceInfo> out = new ArrayList<>();
        for (int i = 0; i < count[0]; i++) {
            CUdevice d = new CUdevice();
            cuDeviceGet(d, i);
            out.add(describe(d, i));
        }
        return out;
    }

    /** The driver's CUDA version as "13.0". */
    public static String driverVersion() {
        initDriver();
        int[] v = {0};
        cuDriverGetVersion(v);
        return v[0] / 1000 + "." + (v[0] % 1000) / 10;
    }

    /** Opens GPU {@code index}: retains its primary context, makes it current, creates a stream. */
    public static CudaContext open(int index) {
        List<DeviceInfo> all = devices();
        if (index < 0 || index >= all.size()) {
            throw new CudaUnavailableException("GPU index " + index + " does not exist: "
                    + all.size() + " GPU(s) visible (CUDA_VISIBLE_DEVICES=" + System.getenv("CUDA_VISIBLE_DEVICES") + ")");
        }
        CUdevice d = new CUdevice();
        cuDeviceGet(d, index);
        CUcontext ctx = new CUcontext();
        cuDevicePrimaryCtxRetain(ctx, d);
        cuCtxSetCurrent(ctx);
        CUstream s = new CUstream();
        cuStreamCreate(s, CUstream_flags.CU_STREAM_NON_BLOCKING);
        return new CudaContext(d, ctx, s, all.get(index));
    }

    private static void initDriver() {
        if (!CudaNatives.load().driver().loaded()) {
            throw new CudaUnavailableException("no GPU: " + CudaNatives.load().driver().reason());
        }
        try {
            cuInit(0);
        } catch (CudaException e) {
            throw new CudaUnavailableException("no GPU: the NVIDIA driver is installed but cuInit failed with "
                    + e.getMessage() + " (is a GPU visible to this process?)");
        }
        int[] count = {0};
        cuDeviceGetCount(count);
        if (count[0] == 0) {
            throw new CudaUnavailableException("no GPU: the NVIDIA driver reports 0 devices");
        }
    }

    static DeviceInfo describe(CUdevice d, int index) {
        byte[] name = new byte[256];
        cuDeviceGetName(name, name.length, d);
        int len = 0;
        while (len < name.length && name[len] != 0) {
            len++;
        }
        long[] mem = {0};
        cuDeviceTotalMem(mem, d);
        return new DeviceInfo(index, new String(name, 0, len, StandardCharsets.US_ASCII),
                attribute(d, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
                attribute(d, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
                attribute(d, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT), mem[0]);
    }

    private static int attribute(CUdevice d, int attribute) {
        int[] v = {0};
        cuDeviceGetAttribute(v, attribute, d);
        return v[0];
    }

    public DeviceInfo info() {
        return info;
    }

    public CUstream stream() {
        return stream;
    }

    public CUcontext context() {
        return context;
    }

    /** Makes this context current on the calling thread (JCuda calls from another thread need it). */
    public void makeCurrent() {
        cuCtxSetCurrent(context);
        CURRENT.set(this);
    }

    /**
     * Makes this context current on the calling thread unless it is the one sagan4j made current there last:
     * called at the backend's entry points (every tensor's device pointer, allocation, synchronisation, timers,
     * close), so a backend handed to another thread works there. Costs one thread-local read when nothing
     * changed. A caller that makes ANOTHER context current on a thread between two sagan4j calls must call
     * {@link #makeCurrent} before the next one (sagan4j remembers only its own switches).
     */
    public void ensureCurrent() {
        if (CURRENT.get() != this) {
            makeCurrent();
        }
    }

    public void synchronize() {
        ensureCurrent();
        cuStreamSynchronize(stream);
        DeviceCounters.sync();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ensureCurrent();
        cuStreamSynchronize(stream);
        cuStreamDestroy(stream);
        cuDevicePrimaryCtxRelease(device);
        if (CURRENT.get() == this) {
            CURRENT.remove();
        }
    }
}
