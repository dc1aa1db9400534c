package sagan4j.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import sagan4j.backend.GanLossOps;

import org.junit.jupiter.api.Test;

/** The reference GAN losses (the oracle of GanLossOps) against hand-computed values and central differences. */
class HostGanLossTest {
    private static final GanLossOps.Loss HINGE = GanLossOps.Loss.HINGE;
    private static final GanLossOps.Loss NS = GanLossOps.Loss.NON_SATURATING;

    @Test
    void hingeByHand() {
        float[] d = {2f, 0.5f, -3f, -0.25f}, grad = new float[4], sums = {1f, 0f, 0f, 0f};
        HostGanLoss.apply(HINGE, false, d, 2, 2, grad, sums, true);
        // real rows d[0..1]: relu(1 − 2) + relu(1 − 0.5) = 0.5 over a batch of 2, added to the 1 already there;
        // fake rows d[2..3]: relu(1 − 3) + relu(1 − 0.25) = 0.75; mean logits (2 + 0.5) / 2 and (−3 − 0.25) / 2
        assertArrayEquals(new float[] {1.25f, 0.375f, 1.25f, -1.625f}, sums);
        assertArrayEquals(new float[] {0f, -0.5f, 0f, 0.5f}, grad);
        float[] g = new float[2], s = {Float.NaN, Float.NaN, Float.NaN, Float.NaN}; // written, not read
        HostGanLoss.apply(HINGE, true, new float[] {2f, 0.5f}, 0, 2, g, s, false);
        assertArrayEquals(new float[] {0f, -(2 + 0.5f) / 2, 0f, 1.25f}, s);
        assertArrayEquals(new float[] {-0.5f, -0.5f}, g);
    }

    @Test
    void nonSaturatingGradientsMatchCentralDifferences() {
        float[] d = {1.3f, -0.7f, 0.2f, 4f};
        for (int which = 0; which < 3; which++) {
            float[] grad = new float[d.length];
            // which 0: every row real (D), 1: every row fake (D), 2: G
            HostGanLoss.apply(NS, which == 2, d, which == 0 ? d.length : 0, d.length, grad, new float[4], true);
            for (int i = 0; i < d.length; i++) {
                assertEquals(numeric(d, i, which), grad[i], 1e-6, "case " + which + " row " + i);
            }
        }
        assertEquals(Math.log(2), HostGanLoss.softplus(0), 1e-15);
        assertEquals(1000.0, HostGanLoss.softplus(1000), 0);
        assertEquals(0.0, HostGanLoss.sigmoid(-1000), 1e-300);
    }

    /** d loss / d d[i] by central differences, in double (the loss evaluated directly, not through HostGanLoss). */
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
        return which == 1 ? Math.log1p(Math.exp(x)) : Math.log1p(Math.exp(-x));
    }
}
