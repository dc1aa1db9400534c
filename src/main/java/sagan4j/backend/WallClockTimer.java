package sagan4j.backend;

/**
 * {@link Backend.Timer} for backends whose ops are complete when they return (the CPU backends): wall time
 * between start() and stop().
 */
public final class WallClockTimer implements Backend.Timer {
    private long start;
    private long stop;

    @Override
    public void start() {
        start = System.nanoTime();
    }

    @Override
    public void stop() {
        stop = System.nanoTime();
    }

    @Override
    public double elapsedMillis() {
        return (stop - start) / 1e6;
    }

    @Override
    public void close() {
        // Nothing held.
    }
}
