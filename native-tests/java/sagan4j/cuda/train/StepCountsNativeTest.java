package sagan4j.cuda.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import sagan4j.bench.StepBench;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.DeviceCounters;
import sagan4j.cuda.Gpu;
import sagan4j.cuda.StepGraph;
import sagan4j.models.GanConfig;

/**
 * The GPU work of one training step of {@code tiny} (batch 4, after one warm-up step), as {@code bench step
 * --device cuda} counts it: kernel launches, cuBLAS/cuDNN calls, copies, synchronisations, cuMemAlloc. The
 * counts are exact and the same on the emulator as on a GPU (they depend only on the code path), so each is held
 * to a ceiling: the count recorded in docs/performance.md when this test was written. A change that adds launches
 * or round trips to the step fails here and must say why (and raise the ceiling) — the fusions of issue 10 lower
 * them. After three warm-up steps a step allocates nothing new on the device (the caching allocator serves it;
 * with one warm-up the D step still made 33 cuMemAlloc calls, because D's scratch changes shape between the D
 * step's batch of 2B and the G step's B, and the cache holds both sizes only from the third step on).
 */
@Tag("native")
class StepCountsNativeTest {
    private static final Gpu.Shared CUDA = new Gpu.Shared(CudaBackend.Options.defaults());

    /**
     * Ceilings, per D step and per G step: kernels, library calls, H→D, D→H, D→D copies, syncs (measured on the
     * emulator, 2026-12-01, cuDNN convolutions and cuBLAS GEMMs). Changed by issue 10:
     * <ul>
     *   <li>the device loss and pinned uploads: +1 kernel per step (gan_loss_f32, which computes the loss, its
     *       gradient and the summary on the device), −1 H→D copy (the loss gradient is no longer uploaded) and
     *       5 / 3 fewer syncs (uploads go through pinned staging without waiting; what is left is the summary's
     *       read-back and the bench's own synchronize);</li>
     *   <li>the kernel fixes: +1 kernel per step (traced on the emulator): the D step's embedding gradient
     *       sorts the labels by class first (cbn_labels_by_class, then one thread per (k, d) over its class's
     *       rows, instead of every thread scanning all B labels), and the G step's 1-channel output conv spreads
     *       its bias gradient over many blocks and adds their partials in a second, fixed-order pass. The split
     *       depends on the SM count (the emulator has 4): on a large GPU more layers split.</li>
     * </ul>
     * Before: D {296, 65, 5, 1, 15, 7}, G {370, 76, 3, 1, 18, 5}.
     */
    static final long[] D_CEILING = {298, 65, 4, 1, 15, 2};
    static final long[] G_CEILING = {372, 76, 2, 1, 18, 2};

    @AfterAll
    static void close() {
        CUDA.close();
    }

    @Test
    void tinyStepStaysUnderItsCeilings() {
        CudaBackend be = CUDA.get();
        be.setGraphCapture(false); // op by op: what each step launches
        StepBench.Result r;
        try {
            r = StepBench.run(be, GanConfig.preset("tiny"), 4, 3, 1);
        } finally {
            be.setGraphCapture(true);
        }
        System.out.println("tiny batch 4, D step: " + r.dCounts());
        System.out.println("tiny batch 4, G step: " + r.gCounts());
        check("D step", r.dCounts(), D_CEILING);
        check("G step", r.gCounts(), G_CEILING);
    }

    /** Captured (the default on CUDA): a warm step is one graph launch plus the work left outside the graph. */
    @Test
    void aCapturedStepIsOneGraphLaunch() {
        // warm-ups: 2 uncaptured runs per step, the captures, and one more uncaptured G step: its first capture
        // misses memory the D step's graph now keeps (see StepGraph.CAPTURE_ATTEMPTS)
        StepBench.Result r = StepBench.run(CUDA.get(), GanConfig.preset("tiny"), 4, StepGraph.WARMUPS + 2, 1);
        System.out.println("tiny batch 4, captured D step: " + r.dCounts() + "; " + r.dCapture());
        System.out.println("tiny batch 4, captured G step: " + r.gCounts() + "; " + r.gCapture());
        for (DeviceCounters.Snapshot c : new DeviceCounters.Snapshot[] {r.dCounts(), r.gCounts()}) {
            assertEquals(1, c.graphLaunches(), "one graph launch per step: " + c);
            assertEquals(0, c.allocations(), "no cuMemAlloc in a warm step: " + c);
            assertEquals(0, c.libraryCalls(), "every GEMM and convolution is inside the graph: " + c);
        }
        assertTrue(r.dCapture().startsWith("captured"), r.dCapture());
        assertTrue(r.gCapture().startsWith("captured"), r.gCapture());
    }

    private static void check(String what, DeviceCounters.Snapshot c, long[] ceiling) {
        assertTrue(c.kernels() > 0 && c.libraryCalls() > 0, what + ": the step reached the GPU: " + c);
        assertEquals(0, c.allocations(), what + ": cuMemAlloc inside a warm step: " + c);
        long[] got = {c.kernels(), c.libraryCalls(), c.copiesToDevice(), c.copiesToHost(), c.copiesOnDevice(), c.syncs()};
        String[] names = {"kernels", "library calls", "H→D copies", "D→H copies", "D→D copies", "syncs"};
        for (int i = 0; i < got.length; i++) {
            assertTrue(got[i] <= ceiling[i], what + ": " + got[i] + " " + names[i] + ", ceiling " + ceiling[i] + " (" + c + ")");
        }
    }
}
