package sagan4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import sagan4j.backend.Backend;
import sagan4j.nn.Parameter;
import sagan4j.testing.HostBackends;
import sagan4j.testing.TinyTraining;

/**
 * EMA-G in a real (tiny, synthetic) training, against loops of its own over G's weights read back after
 * every G update: the halflife rule against a double-precision loop whose β is worked out inline, the fixed
 * rule bit for bit against the float arithmetic it has always had (a copy up to --ema-start, then
 * ema = (float) (d·ema + (1 − d)·g) with d the float decay, as the host backends compute it).
 */
class EmaTrainingTest {
    private static final int STEPS = 14;

    private static float[][] weights(Backend be, List<Parameter> ps) {
        float[][] out = new float[ps.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = be.toHostFloats(ps.get(i).value());
        }
        return out;
    }

    @Test
    void halfLifeEmaFollowsADoublePrecisionLoopThroughTheRampAndThePlateau() {
        Backend be = HostBackends.oneDnn();
        TrainConfig c = TinyTraining.config(8, 2);
        c.emaRule = TrainConfig.EmaRule.HALFLIFE;
        c.emaKimg = 0.01f;  // a 10-image cap: batch 2, ramp 0.5 give half-lives of 1..9 images over updates 2..10, then 10
        c.emaRampup = 0.5f;
        try (TinyTraining run = new TinyTraining(be, c)) {
            List<Parameter> g = run.trainStep().generator().parameters(), ema = run.trainStep().sampler().parameters();
            double[][] want = null;
            for (int t = 1; t <= STEPS; t++) {
                run.step();
                float[][] gw = weights(be, g);
                double h = Math.min(10.0, (t - 1) * 2 * 0.5);
                double beta = h == 0 ? 0 : Math.pow(0.5, 2 / h);
                if (want == null) {
                    want = new double[gw.length][];
                }
                for (int i = 0; i < gw.length; i++) {
                    if (want[i] == null) {
                        want[i] = new double[gw[i].length];
                    }
                    for (int j = 0; j < gw[i].length; j++) {
                        want[i][j] = g.get(i).trainable() ? beta * want[i][j] + (1 - beta) * gw[i][j] : gw[i][j];
                    }
                }
                float[][] got = weights(be, ema);
                double worst = 0;
                for (int i = 0; i < got.length; i++) {
                    for (int j = 0; j < got[i].length; j++) {
                        worst = Math.max(worst, Math.abs(got[i][j] - want[i][j]) / (1e-3 + Math.abs(want[i][j])));
                    }
                }
                assertTrue(worst < 1e-5, "update " + t + " (β " + beta + "): EMA-G is off the double loop by " + worst + " (relative)");
            }
            // the averaging is visible: EMA-G is not G after the ramp
            assertTrue(!java.util.Arrays.deepEquals(weights(be, g), weights(be, ema)), "EMA-G differs from G on the plateau");
        }
    }

    @Test
    void fixedRuleIsTheOldArithmeticBitForBit() {
        Backend be = HostBackends.oneDnn();
        TrainConfig c = TinyTraining.config(8, 2);
        c.emaDecay = 0.9f;
        c.emaStart = 3;
        assertEquals(TrainConfig.EmaRule.FIXED, c.emaRule);
        try (TinyTraining run = new TinyTraining(be, c)) {
            List<Parameter> g = run.trainStep().generator().parameters(), ema = run.trainStep().sampler().parameters();
            float[][] want = null;
            double d = 0.9f;
            for (int t = 1; t <= 6; t++) {
                run.step();
                float[][] gw = weights(be, g);
                if (want == null) {
                    want = new float[gw.length][];
                }
                for (int i = 0; i < gw.length; i++) {
                    if (t <= 3 || !g.get(i).trainable()) {
                        want[i] = gw[i].clone();
                    } else {
                        for (int j = 0; j < gw[i].length; j++) {
                            want[i][j] = (float) (d * want[i][j] + (1 - d) * gw[i][j]);
                        }
                    }
                }
                float[][] got = weights(be, ema);
                for (int i = 0; i < got.length; i++) {
                    assertArrayEquals(want[i], got[i], 0f, "update " + t + ", " + ema.get(i).name());
                }
            }
        }
    }
}
