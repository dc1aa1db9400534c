package sagan4j.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static sagan4j.testing.Reference.assertClose;
import static sagan4j.testing.Reference.nans;
import static sagan4j.testing.Reference.random;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import sagan4j.testing.ContractSuite;

/**
 * The fused epilogues on every backend against the unfused ops they replace, computed independently in double
 * here: {@link sagan4j.backend.LayerOps#addChannelBiasActivation} = x += bias per channel, then relu / leaky relu / tanh. Fresh
 * random inputs, y poisoned with NaN before each run, sizes over many GPU blocks.
 */
public class EpilogueContractTest extends ContractSuite {
    private final SplittableRandom rng = new SplittableRandom(20261210);

    private static double activation(Backend.Activation f, double v, double slope) {
        return switch (f) {
            case RELU -> Math.max(v, 0);
            case LEAKY_RELU -> v > 0 ? v : slope * v;
            case TANH -> Math.tanh(v);
        };
    }

    @ParameterizedTest(name = "{0} shape {1}x{2}x{3}x{4}")
    @CsvSource({
        "RELU, 3, 5, 7, 9",
        "LEAKY_RELU, 4, 64, 8, 8",    // tiny's D at batch 4: 16 k elements, many blocks
        "TANH, 2, 3, 32, 32",         // the generator's output conv
        "LEAKY_RELU, 5, 17, 1, 1",    // a (B, C, 1, 1) map
    })
    void biasActivationMatchesTheUnfusedOpsInDouble(Backend.Activation f, int b, int c, int h, int w) {
        Backend be = backend();
        int n = b * c * h * w;
        float slope = 0.2f;
        float[] x = random(rng, n, 1), bias = random(rng, c, 0.5);
        try (Tensor tx = be.fromHost(x, b, c, h, w); Tensor tb = be.fromHost(bias, c); Tensor ty = be.fromHost(nans(n), b, c, h, w)) {
            be.layers().addChannelBiasActivation(tx, tb, f, slope, ty);
            double[] pre = new double[n], want = new double[n];
            for (int i = 0; i < n; i++) {
                pre[i] = (float) (x[i] + bias[(i / (h * w)) % c]);   // the bias add stores a float, as the unfused op
                want[i] = activation(f, pre[i], slope);
            }
            assertClose(f + " pre-activation x + bias", be.toHostFloats(tx), pre, 1e-7);
            assertClose(f + " y", be.toHostFloats(ty), want, 1e-6);
        }
    }

    @Test
    void biasActivationOnAMatrixAndBadArguments() {
        Backend be = backend();
        float[] x = random(rng, 6, 1), bias = random(rng, 3, 1);
        try (Tensor tx = be.fromHost(x, 2, 3); Tensor tb = be.fromHost(bias, 3); Tensor ty = be.fromHost(nans(6), 2, 3);
             Tensor wrong = be.zeros(4)) {
            be.layers().addChannelBiasActivation(tx, tb, Backend.Activation.RELU, 0f, ty);
            double[] want = new double[6];
            for (int i = 0; i < 6; i++) {
                want[i] = Math.max((float) (x[i] + bias[i % 3]), 0);
            }
            assertClose("relu((B, C) + bias)", be.toHostFloats(ty), want, 1e-7);
            assertEquals("addChannelBiasActivation: bias has shape [4], expected [3]",
                    assertThrows(ShapeException.class,
                            () -> be.layers().addChannelBiasActivation(tx, wrong, Backend.Activation.RELU, 0f, ty)).getMessage());
            assertEquals("addChannelBiasActivation: y must be another tensor than x (x keeps the pre-activation)",
                    assertThrows(ShapeException.class,
                            () -> be.layers().addChannelBiasActivation(tx, tb, Backend.Activation.RELU, 0f, tx)).getMessage());
        }
    }
}
