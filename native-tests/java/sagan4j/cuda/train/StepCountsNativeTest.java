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
     * emulator, 2026-12-01, cuDNN convolutions and cuBLAS GEMMs; every upload still synchronises the stream).
     * Issue 10's kernel fixes raised the kernel counts by one each (traced on the emulator): the D step's
     * embedding gradient now sorts the labels by class first (cbn_labels_by_class, then one thread per (k, d)
     * over its class's rows, instead of every thread scanning all B labels), and the G step's 1-channel output
     * conv spreads its bias gradient over many blocks and adds their partials in a second, fixed-order pass.
     * The split depends on the SM count (the emulator has 4): on a large GPU more layers split.
     */
    static final long[] D_CEILING = {297, 65, 5, 1, 15, 7};
    static final long[] G_CEILING = {371, 76, 3, 1, 18, 5};

    @AfterAll
    static void close() {
        CUDA.close();
    }

    @Test
    void tinyStepStaysUnderItsCeilings() {
        StepBench.Result r = StepBench.run(CUDA.get(), GanConfig.preset("tiny"), 4, 3, 1);
        System.out.println("tiny batch 4, D step: " + r.dCounts());
        System.out.println("tiny batch 4, G step: " + r.gCounts());
        check("D step", r.dCounts(), D_CEILING);
        check("G step", r.gCounts(), G_CEILING);
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
