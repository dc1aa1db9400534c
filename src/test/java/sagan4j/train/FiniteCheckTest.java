package sagan4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import sagan4j.backend.Backend;
import sagan4j.reference.ReferenceBackend;
import sagan4j.data.Batch;
import sagan4j.models.GanConfig;
import sagan4j.nn.Module;
import sagan4j.nn.Parameter;
import sagan4j.testing.Reference;

/**
 * What --check-finite costs and names, on TrainStep directly (CPU reference, tiny at width 8, batch 2): the
 * default (losses) puts no work on the backend; {@code all} counts every layer output of each forward and
 * every weight gradient of the updated network; a poisoned gradient is named by its parameter and the
 * layer that owns it.
 */
class FiniteCheckTest {
    private static final Backend CPU = new ReferenceBackend();

    private static TrainStep step(TrainConfig.CheckFinite mode) {
        TrainConfig cfg = new TrainConfig();
        cfg.set("ch", "8").set("batch", "2").set("steps", "1").set("check-finite", mode.name().toLowerCase());
        return TrainSetup.fromConfig(CPU, cfg, cfg.model(10));
    }

    private static Batch realBatch(GanConfig m) {
        float[] images = Reference.random(new SplittableRandom(5), 2 * m.imageChannels() * m.resolution() * m.resolution(), 1.0);
        return new Batch(images, new int[] {3, 8}, 0, 0);
    }

    private static long outputs(Module net) {
        return net.modules().stream().filter(m -> m.lastOutput() != null).count();
    }

    @Test
    void theDefaultChecksOnTheHostOnlyAndAllChecksEveryOutputAndGradient() {
        try (TrainStep s = step(TrainConfig.CheckFinite.LOSSES)) {
            s.dStep(realBatch(s.generator().config()));
            s.gStep(2);
            assertEquals(0, s.finiteCheck().deviceChecks());
        }
        try (TrainStep s = step(TrainConfig.CheckFinite.ALL)) {
            s.dStep(realBatch(s.generator().config()));
            long afterD = s.finiteCheck().deviceChecks();
            long perForward = outputs(s.generator()) + outputs(s.discriminator());
            assertEquals(perForward + s.discriminator().weights().size(), afterD);
            s.gStep(2);
            assertEquals(perForward + s.generator().weights().size(), s.finiteCheck().deviceChecks() - afterD);
        }
    }

    @Test
    void aNonFiniteGradientIsNamedWithItsLayer() {
        try (TrainStep s = step(TrainConfig.CheckFinite.ALL)) {
            s.dStep(realBatch(s.generator().config()));
            Parameter p = s.generator().weights().get(5);
            Module owner = s.generator().modules().stream()
                    .filter(m -> m.children().isEmpty() && m.parameters().contains(p)).findFirst().orElseThrow();
            float[] g = new float[(int) p.grad().size()];
            Arrays.fill(g, 0.5f);
            g[g.length - 1] = Float.POSITIVE_INFINITY;
            CPU.upload(g, p.grad());
            NonFiniteException e = assertThrows(NonFiniteException.class, () -> s.finiteCheck().gradients(7, TrainStep.G_PHASE, s.generator()));
            assertEquals(7, e.step());
            assertEquals("G step", e.phase());
            assertEquals(owner.path(), e.layer());
            assertEquals("the gradient of " + p.name(), e.tensor());
            assertEquals("non-finite value at step 7 (G step): the gradient of " + p.name() + " has 1 NaN or infinite value of " + g.length + ", shape " + p.grad().shape(), e.getMessage());
        }
    }
}
