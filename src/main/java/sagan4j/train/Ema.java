package sagan4j.train;

import java.util.List;
import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.CondBatchNormOps;
import sagan4j.backend.OptimOps;
import sagan4j.backend.Tensor;
import sagan4j.models.Generator;
import sagan4j.nn.ConditionalBatchNorm2d;
import sagan4j.nn.Init;
import sagan4j.nn.Parameter;

/**
 * EMA-G: a second generator whose weights follow G's as ema ← β·ema + (1 − β)·G after every G update,
 * β from the run's {@link EmaSchedule} (a half-life in images with a ramp-up, or a fixed decay from a start
 * step); where the rule gives β = 0 EMA-G is a copy of G, so the average starts from trained weights
 * rather than from the initialisation.
 *
 * <p>What EMA-G does with the state that is not a weight:
 * <ul>
 *   <li>Spectral-norm u and v: COPIED from G at every update. They are G's power-iteration estimates of
 *       W's top singular vectors; EMA-G's W is a slow average of those W, so G's vectors are the best
 *       estimate available, while averaging unit vectors would not give a unit vector. EMA-G samples in
 *       eval mode, σ = uᵀ W_ema v from them (no power iteration of its own).</li>
 *   <li>Batch-norm running statistics: COPIED from G by default (G's running averages of its own
 *       activations). Optionally ({@code standingStats > 0}) BigGAN's "standing statistics": before
 *       sampling, the running statistics are reset and recomputed as the plain average of the batch
 *       statistics of that many training-mode forwards of EMA-G itself on random z and labels. Those
 *       forwards also advance EMA-G's own u, v once each; the next update copies G's back.</li>
 * </ul>
 */
final class Ema implements AutoCloseable {
    private final Backend be;
    private final Generator g;
    private final Generator ema;
    private final EmaSchedule rule;
    /** G's tensors → EMA-G's: weights averaged, buffers copied, in one call (one launch on CUDA). */
    private final OptimOps.EmaGroup group;

    Ema(Backend be, Generator g, EmaSchedule rule) {
        this.be = be;
        this.g = g;
        this.ema = new Generator(be, g.config());
        this.rule = rule;
        List<Parameter> src = g.parameters(), dst = ema.parameters();
        boolean[] copied = new boolean[src.size()];
        for (int i = 0; i < copied.length; i++) {
            copied[i] = !src.get(i).trainable();
        }
        this.group = be.optim().emaGroup(src.stream().map(Parameter::value).toList(),
                dst.stream().map(Parameter::value).toList(), copied);
        be.optim().ema(group, 0f, true);
    }

    Generator generator() {
        return ema;
    }

    /** After G's update number {@code gStep} (1-based). */
    void update(long gStep) {
        float beta = rule.beta(gStep);
        // β = 0 copies (exactly, whatever EMA-G held); the fixed rule's decay is never 0 while EMA is on
        be.optim().ema(group, beta, beta == 0f);
    }

    /**
     * BigGAN's standing statistics on EMA-G: reset every batch norm's running statistics, then run
     * {@code batches} training-mode forwards with momentum 1/(i + 1) for the i-th (0-based), which leaves
     * the plain average of their batch statistics.
     */
    static void standingStatistics(Backend be, Generator gen, int batches, int batch, long seed) {
        List<ConditionalBatchNorm2d> norms = gen.modules(ConditionalBatchNorm2d.class);
        for (ConditionalBatchNorm2d n : norms) {
            n.parameters(Parameter.Role.RUNNING_MEAN).forEach(p -> be.fill(p.value(), 0f));
            n.parameters(Parameter.Role.RUNNING_VAR).forEach(p -> be.fill(p.value(), 1f));
        }
        gen.train(true);
        SplittableRandom rng = new SplittableRandom(seed);
        int z = gen.config().zDim(), k = gen.config().classes();
        for (int i = 0; i < batches; i++) {
            float m = 1f / (i + 1);
            norms.forEach(n -> n.momentum(m));
            int[] labels = new int[batch];
            for (int b = 0; b < batch; b++) {
                labels[b] = rng.nextInt(k);
            }
            try (Tensor zt = be.fromHost(Init.gaussian(batch * z, 1, rng), batch, z); Tensor yt = be.fromHost(labels, batch)) {
                gen.forward(zt, yt);
            }
        }
        norms.forEach(n -> n.momentum(CondBatchNormOps.DEFAULT_MOMENTUM));
        gen.train(false);
    }

    @Override
    public void close() {
        group.close();
        ema.close();
    }
}
