package sagan4j.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import sagan4j.backend.Tensor;
import sagan4j.models.GanConfig;
import sagan4j.nn.Init;
import sagan4j.nn.Module;
import sagan4j.nn.Parameter;
import sagan4j.optim.AdamOptions;
import sagan4j.reference.ReferenceBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static sagan4j.testing.Reference.random;

/**
 * The README's custom training step runs on the reference backend: finite losses, and after the first step every
 * weight of D and of G has moved by exactly Adam's first update from the gradient its own step left (checked
 * against the update written out in double), so each network was updated once, by its own optimizer, from its own
 * loss; the second step carries on.
 */
class CustomGanStepTest {
    private static final int B = 4;

    @Test
    void theReadmeTrainingStepUpdatesEachNetworkByItsOwnAdam() {
        GanConfig tiny = GanConfig.preset("tiny");
        SplittableRandom rng = new SplittableRandom(18);
        int pixels = tiny.imageChannels() * tiny.resolution() * tiny.resolution();
        int[] labels = new int[B];
        for (int i = 0; i < B; i++) {
            labels[i] = rng.nextInt(tiny.classes());
        }
        try (ReferenceBackend be = new ReferenceBackend(); CustomGanStep step = new CustomGanStep(be, tiny, B);
             Tensor real = be.fromHost(random(rng, B * pixels, 1), B, tiny.imageChannels(), tiny.resolution(), tiny.resolution());
             Tensor y = be.fromHost(labels, B); Tensor z = be.fromHost(Init.gaussian(B * tiny.zDim(), 1, rng), B, tiny.zDim())) {
            List<float[]> g0 = values(step.g), d0 = values(step.d);
            float[] losses = step.step(real, y, z);
            for (float l : losses) {
                assertTrue(Float.isFinite(l), "losses " + java.util.Arrays.toString(losses));
            }
            assertMovedByAdamsFirstStep("D", step.d, d0, AdamOptions.ttur(4e-4f));
            assertMovedByAdamsFirstStep("G", step.g, g0, AdamOptions.ttur(1e-4f));
            float[] second = step.step(real, y, z);
            for (float l : second) {
                assertTrue(Float.isFinite(l), "second step's losses " + java.util.Arrays.toString(second));
            }
            assertEquals(2, step.optD.steps());
            assertEquals(2, step.optG.steps());
        }
    }

    private static List<float[]> values(Module net) {
        List<float[]> out = new ArrayList<>();
        net.weights().forEach(p -> out.add(p.value().backend().toHostFloats(p.value())));
        return out;
    }

    /**
     * Adam's first step from zero moments, in double: m̂ = g, v̂ = g², so p ← p − lr·g/(|g| + eps). Within two ulps
     * of p plus 1e-5 of the move, as OptimContractTest allows the kernels.
     */
    private static void assertMovedByAdamsFirstStep(String net, Module m, List<float[]> before, AdamOptions o) {
        List<Parameter> ps = m.weights();
        int moved = 0;
        for (int k = 0; k < ps.size(); k++) {
            float[] p0 = before.get(k), p1 = ps.get(k).value().backend().toHostFloats(ps.get(k).value());
            float[] g = ps.get(k).grad().backend().toHostFloats(ps.get(k).grad());
            for (int i = 0; i < p0.length; i++) {
                double mi = (1 - (double) o.beta1()) * g[i], vi = (1 - (double) o.beta2()) * (double) g[i] * g[i];
                double want = p0[i] - o.lr() * (mi / (1 - o.beta1())) / (Math.sqrt(vi / (1 - o.beta2())) + o.eps());
                double allowed = 2 * Math.ulp((float) want) + 1e-5 * Math.abs(want - p0[i]);
                if (!(Math.abs(p1[i] - want) <= allowed)) {
                    fail(net + " " + ps.get(k).name() + "[" + i + "] is " + p1[i] + ", Adam's first step gives " + want + " (from " + p0[i]
                            + ", gradient " + g[i] + ")");
                }
                moved += p1[i] != p0[i] ? 1 : 0;
            }
        }
        assertTrue(moved > 0, net + " moved");
    }
}
