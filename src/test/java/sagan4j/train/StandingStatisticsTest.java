package sagan4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.models.GanConfig;
import sagan4j.models.Generator;
import sagan4j.nn.ConditionalBatchNorm2d;
import sagan4j.nn.Init;
import sagan4j.testing.HostBackends;

/**
 * BigGAN's standing statistics ({@code --standing-stats}, tiny's default since issue 16): after
 * {@link Ema#standingStatistics} every batch norm's running mean and variance are the plain average, in double,
 * of the statistics of each of its batches on its own (read one batch at a time with momentum 1, which replaces
 * the running statistics by the batch's), and the generator is back in eval mode.
 */
class StandingStatisticsTest {
    private static final int BATCHES = 3, BATCH = 4;
    private static final long SEED = 7;

    @Test
    void runningStatisticsAreThePlainAverageOfEachBatchs() {
        Backend be = HostBackends.oneDnn();
        GanConfig m = new TrainConfig().set("ch", "8").model(10);
        try (Generator probe = new Generator(be, m); Generator gen = new Generator(be, m)) {
            // both start from the same weights, spectral-norm vectors and (non-trivial) running statistics
            copyState(be, probe, gen);
            List<ConditionalBatchNorm2d> pn = probe.modules(ConditionalBatchNorm2d.class);
            double[][] mean = new double[pn.size()][], var = new double[pn.size()][];
            probe.train(true);
            pn.forEach(n -> n.momentum(1f));
            SplittableRandom rng = new SplittableRandom(SEED); // the draws standingStatistics makes, in its order
            for (int i = 0; i < BATCHES; i++) {
                int[] labels = new int[BATCH];
                for (int b = 0; b < BATCH; b++) {
                    labels[b] = rng.nextInt(m.classes());
                }
                try (Tensor z = be.fromHost(Init.gaussian(BATCH * m.zDim(), 1, rng), BATCH, m.zDim()); Tensor y = be.fromHost(labels, BATCH)) {
                    probe.forward(z, y);
                }
                for (int l = 0; l < pn.size(); l++) {
                    mean[l] = add(mean[l], be.toHostFloats(pn.get(l).runningMean().value()));
                    var[l] = add(var[l], be.toHostFloats(pn.get(l).runningVar().value()));
                }
            }

            Ema.standingStatistics(be, gen, BATCHES, BATCH, SEED);

            List<ConditionalBatchNorm2d> gn = gen.modules(ConditionalBatchNorm2d.class);
            for (int l = 0; l < gn.size(); l++) {
                close(mean[l], be.toHostFloats(gn.get(l).runningMean().value()), "norm " + l + " running mean");
                close(var[l], be.toHostFloats(gn.get(l).runningVar().value()), "norm " + l + " running variance");
            }
            try (Tensor z = be.fromHost(Init.gaussian(2 * m.zDim(), 1, new SplittableRandom(1)), 2, m.zDim()); Tensor y = be.fromHost(new int[] {0, 1}, 2)) {
                float[] before = be.toHostFloats(gn.get(0).runningMean().value());
                gen.forward(z, y);
                assertEquals(java.util.Arrays.toString(before), java.util.Arrays.toString(be.toHostFloats(gn.get(0).runningMean().value())),
                        "back in eval mode: a forward leaves the running statistics alone");
            }
        }
    }

    /** probe's weights and buffers into gen, and both running statistics set away from their 0/1 start. */
    private static void copyState(Backend be, Generator from, Generator to) {
        SplittableRandom rng = new SplittableRandom(3);
        for (ConditionalBatchNorm2d n : from.modules(ConditionalBatchNorm2d.class)) {
            int c = (int) n.runningMean().value().size();
            be.upload(Init.gaussian(c, 1, rng), n.runningMean().value());
        }
        for (int i = 0; i < from.parameters().size(); i++) {
            be.copy(from.parameters().get(i).value(), to.parameters().get(i).value());
        }
    }

    private static double[] add(double[] acc, float[] x) {
        double[] out = acc != null ? acc : new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] += x[i] / (double) BATCHES;
        }
        return out;
    }

    private static void close(double[] want, float[] got, String what) {
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1e-4 + Math.abs(want[i])));
        }
        assertTrue(worst < 1e-4, what + ": off the per-batch average by " + worst + " (relative)");
    }
}
