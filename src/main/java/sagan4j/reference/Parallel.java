package sagan4j.reference;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

import sagan4j.host.RangeRunner;
import sagan4j.host.RangeRunner.Range;

/**
 * Splits an index range over the common fork-join pool. Work smaller than {@code grain} runs on the
 * calling thread, so small tensors pay no scheduling cost.
 */
final class Parallel {
    /** This splitter as the host package's runner (what the shared host loops take). */
    static final RangeRunner RUNNER = Parallel::forRange;

    private Parallel() {
    }

    static void forRange(int n, int grain, Range body) {
        int threads = ForkJoinPool.getCommonPoolParallelism();
        if (n <= grain || threads < 2) {
            body.run(0, n);
            return;
        }
        int chunks = Math.min(threads * 4, (n + grain - 1) / grain);
        ForkJoinPool.commonPool().invoke(new Split(body, n, chunks, 0, chunks));
    }

    private static final class Split extends RecursiveAction {
        private static final long serialVersionUID = 1L;
        private final transient Range body;
        private final int n;
        private final int chunks;
        private final int lo;
        private final int hi;

        Split(Range body, int n, int chunks, int lo, int hi) {
            this.body = body;
            this.n = n;
            this.chunks = chunks;
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                body.run((int) ((long) n * lo / chunks), (int) ((long) n * hi / chunks));
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Split(body, n, chunks, lo, mid), new Split(body, n, chunks, mid, hi));
        }
    }
}
