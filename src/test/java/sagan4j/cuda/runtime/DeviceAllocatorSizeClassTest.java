package sagan4j.cuda.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Size classes of the caching allocator: hand-computed values and the waste bound. */
class DeviceAllocatorSizeClassTest {
    @Test
    void handComputedClasses() {
        assertEquals(512, DeviceAllocator.sizeClass(1));
        assertEquals(512, DeviceAllocator.sizeClass(512));
        assertEquals(1024, DeviceAllocator.sizeClass(513));
        assertEquals(1 << 20, DeviceAllocator.sizeClass(1 << 20));
        // (1 MiB, 2 MiB]: step 256 KiB
        assertEquals((1 << 20) + (1 << 18), DeviceAllocator.sizeClass((1 << 20) + 1));
        assertEquals(4_194_304, DeviceAllocator.sizeClass(4_000_000));
        assertEquals(3_670_016, DeviceAllocator.sizeClass(3_500_000));
        assertThrows(IllegalArgumentException.class, () -> DeviceAllocator.sizeClass(0));
    }

    @Test
    void wasteIsBounded() {
        for (long b = 1; b < (1L << 34); b = b * 3 + 7) {
            long c = DeviceAllocator.sizeClass(b);
            assertTrue(c >= b, "class covers the request");
            assertTrue(b <= (1 << 20) ? c - b < 512 : c - b <= b / 4, "waste at " + b + ": " + c);
            assertEquals(c, DeviceAllocator.sizeClass(c), "a class is its own class");
        }
    }
}
