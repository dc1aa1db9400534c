package sagan4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import sagan4j.backend.Tensor;
import sagan4j.reference.ReferenceBackend;
import sagan4j.models.Discriminator;
import sagan4j.models.GanConfig;
import sagan4j.testing.Reference;

/**
 * The requires-grad switch: a discriminator (convolutions, self-attention, linear, projection embedding)
 * with it off returns the same input gradient, bit for bit, and leaves every weight gradient untouched.
 */
class RequiresGradTest {
    @Test
    void offComputesTheSameInputGradientAndNoWeightGradient() {
        GanConfig cfg = new GanConfig("t", GanConfig.Blocks.SEED, false, 32, 1, 3, 8, 16, 0, 0, 16, true, true, 0f, false, 5);
        SplittableRandom rng = new SplittableRandom(2);
        try (ReferenceBackend be = new ReferenceBackend(); Discriminator d = new Discriminator(be, cfg);
             Tensor x = be.fromHost(Reference.random(rng, 2 * 32 * 32, 1), 2, 1, 32, 32); Tensor y = be.fromHost(new int[] {2, 0}, 2);
             Tensor dOut = be.fromHost(new float[] {0.5f, -1.5f}, 2, 1)) {
            d.train(false); // the same W/σ in both passes
            d.forward(x, y);
            float[] withGrads = be.toHostFloats(d.backward(dOut));
            double total = 0;
            for (Parameter p : d.weights()) {
                for (float g : be.toHostFloats(p.grad())) {
                    total += Math.abs(g);
                }
            }
            assertTrue(total > 0, "with the switch on, weight gradients are computed");
            d.zeroGrad();
            d.requiresGrad(false);
            d.forward(x, y);
            assertArrayEquals(withGrads, be.toHostFloats(d.backward(dOut)));
            for (Parameter p : d.weights()) {
                for (float g : be.toHostFloats(p.grad())) {
                    assertEquals(0f, g, p.name());
                }
            }
        }
    }
}
