package sagan4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The GAN losses against hand-computed values and their gradients against central differences. */
class LossesTest {
    @Test
    void hingeByHand() {
        float[] d = {2f, 0.5f, -3f, -0.25f}, grad = new float[4];
        // real part on d[0..1]: relu(1 − 2) + relu(1 − 0.5) = 0.5, over a batch of 2
        assertEquals(0.25, Losses.dReal(TrainConfig.Loss.HINGE, d, 0, 2, 2, grad), 1e-12);
        // fake part on d[2..3]: relu(1 − 3) + relu(1 − 0.25) = 0.75
        assertEquals(0.375, Losses.dFake(TrainConfig.Loss.HINGE, d, 2, 2, 2, grad), 1e-12);
        assertEquals(0f, grad[0]);
        assertEquals(-0.5f, grad[1]);
        assertEquals(0f, grad[2]);
        assertEquals(0.5f, grad[3]);
        float[] g = new float[2];
        assertEquals(-(2 + 0.5) / 2, Losses.g(TrainConfig.Loss.HINGE, new float[] {2f, 0.5f}, 2, g), 1e-12);
        assertEquals(-0.5f, g[0]);
    }

    @Test
    void nonSaturatingGradientsMatchCentralDifferences() {
        float[] d = {1.3f, -0.7f, 0.2f, 4f};
        for (int i = 0; i < d.length; i++) {
            float[] grad = new float[d.length];
            Losses.dReal(TrainConfig.Loss.NON_SATURATING, d, 0, 4, 4, grad);
            assertEquals(numeric(d, i, 0), grad[i], 1e-6, "real " + i);
            Losses.dFake(TrainConfig.Loss.NON_SATURATING, d, 0, 4, 4, grad);
            assertEquals(numeric(d, i, 1), grad[i], 1e-6, "fake " + i);
            Losses.g(TrainConfig.Loss.NON_SATURATING, d, 4, grad);
            assertEquals(numeric(d, i, 2), grad[i], 1e-6, "g " + i);
        }
        assertEquals(Math.log(2), Losses.softplus(0), 1e-15);
    }

    /** d loss / d d[i] by central differences, in double (the loss is evaluated directly, not through Losses). */
    private static double numeric(float[] d, int i, int which) {
        double h = 1e-5, plus = 0, minus = 0;
        for (int j = 0; j < d.length; j++) {
            double x = d[j];
            plus += f(which, j == i ? x + h : x);
            minus += f(which, j == i ? x - h : x);
        }
        return (plus - minus) / (2 * h) / d.length;
    }

    private static double f(int which, double x) {
        return switch (which) {
            case 0 -> Math.log1p(Math.exp(-x));
            case 1 -> Math.log1p(Math.exp(x));
            default -> Math.log1p(Math.exp(-x));
        };
    }
}
