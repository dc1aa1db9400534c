package sagan4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.nn.GradCheck;
import sagan4j.nn.Parameter;
import sagan4j.reference.ReferenceBackend;
import sagan4j.testing.OpenAttention;
import sagan4j.testing.Reference;

/**
 * D's auxiliary classifier head (AC-GAN) on the CPU reference: it leaves the rest of D's weights as they were
 * without it, and D's backward with a class-logit gradient matches central differences of
 * L = Σ up·out + Σ q·aux, for D's input, the head and the trunk (spectral norm off, as in
 * {@link EndToEndGradientTest}).
 */
class AuxClassifierHeadTest {
    private final Backend cpu = new ReferenceBackend();

    @Test
    void theHeadAddsOnlyItsOwnWeights() {
        GanConfig cfg = EndToEndGradientTest.tiny("sagan");
        try (Discriminator plain = new Discriminator(cpu, cfg); Discriminator withHead = new Discriminator(cpu, cfg, true)) {
            assertFalse(plain.hasAuxClassifier());
            assertTrue(withHead.hasAuxClassifier());
            List<Parameter> a = plain.weights(), b = withHead.weights();
            assertEquals(a.size() + 2, b.size(), "weight and bias of the head");
            for (Parameter p : a) {
                Parameter q = b.stream().filter(x -> x.name().equals(p.name())).findFirst().orElseThrow();
                assertArrayEquals(cpu.toHostFloats(p.value()), cpu.toHostFloats(q.value()), p.name());
            }
            assertTrue(b.stream().anyMatch(p -> p.name().startsWith("D.aux")), b.toString());
            assertThrows(RuntimeException.class, plain::auxLogits);
        }
    }

    @Test
    void backwardWithTheClassGradientMatchesFiniteDifferences() {
        GanConfig cfg = EndToEndGradientTest.tiny("sagan");
        SplittableRandom rng = new SplittableRandom(41);
        int r = cfg.resolution(), k = cfg.classes(), b = 2;
        try (Discriminator d = new Discriminator(cpu, cfg, true);
             Tensor x = cpu.fromHost(Reference.random(rng, b * cfg.imageChannels() * r * r, 1), b, cfg.imageChannels(), r, r);
             Tensor labels = cpu.fromHost(new int[] {2, 0}, b)) {
            OpenAttention.set(cpu, d.weights(), 0.5f);
            float[] up = Reference.random(rng, b, 1), q = Reference.random(rng, b * k, 1);
            float[] g = new float[b + b * k]; // the loss weights of [out; aux]
            System.arraycopy(up, 0, g, 0, b);
            System.arraycopy(q, 0, g, b, b * k);
            GradCheck.Forward both = () -> {
                float[] out = cpu.toHostFloats(d.forward(x, labels)), aux = cpu.toHostFloats(d.auxLogits());
                float[] cat = new float[b + b * k];
                System.arraycopy(out, 0, cat, 0, b);
                System.arraycopy(aux, 0, cat, b, b * k);
                return cpu.fromHost(cat, cat.length);
            };
            both.run();
            d.zeroGrad();
            float[] dx;
            try (Tensor dOut = cpu.fromHost(up, b, 1); Tensor dAux = cpu.fromHost(q, b, k)) {
                dx = cpu.toHostFloats(d.backward(dOut, dAux));
            }
            SplittableRandom directions = new SplittableRandom(42);
            GradCheck.directions("D input", cpu, both, g, x, dx, 1e-3, 5e-2, 2, directions);
            for (Parameter p : d.weights()) {
                if (p.name().startsWith("D.aux") || p.name().startsWith("D.blocks.0")) { // the head and the far end of the trunk
                    float[] grad = cpu.toHostFloats(p.grad());
                    GradCheck.nonZero(p.name(), grad);
                    GradCheck.directions(p.name(), cpu, both, g, p.value(), grad, 1e-3, 5e-2, 2, directions);
                }
            }
        }
    }
}
