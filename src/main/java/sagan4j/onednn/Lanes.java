package sagan4j.onednn;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import sagan4j.host.RangeRunner;

/**
 * Splits a Java loop over as many threads as OpenMP has (the caller plus helpers), only while no oneDNN
 * call runs: the caller runs one share and waits for the others before it returns, so Java and OpenMP work
 * never overlap. With OMP_WAIT_POLICY=passive and a 20 000 spin count (what sagan4j's launcher sets) OpenMP's
 * workers spin about 0.2 ms after a oneDNN call, then sleep, so these helpers compete with them only briefly.
 * Shares are fixed by the range alone, and every index belongs to exactly one share, so results do not
 * depend on scheduling.
 */
final class Lanes implements RangeRunner, AutoCloseable {

    private final int threads;
    private final ExecutorService helpers;

    Lanes(int threads) {
        this.threads = Math.max(1, threads);
        this.helpers = this.threads == 1 ? null : Executors.newFixedThreadPool(this.threads - 1, r -> {
            Thread t = new Thread(r, "sagan4j-java-lane");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void forRange(int n, int grain, Range body) {
        int shares = helpers == null ? 1 : Math.min(threads, n / Math.max(1, grain));
        if (shares <= 1) {
            body.run(0, n);
            return;
        }
        Future<?>[] others = new Future<?>[shares - 1];
        for (int s = 1; s < shares; s++) {
            int lo = (int) ((long) n * s / shares), hi = (int) ((long) n * (s + 1) / shares);
            others[s - 1] = helpers.submit(() -> body.run(lo, hi));
        }
        body.run(0, (int) ((long) n / shares));
        for (Future<?> f : others) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a Java lane", e);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                throw c instanceof RuntimeException r ? r : new IllegalStateException(c);
            }
        }
    }

    /** A partial sum over [from, to). */
    @FunctionalInterface
    interface PartialSum {
        double sum(int from, int to);
    }

    /** Indices per chunk of {@link #sum}: fixed, so the order of the additions does not depend on the threads. */
    static final int SUM_CHUNK = 1 << 16;

    /**
     * Σ over [0, n) as partial sums of fixed chunks of SUM_CHUNK indices, computed on the lanes and added
     * in chunk order: the same bits for any thread count.
     */
    double sum(int n, PartialSum body) {
        int chunks = (n + SUM_CHUNK - 1) / SUM_CHUNK;
        if (chunks <= 1) {
            return body.sum(0, n);
        }
        double[] partial = new double[chunks];
        forRange(chunks, 1, (lo, hi) -> {
            for (int k = lo; k < hi; k++) {
                partial[k] = body.sum(k * SUM_CHUNK, Math.min(n, (k + 1) * SUM_CHUNK));
            }
        });
        double s = 0;
        for (double v : partial) {
            s += v;
        }
        return s;
    }

    @Override
    public void close() {
        if (helpers != null) {
            helpers.shutdownNow();
        }
    }
}
