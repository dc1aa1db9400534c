package sagan4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import sagan4j.backend.Backend;
import sagan4j.backend.ShapeException;
import sagan4j.reference.ReferenceBackend;
import sagan4j.nn.OrthogonalRegularization.Form;
import sagan4j.testing.Reference;

/**
 * Orthogonal regularisation on the CPU reference: a hand-computed 2×3 case for both forms, the seed form's
 * gradient against central differences of its loss in double, BigGAN's form against a double loop, and
 * orthonormal rows giving no gradient.
 */
class OrthogonalRegularizationTest {
    private final Backend cpu = new ReferenceBackend();
    private final SplittableRandom rng = new SplittableRandom(77);

    /** β·‖(W Wᵀ) ⊙ (1 − I)‖_F in double, W (out, rest) row-major. */
    static double seedLoss(double[] w, int out, double beta) {
        int rest = w.length / out;
        double s = 0;
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < out; j++) {
                if (i == j) {
                    continue;
                }
                double g = 0;
                for (int k = 0; k < rest; k++) {
                    g += w[i * rest + k] * w[j * rest + k];
                }
                s += g * g;
            }
        }
        return beta * Math.sqrt(s);
    }

    /** 2β·M·W in double. */
    static double[] bigganGradient(float[] w, int out, double beta) {
        int rest = w.length / out;
        double[] m = new double[out * out];
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < out; j++) {
                if (i != j) {
                    for (int k = 0; k < rest; k++) {
                        m[i * out + j] += (double) w[i * rest + k] * w[j * rest + k];
                    }
                }
            }
        }
        double[] g = new double[w.length];
        for (int i = 0; i < out; i++) {
            for (int k = 0; k < rest; k++) {
                double s = 0;
                for (int j = 0; j < out; j++) {
                    s += m[i * out + j] * w[j * rest + k];
                }
                g[i * rest + k] = 2 * beta * s;
            }
        }
        return g;
    }

    @Test
    void handComputedTwoByThree() {
        // W = [1 2 0; 0 1 1]: W Wᵀ = [5 2; 2 2], M = [0 2; 2 0], ‖M‖ = 2√2, M·W = [0 2 2; 2 4 0]
        float r2 = (float) Math.sqrt(2);
        for (Form form : Form.values()) {
            try (Linear l = new Linear(cpu, "fc", 3, 2, false, rng)) {
                Parameter w = l.weight().parameter();
                cpu.upload(new float[] {1, 2, 0, 0, 1, 1}, w.value());
                cpu.fill(w.grad(), 1f);
                try (OrthogonalRegularization reg = new OrthogonalRegularization(cpu, List.of(w), 0.5f, form)) {
                    assertEquals(2 * r2 * 0.5f, reg.loss(), 1e-6);
                    reg.addGradients();
                    // seed: (β/‖M‖)·2·M·W = M·W/(2√2); BigGAN: 2β·M·W = M·W
                    float[] want = form == Form.SEED_FROBENIUS
                            ? new float[] {1, 1 + 1 / r2, 1 + 1 / r2, 1 + 1 / r2, 1 + 2 / r2, 1}
                            : new float[] {1, 3, 3, 3, 5, 1};
                    Reference.assertClose(form.name(), cpu.toHostFloats(w.grad()), want, 1e-7);
                    assertEquals(2 * r2 * 0.5f, reg.loss(), 1e-6, "the loss does not depend on the form");
                }
            }
        }
    }

    @Test
    void seedFormGradientMatchesCentralDifferencesOfItsLoss() {
        double beta = 1e-4;
        try (Conv2d conv = new Conv2d(cpu, "conv", 3, 4, 3, true, rng); Linear fc = new Linear(cpu, "fc", 7, 5, true, rng)) {
            List<Parameter> ws = OrthogonalRegularization.matrices(
                    java.util.stream.Stream.concat(conv.weights().stream(), fc.weights().stream()).toList());
            assertEquals(List.of("conv.weight", "fc.weight"), ws.stream().map(Parameter::name).toList());
            try (OrthogonalRegularization reg = new OrthogonalRegularization(cpu, ws, (float) beta, Form.SEED_FROBENIUS)) {
                reg.addGradients();
                double total = 0;
                for (Parameter p : ws) {
                    int out = p.value().dim(0);
                    double[] w = Reference.toDouble(cpu.toHostFloats(p.value()));
                    total += seedLoss(w, out, beta);
                    double[] numeric = new double[w.length];
                    double eps = 1e-6;
                    for (int i = 0; i < w.length; i++) {
                        double keep = w[i];
                        w[i] = keep + eps;
                        double up = seedLoss(w, out, beta);
                        w[i] = keep - eps;
                        double down = seedLoss(w, out, beta);
                        w[i] = keep;
                        numeric[i] = (up - down) / (2 * eps);
                    }
                    Reference.assertClose(p.name(), cpu.toHostFloats(p.grad()), numeric, 1e-5);
                }
                assertEquals(total, reg.loss(), 1e-6 * total);
            }
        }
    }

    @Test
    void bigganFormMatchesADoubleLoopAndAccumulates() {
        double beta = 0.01;
        try (Conv2d conv = new Conv2d(cpu, "conv", 2, 6, 3, false, rng); Linear fc = new Linear(cpu, "fc", 5, 3, false, rng)) {
            List<Parameter> ws = List.of(conv.weight().parameter(), fc.weight().parameter());
            float[][] before = new float[2][];
            for (int i = 0; i < 2; i++) {
                before[i] = Reference.random(rng, (int) ws.get(i).grad().size(), 0.5);
                cpu.upload(before[i], ws.get(i).grad());
            }
            try (OrthogonalRegularization reg = new OrthogonalRegularization(cpu, ws, (float) beta, Form.BIGGAN_GRADIENT)) {
                reg.addGradients();
            }
            for (int i = 0; i < 2; i++) {
                Parameter p = ws.get(i);
                double[] want = bigganGradient(cpu.toHostFloats(p.value()), p.value().dim(0), beta);
                for (int k = 0; k < want.length; k++) {
                    want[k] += before[i][k];
                }
                Reference.assertClose(p.name(), cpu.toHostFloats(p.grad()), want, 1e-6);
            }
        }
    }

    @Test
    void orthonormalRowsGetNoGradient() {
        for (Form form : Form.values()) {
            try (Conv2d conv = new Conv2d(cpu, "conv", 4, 8, 3, false, rng)) {
                Parameter w = conv.weight().parameter();
                Init.orthogonal(cpu, w.value(), 1, rng); // 8 orthonormal rows of length 36
                try (OrthogonalRegularization reg = new OrthogonalRegularization(cpu, List.of(w), 1e-4f, form)) {
                    assertEquals(0, reg.loss(), 1e-4 * 1e-5, form + " loss");
                    reg.addGradients();
                    for (float g : cpu.toHostFloats(w.grad())) {
                        assertEquals(0, g, 1e-4 * 1e-6, form + " gradient");
                    }
                }
            }
        }
    }

    @Test
    void rejectsVectors() {
        try (Linear fc = new Linear(cpu, "fc", 3, 2, true, rng)) {
            ShapeException e = assertThrows(ShapeException.class,
                    () -> new OrthogonalRegularization(cpu, fc.weights(), 1e-4f, Form.SEED_FROBENIUS));
            assertEquals("orthogonal regularisation: fc.bias [2] must be a trainable weight of rank >= 2", e.getMessage());
        }
    }
}
