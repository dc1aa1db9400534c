package sagan4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import sagan4j.backend.DType;
import sagan4j.backend.Tensor;
import sagan4j.cuda.runtime.DeviceAllocator;

/** The caching allocator on a real device: reuse, accounting, release. */
@Tag("native")
class DeviceAllocatorNativeTest {
    @Test
    void reusesFreedBlocksOfTheSameClass() {
        try (CudaBackend be = Gpu.open(CudaBackend.Options.defaults())) {
            DeviceAllocator.Stats s0 = be.allocator().stats();
            Tensor a = be.empty(DType.FLOAT32, 1000, 1000);
            DeviceAllocator.Stats s1 = be.allocator().stats();
            assertEquals(s0.deviceAllocations() + 1, s1.deviceAllocations());
            assertEquals(DeviceAllocator.sizeClass(4_000_000), s1.liveBytes() - s0.liveBytes());
            a.close();
            Tensor b = be.empty(DType.FLOAT32, 999, 1001); // same size class
            DeviceAllocator.Stats s2 = be.allocator().stats();
            assertEquals(s1.deviceAllocations(), s2.deviceAllocations(), "served from the cache");
            assertEquals(s1.cacheHits() + 1, s2.cacheHits());
            b.close();
            be.allocator().releaseCached();
            assertEquals(0, be.allocator().stats().cachedBytes());
        }
    }

    /** The peak is the most bytes ever live at once: two blocks live together count twice, and it stays after they go. */
    @Test
    void peakIsTheMostEverLiveAtOnce() {
        try (CudaBackend be = Gpu.open(CudaBackend.Options.defaults())) {
            DeviceAllocator.Stats s0 = be.allocator().stats();
            long each = DeviceAllocator.sizeClass(4L * 3000 * 1000);   // 12 MB, above anything the backend holds itself
            Tensor a = be.empty(DType.FLOAT32, 3000, 1000);
            Tensor b = be.empty(DType.FLOAT32, 3000, 1000);
            long together = s0.liveBytes() + 2 * each;
            assertEquals(Math.max(s0.peakBytes(), together), be.allocator().stats().peakBytes(), "two live at once");
            a.close();
            b.close();
            Tensor c = be.empty(DType.FLOAT32, 3000, 1000);   // one live: the peak does not move
            assertEquals(Math.max(s0.peakBytes(), together), be.allocator().stats().peakBytes(), "the peak stays");
            c.close();
        }
    }
}
