package sagan4j.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

/**
 * Used heap after a full collection, sampled at checkpoints of a long loop, and the check that it does not
 * grow. A memory assertion, not a speed one: what is measured is bytes still reachable after System.gc().
 *
 * <p>Why "the smallest of three collections": one System.gc() can leave some garbage behind (the collector
 * finishes reference processing and finalizable objects on the next cycle); the minimum over three is stable
 * to well under a MiB here. Why a slack and no trend fit: the JIT's code and metadata, class loading and
 * the loader's queue add a few MiB early on and then stop; a leak keeps adding, so the growth between the
 * first checkpoint (after a warm-up) and the LARGEST later one is bounded by the slack.
 */
public final class HeapProbe {
    private final List<Long> samples = new ArrayList<>();

    /** Bytes of the heap in use after collecting garbage (the smallest of three full collections). */
    public static long usedAfterGc() {
        long best = Long.MAX_VALUE;
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            best = Math.min(best, rt.totalMemory() - rt.freeMemory());
        }
        return best;
    }

    public void sample() {
        samples.add(usedAfterGc());
    }

    public List<Long> samples() {
        return samples;
    }

    /** Largest growth over the first sample, in bytes. */
    public long growth() {
        long first = samples.get(0), worst = 0;
        for (long s : samples) {
            worst = Math.max(worst, s - first);
        }
        return worst;
    }

    /** Fails when any sample exceeds the first by more than {@code slackBytes}; names every sample. */
    public void assertFlat(String what, long slackBytes) {
        assertTrue(samples.size() >= 3, what + ": too few samples to judge " + samples);
        assertTrue(growth() <= slackBytes, what + ": used heap after GC grew by " + growth() / 1024 + " KiB, more than the slack of "
                + slackBytes / 1024 + " KiB; samples (KiB): " + kib());
    }

    public String kib() {
        return samples.stream().map(s -> String.valueOf(s / 1024)).toList().toString();
    }
}
