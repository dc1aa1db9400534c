package sagan4j.nn;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.cpu.CpuBackend;
import sagan4j.testing.Reference;

/** Gradient checks of the composite layers (self-attention, conditional batch norm) on the CPU reference. */
class BlockGradientTest {
    private final Backend cpu = new CpuBackend();
    private final SplittableRandom rng = new SplittableRandom(31);

    private Tensor input(int... dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        return cpu.fromHost(Reference.random(rng, n, 1), dims);
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
}
