package sagan4j.testing;

import java.lang.management.ManagementFactory;

/**
 * Bytes the current thread allocates on the heap while a body runs (HotSpot's per-thread counter): how a
 * test shows that a header announcing a huge size was refused before anything that size was allocated.
 */
public final class Allocation {
    private Allocation() {
    }

    /** Runs {@code body}, which must throw; returns what it threw and the bytes allocated until then. */
    public static Result failing(Runnable body) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(id);
        try {
            body.run();
        } catch (RuntimeException e) {
            return new Result(e, mx.getThreadAllocatedBytes(id) - before);
        }
        throw new AssertionError("expected the body to fail");
    }

    public record Result(RuntimeException thrown, long bytes) {
    }
}
