package sagan4j.cuda.runtime;

import static jcuda.driver.JCudaDriver.cuCtxGetDevice;
import static jcuda.driver.JCudaDriver.cuLaunchCooperativeKernel;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jcuda.CudaException;
import jcuda.driver.CUdevice;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;

/**
 * The kernels of {@code kernels/*.cu}, compiled ahead of time into the fatbin(s) packed in the jar,
 * loaded with cuModuleLoadData into the current context. Kernels are found by their extern "C" name, and every
 * launch first checks its {@link KernelArgs} against that kernel's C signature ({@link KernelSignatures}).
 */
public final class KernelLibrary implements AutoCloseable {
    /** Threads per block of the elementwise kernels (grid-stride loops). */
    public static final int BLOCK = 256;

    private final List<CUmodule> modules = new ArrayList<>();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final int multiprocessors;
    private final KernelSignatures signatures = KernelSignatures.packaged();

    /** Loads every packaged fatbin into the context of {@code ctx} (which must be current). */
    public KernelLibrary(CudaContext ctx) {
        this(ctx.info());
    }

    /**
     * Loads the packaged kernels into whatever CUDA context is current on this thread — for users who
     * own their context and stream and embed sagan4j's kernels in their own code. JCuda's natives must be
     * loaded through {@link sagan4j.cuda.natives.CudaNatives#load()} before JCuda is first used.
     */
    public static KernelLibrary forCurrentContext() {
        CUdevice dev = new CUdevice();
        cuCtxGetDevice(dev);
        return new KernelLibrary(CudaContext.describe(dev, -1));
    }

    private KernelLibrary(CudaContext.DeviceInfo d) {
        this.multiprocessors = d.multiprocessors();
        for (Map.Entry<String, byte[]> image : Fatbin.packagedImages().entrySet()) {
            Fatbin fb = Fatbin.parse(image.getValue());
            if (!fb.runsOn(d.ccMajor(), d.ccMinor())) {
                throw new CudaUnavailableException("the packed kernels (" + image.getKey() + ": " + fb.describe()
                        + ") hold no code for " + d.name() + " (compute capability " + d.computeCapability() + ")");
            }
            CUmodule m = new CUmodule();
            cuModuleLoadData(m, image.getValue());
            modules.add(m);
        }
    }

    /** Streaming multiprocessors of the device, for sizing grids. */
    public int multiprocessors() {
        return multiprocessors;
    }

    /** The kernel named {@code name}; fails with its name if no packaged module defines it. */
    public synchronized CUfunction function(String name) {
        CUfunction f = functions.get(name);
        if (f != null) {
            return f;
        }
        for (CUmodule m : modules) {
            CUfunction candidate = new CUfunction();
            try {
                cuModuleGetFunction(candidate, m, name);
            } catch (CudaException e) {
                if (String.valueOf(e.getMessage()).contains("CUDA_ERROR_NOT_FOUND")) {
                    continue; // defined in another module
                }
                throw e;
            }
            functions.put(name, candidate);
            return candidate;
        }
        throw new IllegalStateException("kernel " + name + " is in none of the " + modules.size()
                + " packaged module(s); was kernels/*.cu rebuilt?");
    }

    /** The parameter kinds of the kernel named {@code name}, from its C signature. */
    public List<KernelArgs.Kind> signature(String name) {
        return signatures.of(name);
    }

    /** Launches a grid-stride 1-D kernel over {@code n} elements: enough blocks to fill the GPU, no more. */
    public void launch1d(String name, long n, CUstream stream, KernelArgs args) {
        long wanted = (n + BLOCK - 1) / BLOCK;
        int grid = (int) Math.max(1, Math.min(wanted, (long) multiprocessors * 16));
        launch(name, grid, 1, 1, BLOCK, 1, 1, 0, stream, args);
    }

    /** Queues kernel {@code name} on {@code stream}; {@code args} are checked against its signature first. */
    public void launch(String name, int gx, int gy, int gz, int bx, int by, int bz, int sharedBytes,
                       CUstream stream, KernelArgs args) {
        signatures.check(name, args);
        cuLaunchKernel(function(name), gx, gy, gz, bx, by, bz, sharedBytes, stream, args.build(), null);
        DeviceCounters.kernel(name);
    }

    /** A cooperative launch (the kernel may {@code grid.sync()}), checked against the signature like {@link #launch}. */
    public void launchCooperative(String name, int gx, int gy, int gz, int bx, int by, int bz, int sharedBytes,
                                  CUstream stream, KernelArgs args) {
        signatures.check(name, args);
        cuLaunchCooperativeKernel(function(name), gx, gy, gz, bx, by, bz, sharedBytes, stream, args.build());
        DeviceCounters.kernel(name);
    }

    @Override
    public void close() {
        for (CUmodule m : modules) {
            cuModuleUnload(m);
        }
        modules.clear();
        functions.clear();
    }
}
