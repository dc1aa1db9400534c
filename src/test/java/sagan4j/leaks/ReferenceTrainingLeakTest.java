package sagan4j.leaks;

import org.junit.jupiter.api.Test;

import sagan4j.reference.ReferenceBackend;
import sagan4j.testing.HeapProbe;
import sagan4j.testing.Slow;
import sagan4j.testing.TinyTraining;

/**
 * Training on the reference leaks no heap: tiny at width 8 (the preset's is 16), batch 2, synthetic data, sampled
 * every 4 steps over 40 steps after a 5-step warm-up: the used heap after GC stays within 8 MiB of the first
 * sample. 40 steps, not the 1 000 of OneDnnTrainingLeakTest: the double-accumulating reference takes ~18 times as
 * long per step as cpu (measured 2026-12-01 on the loaded 2-core build machine at the preset's width: 2.25 s
 * against 0.127 s), and a step allocates and frees the same tensors every time, so what one step leaked would
 * show in 40 (the model code is shared with cpu, whose 1 000 steps run in OneDnnTrainingLeakTest).
 */
@Slow
class ReferenceTrainingLeakTest {
    private static final int STEPS = Integer.getInteger("sagan4j.referenceLeakSteps", 40), EVERY = Math.max(1, STEPS / 10);
    private static final int WARM_UP = 5;
    private static final long SLACK = 8L << 20;

    @Test
    void trainStepsKeepTheHeapFlat() {
        HeapProbe heap = new HeapProbe();
        long ns;
        try (ReferenceBackend be = new ReferenceBackend(); TinyTraining run = new TinyTraining(be, TinyTraining.config(8, 2))) {
            ns = run.train(WARM_UP, STEPS, EVERY, heap::sample);
        }
        System.out.println("ReferenceTrainingLeakTest: " + STEPS + " steps of tiny width 8 batch 2 in " + ns / 1_000_000_000
                + " s; used heap after GC every " + EVERY + " steps (KiB): " + heap.kib());
        heap.assertFlat("reference, " + STEPS + " train steps", SLACK);
    }
}
