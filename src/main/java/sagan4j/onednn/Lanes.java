package sagan4j.onednn;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import sagan4j.host.RangeRunner;

/**
 * Splits a Java loop over as many threads as OpenMP has (the caller plus helpers), only while no oneDNN
 * call runs: the caller runs one share and waits for the others before it returns, so Java and OpenMP work
 * never overlap. A step is hundreds of short Java loops (0.05–2 ms each) between oneDNN calls, so a helper
 * spins for {@link #SPIN_NS} after each share, waiting for the next one, before it parks: the loops that
 * follow each other then start without a wake-up, and a parked helper costs nothing while oneDNN runs (with
 * OMP_WAIT_POLICY=passive and a 20 000 spin count, what sagan4j's launcher sets, OpenMP's workers do the same
 * about 0.2 ms after a oneDNN call). The caller waits for its helpers spinning, as its own share and theirs
 * are the same size. Shares are fixed by the range alone, and every index belongs to exactly one share, so
 * results do not depend on scheduling; a loop started while another thread's loop is in flight runs on its
 * own thread alone.
 */
final class Lanes implements RangeRunner, AutoCloseable {
    /** How long a helper spins for its next share before it parks; {@code -Dsagan4j.laneSpinNs} to change. */
    static final long SPIN_NS = Long.getLong("sagan4j.laneSpinNs", 50_000L);

    /**
     * A loop is split only where each share gets at least this many of its caller's grains (16 × 32k
     * elements for the element loops, ~0.1 ms of streaming work): below that a second lane costs about what
     * it saves on the 2-core build machine (tiny's Java time per step 45–51 ms with a factor of 1, 39–41 with
     * 16 or with one lane; SAGAN-32's was no worse with 16; bench/results/2026-12-08-lanes);
     * {@code -Dsagan4j.laneGrainFactor} to change.
     */
    static final int GRAIN_FACTOR = Integer.getInteger("sagan4j.laneGrainFactor", 16);

    private final int threads;
    private final Helper[] helpers;
    private final AtomicBoolean busy = new AtomicBoolean();
    /** Set by close: the helpers are gone, so later loops run on their caller alone (they would wait forever). */
    private volatile boolean closed;

    Lanes(int threads) {
        this.threads = Math.max(1, threads);
        this.helpers = new Helper[this.threads - 1];
        for (int i = 0; i < helpers.length; i++) {
            helpers[i] = new Helper();
            helpers[i].start();
        }
    }

    /**
     * One helper thread and its mailbox: the caller writes a share, then bumps {@code posted} (a volatile
     * write publishes the share); the helper runs it and sets {@code finished} to the same count (publishing
     * its failure, if any).
     */
    private static final class Helper extends Thread {
        private volatile long posted;
        private volatile long finished;
        private volatile boolean parked;
        private volatile boolean closed;
        private Range body;
        private int lo, hi;
        private Throwable failure;

        Helper() {
            super("sagan4j-java-lane");
            setDaemon(true);
        }

        void post(Range body, int lo, int hi) {
            this.body = body;
            this.lo = lo;
            this.hi = hi;
            this.failure = null;
            posted = posted + 1;
            if (parked) {
                LockSupport.unpark(this);
            }
        }

        /** Waits (spinning, then yielding) until the posted share is done; its failure, or null. */
        Throwable await() {
            long target = posted;
            for (int spins = 0; finished != target; spins++) {
                if (spins < 1 << 16) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            return failure;
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                long deadline = System.nanoTime() + SPIN_NS;
                while (posted == seen && !closed) {
                    if (System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    } else {
                        // parked is set before posted is read again: a post after that read sees it and unparks
                        parked = true;
                        if (posted == seen && !closed) {
                            LockSupport.park(this);
                        }
                        parked = false;
                    }
                }
                if (closed) {
                    return;
                }
                seen = posted;
                try {
                    body.run(lo, hi);
                } catch (Throwable t) {
                    failure = t;
                }
                body = null;
                finished = seen;
            }
        }

        void shutdown() {
            closed = true;
            LockSupport.unpark(this);
        }
    }

    @Override
    public void forRange(int n, int grain, Range body) {
        int shares = (int) Math.min(threads, n / ((long) Math.max(1, grain) * GRAIN_FACTOR));
        if (shares <= 1 || closed || !busy.compareAndSet(false, true)) {
            body.run(0, n);
            return;
        }
        try {
            for (int s = 1; s < shares; s++) {
                helpers[s - 1].post(body, (int) ((long) n * s / shares), (int) ((long) n * (s + 1) / shares));
            }
            Throwable failure = null;
            try {
                body.run(0, (int) ((long) n / shares));
            } finally {
                for (int s = 1; s < shares; s++) {
                    Throwable t = helpers[s - 1].await();
                    failure = failure == null ? t : failure;
                }
            }
            if (failure instanceof RuntimeException r) {
                throw r;
            } else if (failure instanceof Error e) {
                throw e;
            } else if (failure != null) {
                throw new IllegalStateException("a Java lane failed", failure);
            }
        } finally {
            busy.set(false);
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
        closed = true;
        for (Helper h : helpers) {
            h.shutdown();
        }
    }
}
