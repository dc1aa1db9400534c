package sagan4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.reference.ReferenceBackend;
import sagan4j.testing.Reference;

/** Spectral-norm wrappers of Linear, Conv2d and Embedding on the CPU reference. */
class SpectralNormLayerTest {
    private final Backend cpu = new ReferenceBackend();
    private final SplittableRandom rng = new SplittableRandom(21);

    /** The largest singular value of a (rows × cols) matrix, by 500 power iterations on WᵀW in double. */
    static double largestSingularValue(float[] w, int rows, int cols) {
        double[] v = new double[cols];
        java.util.Arrays.fill(v, 1);
        double sigma = 0;
        for (int it = 0; it < 500; it++) {
            double[] wv = new double[rows];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    wv[i] += w[i * cols + j] * v[j];
                }
            }
            double[] wtwv = new double[cols];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    wtwv[j] += w[i * cols + j] * wv[i];
                }
            }
            double n = 0;
            for (double x : wtwv) {
                n += x * x;
            }
            n = Math.sqrt(n);
            for (int j = 0; j < cols; j++) {
                v[j] = wtwv[j] / n;
            }
            sigma = Math.sqrt(n);
        }
        return sigma;
    }

    @Test
    void sigmaConvergesToTheLargestSingularValueAndNamesFollowPyTorch() {
        try (Conv2d c = new Conv2d(cpu, "D.conv", 3, 5, 3, true, true, rng); Tensor x = cpu.fromHost(Reference.random(rng, 2 * 3 * 4 * 4, 1), 2, 3, 4, 4)) {
            List<String> names = c.parameters().stream().map(Parameter::name).toList();
            assertEquals(List.of("D.conv.weight", "D.conv.weight_u", "D.conv.weight_v", "D.conv.bias"), names);
            for (int i = 0; i < 60; i++) {
                c.forward(x);
            }
            SpectralNormWeight sn = (SpectralNormWeight) c.weight();
            double want = largestSingularValue(cpu.toHostFloats(sn.parameter().value()), 5, 27);
            assertEquals(want, cpu.toHostFloats(sn.sigma())[0], 1e-4 * want);
            float[] wSn = cpu.toHostFloats(sn.current());
            assertEquals(1.0, largestSingularValue(wSn, 5, 27), 1e-4, "W/σ has spectral norm 1");
        }
    }

    @Test
    void gradientsInEvalMode() {
        // In eval mode σ = uᵀWv with u, v fixed: exactly the function whose gradient the backward computes.
        try (Linear l = new Linear(cpu, "fc", 6, 4, true, true, rng); Tensor x = cpu.fromHost(Reference.random(rng, 3 * 6, 1), 3, 6)) {
            for (int i = 0; i < 5; i++) {
                l.forward(x);
            }
            l.train(false);
            GradCheck.layer(cpu, l, x, 1e-2, 1e-3, 40, 9);
        }
        try (Conv2d c = new Conv2d(cpu, "conv", 2, 3, 3, false, true, rng); Tensor x = cpu.fromHost(Reference.random(rng, 2 * 2 * 3 * 3, 1), 2, 2, 3, 3)) {
            c.forward(x);
            c.train(false);
            GradCheck.layer(cpu, c, x, 1e-2, 1e-3, 40, 10);
        }
    }

    @Test
    void uAndVChangeOnlyInTraining() {
        try (Linear l = new Linear(cpu, "fc", 5, 4, false, true, rng); Tensor x = cpu.fromHost(Reference.random(rng, 2 * 5, 1), 2, 5)) {
            SpectralNormWeight sn = (SpectralNormWeight) l.weight();
            l.train(false);
            float[] u0 = cpu.toHostFloats(sn.u().value());
            l.forward(x);
            assertEquals(java.util.Arrays.toString(u0), java.util.Arrays.toString(cpu.toHostFloats(sn.u().value())));
            l.train(true);
            l.forward(x);
            assertTrue(!java.util.Arrays.equals(u0, cpu.toHostFloats(sn.u().value())), "training updates u");
        }
    }

    @Test
    void constraintModeRenormalisesTheWeightInPlace() {
        try (Linear l = new Linear(cpu, "fc", 8, 6, false, true, rng)) {
            SpectralNormWeight sn = ((SpectralNormWeight) l.weight()).constraint(true).iterations(50);
            cpu.scale(sn.parameter().value(), 3f);
            sn.constrain();
            assertEquals(1.0, largestSingularValue(cpu.toHostFloats(sn.parameter().value()), 6, 8), 1e-3);
        }
    }

    @Test
    void constraintModeGradientIsThePlainWeightsGradient() {
        // the forward multiplies by W itself, so dL/dW is the plain layer's (σ only enters through constrain())
        try (Linear l = new Linear(cpu, "fc", 6, 4, true, true, rng); Tensor x = cpu.fromHost(Reference.random(rng, 3 * 6, 1), 3, 6)) {
            ((SpectralNormWeight) l.weight()).constraint(true);
            GradCheck.layer(cpu, l, x, 1e-2, 1e-3, 40, 11);
        }
    }
}
