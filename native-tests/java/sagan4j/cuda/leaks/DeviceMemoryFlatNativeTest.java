package sagan4j.cuda.leaks;

import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import sagan4j.backend.DType;
import sagan4j.backend.Tensor;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;
import sagan4j.cuda.runtime.DeviceAllocator;
import sagan4j.testing.TinyTraining;

/**
 * Device memory stays flat over many training steps: tiny (width 8, batch 4) on CUDA, 3 warm-up steps
 * (the caching allocator has every size class by then: see StepCountsNativeTest), then 10 more. After each step the
 * bytes held by live tensors (the run state: weights, EMA, Adam moments, SN vectors, BN statistics), the bytes in
 * the allocator's cache, the number of cuMemAlloc calls, and the device's used memory as the driver reports it
 * (cuMemGetInfo: on the emulator, the sum over its allocation table) must equal their values after the warm-up —
 * exactly: every temporary of a step is closed by the step, and a warm step is served from the cache. A tensor
 * left open per step would raise the live bytes by its size class each step; the control keeps one 1000-float
 * tensor open across a step and sees exactly its size class.
 */
@Tag("native")
class DeviceMemoryFlatNativeTest {
    private static final int WARM_UP = 3, STEPS = 10;
    private static final Gpu.Shared CUDA = new Gpu.Shared(CudaBackend.Options.defaults());

    @AfterAll
    static void close() {
        CUDA.close();
    }

    private static long deviceUsed() {
        long[] free = {0}, total = {0};
        cuMemGetInfo(free, total);
        return total[0] - free[0];
    }

    @Test
    void liveCachedAndDriverBytesAreTheSameAfterEveryWarmStep() {
        CudaBackend cuda = CUDA.get();
        try (TinyTraining run = new TinyTraining(cuda, TinyTraining.config(8, 4))) {
            for (int s = 0; s < WARM_UP; s++) {
                run.step();
            }
            cuda.synchronize();
            DeviceAllocator.Stats warm = cuda.allocator().stats();
            long used = deviceUsed();
            assertTrue(warm.liveBytes() > 0 && used >= warm.liveBytes() + warm.cachedBytes(), warm + ", driver: " + used);
            for (int s = 1; s <= STEPS; s++) {
                run.step();
                cuda.synchronize();
                DeviceAllocator.Stats now = cuda.allocator().stats();
                String at = "after warm step " + s + " (warm: " + warm + "; now: " + now + ")";
                assertEquals(warm.liveBytes(), now.liveBytes(), "bytes of live tensors " + at);
                assertEquals(warm.cachedBytes(), now.cachedBytes(), "bytes in the allocator's cache " + at);
                assertEquals(warm.deviceAllocations(), now.deviceAllocations(), "cuMemAlloc calls " + at);
                assertEquals(used, deviceUsed(), "device memory in use as the driver reports it " + at);
            }
            // the control: one tensor left open across a step shows as exactly its size class
            try (Tensor kept = cuda.empty(DType.FLOAT32, 1000)) {
                run.step();
                cuda.synchronize();
                assertEquals(warm.liveBytes() + DeviceAllocator.sizeClass(kept.bytes()), cuda.allocator().stats().liveBytes(),
                        "a tensor kept open during a step");
            }
            System.out.println("DeviceMemoryFlatNativeTest: over " + STEPS + " warm steps of tiny batch 4: live "
                    + warm.liveBytes() + " B, cached " + warm.cachedBytes() + " B, " + warm.deviceAllocations()
                    + " cuMemAlloc, driver " + used + " B in use, unchanged");
        }
    }
}
