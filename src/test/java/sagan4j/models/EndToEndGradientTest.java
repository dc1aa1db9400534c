package sagan4j.models;

import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.cpu.CpuBackend;
import sagan4j.nn.GradCheck;
import sagan4j.nn.Parameter;
import sagan4j.testing.OpenAttention;
import sagan4j.testing.Reference;

/**
 * Gradient checks of whole tiny generators and discriminators (every block type, attention, both
 * conditioning modes) on the CPU reference: for every weight tensor and D's input, central differences of
 * L = Σ out·g along the tensor's own analytic gradient and along {@link #RANDOM_DIRECTIONS} seeded random
 * directions ({@link GradCheck#directions}: the random ones catch a gradient that is missing, wholly or in
 * part), and every weight's gradient must be non-zero; the layers are checked element by element
 * elsewhere. Attention's σ is set to 0.5 (at its initial 0 nothing inside the block would get a gradient,
 * the one place where a zero weight gradient is right). Spectral norm is off here (its power iteration changes σ from
 * call to call in training; the SN wrappers have their own checks); batch norm runs in training mode.
 */
class EndToEndGradientTest {
    private static final double EPS = 1e-3;
    /**
     * 5%: a wiring mistake (a missing skip-path gradient, a wrong sign or scale) is off by far more; the
     * per-layer checks hold each layer to 1e-3. What is left here is curvature (batch norm) and kinks
     * crossed inside ±eps — up to a few percent for a scalar like attention's σ.
     */
    private static final double TOL = 5e-2;
    /** Random directions per tensor, on top of the one along the gradient. */
    private static final int RANDOM_DIRECTIONS = 3;

    private final Backend cpu = new CpuBackend();

    static GanConfig tiny(String kind) {
        return switch (kind) {
            case "sagan" -> new GanConfig("tiny-sagan", GanConfig.Blocks.SEED, false, 32, 3, 3, 8, 16, 0, 16, 16, false, false,
                    0f, false, 7);
            case "biggan-seed" -> new GanConfig("tiny-biggan32", GanConfig.Blocks.SEED, true, 32, 3, 3, 8, 16, 4, 16, 8, false,
                    false, 0f, true, 7);
            default -> new GanConfig("tiny-biggan-paper", GanConfig.Blocks.BIGGAN, true, 32, 1, 3, 8, 16, 4, 16, 16, false, false,
                    1f, true, 7);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"sagan", "biggan-seed", "biggan-paper"})
    void generator(String kind) {
        GanConfig cfg = tiny(kind);
        SplittableRandom rng = new SplittableRandom(3);
        try (Generator g = new Generator(cpu, cfg); Tensor z = cpu.fromHost(Reference.random(rng, 2 * cfg.zDim(), 1), 2, cfg.zDim());
             Tensor labels = cpu.fromHost(new int[] {2, 0}, 2)) {
            OpenAttention.set(cpu, g.weights(), 0.5f);
            Tensor img = g.forward(z, labels);
            float[] up = Reference.random(rng, (int) img.size(), 1);
            g.zeroGrad();
            try (Tensor dImg = cpu.fromHost(up, img.shape().dims())) {
                g.backward(dImg);
            }
            SplittableRandom directions = new SplittableRandom(5);
            for (Parameter p : g.weights()) {
                float[] grad = cpu.toHostFloats(p.grad());
                GradCheck.nonZero(p.name(), grad);
                GradCheck.directions(p.name(), cpu, () -> g.forward(z, labels), up, p.value(), grad, EPS, TOL,
                        RANDOM_DIRECTIONS, directions);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sagan", "biggan-seed", "biggan-paper"})
    void discriminator(String kind) {
        GanConfig cfg = tiny(kind);
        SplittableRandom rng = new SplittableRandom(4);
        int r = cfg.resolution();
        try (Discriminator d = new Discriminator(cpu, cfg);
             Tensor x = cpu.fromHost(Reference.random(rng, 2 * cfg.imageChannels() * r * r, 1), 2, cfg.imageChannels(), r, r);
             Tensor labels = cpu.fromHost(new int[] {1, 1}, 2)) {
            OpenAttention.set(cpu, d.weights(), 0.5f);
            Tensor out = d.forward(x, labels);
            float[] up = Reference.random(rng, (int) out.size(), 1);
            d.zeroGrad();
            float[] dx;
            try (Tensor dOut = cpu.fromHost(up, 2, 1)) {
                dx = cpu.toHostFloats(d.backward(dOut));
            }
            SplittableRandom directions = new SplittableRandom(6);
            GradCheck.nonZero("D input", dx);
            GradCheck.directions("D input", cpu, () -> d.forward(x, labels), up, x, dx, EPS, TOL, RANDOM_DIRECTIONS, directions);
            for (Parameter p : d.weights()) {
                float[] grad = cpu.toHostFloats(p.grad());
                GradCheck.nonZero(p.name(), grad);
                GradCheck.directions(p.name(), cpu, () -> d.forward(x, labels), up, p.value(), grad, EPS, TOL,
                        RANDOM_DIRECTIONS, directions);
            }
        }
    }
}
