package sagan4j.onednn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Java lanes' contract: every index once, failures reach the caller, any thread count the same bits. */
class LanesTest {

    @Test
    void everyIndexRunsExactlyOnceOverManyBackToBackLoops() {
        try (Lanes lanes = new Lanes(3)) {
            SplittableRandom rng = new SplittableRandom(7);
            for (int loop = 0; loop < 2000; loop++) {
                int n = 1 + rng.nextInt(5000);
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                lanes.forRange(n, 1 + rng.nextInt(64), (lo, hi) -> {
                    for (int i = lo; i < hi; i++) {
                        hits.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, hits.get(i), "loop " + loop + " index " + i + " of " + n);
                }
            }
        }
    }

    @Test
    void helpersThatSleptPastTheirSpinStillRunTheirShares() throws InterruptedException {
        try (Lanes lanes = new Lanes(2)) {
            for (int loop = 0; loop < 5; loop++) {
                Thread.sleep(2 + Lanes.SPIN_NS / 1_000_000); // the helper parks
                assertEveryIndexRunsOnce(lanes, 1000);
            }
        }
    }

    @Test
    void aFailureInAHelperShareOrTheCallersShareReachesTheCaller() {
        try (Lanes lanes = new Lanes(2)) {
            IllegalArgumentException inHelper = new IllegalArgumentException("helper share");
            assertSame(inHelper, assertThrows(IllegalArgumentException.class, () -> lanes.forRange(100, 1, (lo, hi) -> {
                if (lo > 0) {
                    throw inHelper;
                }
            })));
            IllegalStateException inCaller = new IllegalStateException("caller share");
            assertSame(inCaller, assertThrows(IllegalStateException.class, () -> lanes.forRange(100, 1, (lo, hi) -> {
                if (lo == 0) {
                    throw inCaller;
                }
            })));
            // and the lanes still work afterwards
            assertEveryIndexRunsOnce(lanes, 100);
        }
    }

    @Test
    @Timeout(30) // without the closed check the caller would wait for helpers that are gone
    void aLoopAfterCloseRunsOnItsCaller() {
        Lanes lanes = new Lanes(2);
        lanes.close();
        assertEveryIndexRunsOnce(lanes, 100_000);
    }

    @Test
    void loopsFromTwoThreadsAtOnceAreBothComplete() throws InterruptedException {
        try (Lanes lanes = new Lanes(2)) {
            int n = 20_000;
            int[][] out = new int[2][n];
            Thread[] callers = new Thread[2];
            boolean[] ok = new boolean[2];
            for (int t = 0; t < 2; t++) {
                int who = t;
                callers[t] = new Thread(() -> {
                    for (int loop = 0; loop < 300; loop++) {
                        lanes.forRange(n, 16, (lo, hi) -> {
                            for (int i = lo; i < hi; i++) {
                                out[who][i]++;
                            }
                        });
                    }
                    ok[who] = true;
                });
                callers[t].start();
            }
            for (Thread c : callers) {
                c.join(60_000);
            }
            for (int t = 0; t < 2; t++) {
                assertTrue(ok[t], "caller " + t + " finished");
                for (int i = 0; i < n; i++) {
                    assertEquals(300, out[t][i], "caller " + t + " index " + i);
                }
            }
        }
    }

    @Test
    void sumHasTheSameBitsForAnyThreadCountAndMatchesADoubleLoop() {
        int n = 5 * Lanes.SUM_CHUNK + 123;
        float[] a = new float[n];
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.nextDouble(-1, 1);
        }
        double reference = 0;
        for (float v : a) {
            reference += v;
        }
        Double first = null;
        for (int threads = 1; threads <= 3; threads++) {
            try (Lanes lanes = new Lanes(threads)) {
                double s = lanes.sum(n, (lo, hi) -> {
                    double p = 0;
                    for (int i = lo; i < hi; i++) {
                        p += a[i];
                    }
                    return p;
                });
                assertEquals(reference, s, 1e-9 * n);
                if (first == null) {
                    first = s;
                }
                assertEquals(Double.doubleToRawLongBits(first), Double.doubleToRawLongBits(s), threads + " threads");
            }
        }
    }

    /** One loop over n indices, grain 1, on {@code lanes}: every index is run exactly once. */
    private static void assertEveryIndexRunsOnce(Lanes lanes, int n) {
        int[] hits = new int[n];
        lanes.forRange(n, 1, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                hits[i]++;
            }
        });
        for (int i = 0; i < n; i++) {
            assertEquals(1, hits[i], "index " + i + " of " + n);
        }
    }
}
