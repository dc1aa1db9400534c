package sagan4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import sagan4j.backend.Backend;
import sagan4j.data.Batch;
import sagan4j.models.GanConfig;
import sagan4j.nn.Parameter;
import sagan4j.reference.ReferenceBackend;
import sagan4j.testing.Reference;

/**
 * The AC-GAN term in TrainStep ({@code --aux-weight}) on the CPU reference: D gets the head only with a
 * weight above 0, the term is reported per update and scales with its weight, and it reaches D's head in the
 * D step and leaves the GAN loss of the same weights alone.
 */
class AuxClassifierStepTest {
    private static final Backend CPU = new ReferenceBackend();

    private static TrainStep step(String auxWeight) {
        TrainConfig cfg = new TrainConfig();
        cfg.set("ch", "8").set("batch", "4").set("steps", "1").set("aux-weight", auxWeight);
        return TrainSetup.fromConfig(CPU, cfg, cfg.model(10));
    }

    private static Batch realBatch(GanConfig m) {
        float[] images = Reference.random(new SplittableRandom(5), 4 * m.imageChannels() * m.resolution() * m.resolution(), 1.0);
        return new Batch(images, new int[] {3, 8, 0, 3}, 0, 0);
    }

    private static float[] head(TrainStep s) {
        Parameter w = s.discriminator().weights().stream().filter(p -> p.name().equals("D.aux.weight")).findFirst().orElseThrow();
        return CPU.toHostFloats(w.value());
    }

    @Test
    void theTermScalesWithItsWeightAndTrainsTheHead() {
        try (TrainStep off = step("0"); TrainStep one = step("1"); TrainStep two = step("2")) {
            assertFalse(off.discriminator().hasAuxClassifier());
            assertTrue(one.discriminator().hasAuxClassifier());
            StepResult d0 = off.dStep(realBatch(off.generator().config()));
            float[] before = head(one);
            StepResult d1 = one.dStep(realBatch(one.generator().config()));
            StepResult d2 = two.dStep(realBatch(two.generator().config()));
            assertTrue(Double.isNaN(d0.aux()), "no head, no term");
            // ten classes at initialisation: about log 10 per real image, never 0
            assertTrue(d1.aux() > 0.5 && d1.aux() < 10, "D's term " + d1.aux());
            assertEquals(2 * d1.aux(), d2.aux(), 0, "weight·Σ CE / batch: twice the weight, twice the term");
            // the same weights give the same GAN loss: the head does not enter D's logit
            assertEquals(d0.dLossReal(), d1.dLossReal(), 0);
            assertEquals(d0.dLossFake(), d1.dLossFake(), 0);
            assertNotEquals(java.util.Arrays.toString(before), java.util.Arrays.toString(head(one)), "the D step updates the head");
            StepResult g1 = one.gStep(4);
            assertTrue(g1.aux() > 0 && Double.isFinite(g1.aux()), "G's term " + g1.aux());
            assertTrue(Double.isNaN(off.gStep(4).aux()));
        }
    }
}
