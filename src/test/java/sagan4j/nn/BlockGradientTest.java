package sagan4j.nn;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.reference.ReferenceBackend;
import sagan4j.testing.Reference;

/** Gradient checks of the composite layers (self-attention, conditional batch norm) on the CPU reference. */
class BlockGradientTest {
    private final Backend cpu = new ReferenceBackend();
    private final SplittableRandom rng = new SplittableRandom(31);

    private Tensor input(int... dims) {
        return Reference.randomTensor(cpu, rng, dims);
    }

    @Test
    void selfAttentionWithAndWithoutBiases() {
        for (boolean bias : new boolean[] {false, true}) {
            try (SelfAttention a = new SelfAttention(cpu, "attn", 16, false, bias, rng); Tensor x = input(2, 16, 4, 6)) {
                cpu.fill(a.sigma().value(), 0.7f); // at σ = 0 only σ itself would get a gradient
                GradCheck.layer(cpu, a, x, 2e-3, 3e-3, 60, bias ? 41 : 42, () -> java.util.Arrays.deepHashCode(a.poolDecisions()));
            }
        }
    }

    @Test
    void spectrallyNormalisedSelfAttentionInEvalMode() {
        try (SelfAttention a = new SelfAttention(cpu, "attn", 8, true, false, rng); Tensor x = input(1, 8, 4, 4)) {
            cpu.fill(a.sigma().value(), -0.5f);
            a.forward(x);
            a.train(false);
            GradCheck.layer(cpu, a, x, 2e-3, 3e-3, 60, 43, () -> java.util.Arrays.deepHashCode(a.poolDecisions()));
        }
    }

    @Test
    void conditionalBatchNormWithClassTables() {
        try (ConditionalBatchNorm2d bn = new ConditionalBatchNorm2d(cpu, "bn", 3, 4); Tensor x = input(5, 3, 2, 3);
             Tensor labels = cpu.fromHost(new int[] {1, 3, 1, 0, 2}, 5)) {
            // non-trivial tables, so that γ and β gradients are not all alike
            cpu.upload(Reference.random(rng, 12, 1), bn.parameters().get(0).value());
            cpu.upload(Reference.random(rng, 12, 1), bn.parameters().get(1).value());
            Layer asLayer = new Layer(cpu, "bn") {
                @Override
                public Tensor forward(Tensor in) {
                    return bn.forward(in, labels);
                }

                @Override
                public Tensor backward(Tensor dy) {
                    return bn.backward(dy);
                }

                @Override
                public java.util.List<Parameter> parameters() {
                    return bn.parameters();
                }
            };
            GradCheck.layer(cpu, asLayer, x, 1e-2, 2e-3, 60, 51);
        }
    }

    @Test
    void conditionalBatchNormWithPerSampleRows() {
        try (ConditionalBatchNorm2d bn = new ConditionalBatchNorm2d(cpu, "bn", 2, 0); Tensor x = input(3, 2, 3, 3);
             Tensor gamma = input(3, 2); Tensor beta = input(3, 2)) {
            Tensor y = bn.forward(x, gamma, beta);
            float[] g = Reference.random(rng, (int) y.size(), 1);
            try (Tensor gt = cpu.fromHost(g, y.shape().dims())) {
                float[] dx = cpu.toHostFloats(bn.backward(gt));
                float[] dGamma = cpu.toHostFloats(bn.gradGammaRows()), dBeta = cpu.toHostFloats(bn.gradBetaRows());
                GradCheck.check("x", cpu, () -> bn.forward(x, gamma, beta), g, x, dx, 1e-2, 2e-3, 40, rng);
                GradCheck.check("gamma rows", cpu, () -> bn.forward(x, gamma, beta), g, gamma, dGamma, 1e-2, 2e-3, 6, rng);
                GradCheck.check("beta rows", cpu, () -> bn.forward(x, gamma, beta), g, beta, dBeta, 1e-2, 2e-3, 6, rng);
            }
        }
    }
}
