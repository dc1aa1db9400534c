package sagan4j.models;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.reference.ReferenceBackend;
import sagan4j.nn.GradCheck;
import sagan4j.nn.Parameter;
import sagan4j.testing.OpenAttention;
import sagan4j.testing.Reference;
import sagan4j.testing.Slow;

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

    private final Backend cpu = new ReferenceBackend();

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

    @Slow
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

    /**
     * A second step after zeroGrad gives bitwise the same gradients: every scratch accumulator a backward adds
     * into (the shared embedding's dL/dv, the embedding tables' scatter targets, attention's do) is cleared by
     * that backward, not left holding the previous step's sums. A single step cannot show this: fresh scratch
     * starts at zero on the CPU.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sagan", "biggan-seed", "biggan-paper"})
    void aSecondStepGivesTheSameGradients(String kind) {
        GanConfig cfg = tiny(kind);
        SplittableRandom rng = new SplittableRandom(9);
        int r = cfg.resolution();
        try (Generator g = new Generator(cpu, cfg); Discriminator d = new Discriminator(cpu, cfg);
             Tensor z = cpu.fromHost(Reference.random(rng, 2 * cfg.zDim(), 1), 2, cfg.zDim());
             Tensor x = cpu.fromHost(Reference.random(rng, 2 * cfg.imageChannels() * r * r, 1), 2, cfg.imageChannels(), r, r);
             Tensor labels = cpu.fromHost(new int[] {2, 0}, 2)) {
            OpenAttention.set(cpu, g.weights(), 0.5f);
            OpenAttention.set(cpu, d.weights(), 0.5f);
            float[] dImg = Reference.random(rng, 2 * cfg.imageChannels() * r * r, 1), dOut = Reference.random(rng, 2, 1);
            float[][] first = step(g, d, z, x, labels, dImg, dOut);
            float[][] second = step(g, d, z, x, labels, dImg, dOut);
            List<Parameter> params = weights(g, d);
            for (int i = 0; i < first.length; i++) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(first[i], second[i],
                        i < params.size() ? params.get(i).name() : "D input");
            }
        }
    }

    /** zeroGrad, forward and backward of G and D; every weight gradient of G then D, then D's input gradient. */
    private float[][] step(Generator g, Discriminator d, Tensor z, Tensor x, Tensor labels, float[] dImg, float[] dOut) {
        g.zeroGrad();
        d.zeroGrad();
        Tensor img = g.forward(z, labels);
        try (Tensor up = cpu.fromHost(dImg, img.shape().dims())) {
            g.backward(up);
        }
        d.forward(x, labels);
        float[] dx;
        try (Tensor up = cpu.fromHost(dOut, 2, 1)) {
            dx = cpu.toHostFloats(d.backward(up));
        }
        List<float[]> out = new java.util.ArrayList<>();
        for (Parameter p : weights(g, d)) {
            out.add(cpu.toHostFloats(p.grad()));
        }
        out.add(dx);
        return out.toArray(new float[0][]);
    }

    private static List<Parameter> weights(Generator g, Discriminator d) {
        List<Parameter> all = new java.util.ArrayList<>(g.weights());
        all.addAll(d.weights());
        return all;
    }

    @Slow
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
