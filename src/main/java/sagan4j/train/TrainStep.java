package sagan4j.train;

import java.util.Arrays;
import java.util.List;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.data.Batch;
import sagan4j.models.Discriminator;
import sagan4j.models.GanConfig;
import sagan4j.models.Generator;
import sagan4j.nn.Module;
import sagan4j.nn.OrthogonalRegularization;
import sagan4j.nn.Parameter;

/**
 * One GAN training step, explicit: {@link #dStep} (run n_dis times) then {@link #gStep}. Owns G, D,
 * EMA-G, both Adam states and the orthogonal regularisers, all on one backend; sees only {@code Backend}.
 *
 * <p>The forwards of one step, and which advance a spectral-norm power iteration (training mode):
 * <ul>
 *   <li>each D step, per micro-batch: G(z) in training mode (G's σ iterates; batch-norm batch
 *       statistics, running statistics updated), then ONE D forward on [real; fake] concatenated along the
 *       batch (D's σ iterates once);</li>
 *   <li>the G step, per micro-batch: G(z) in training mode (G's σ iterates), then D(G(z)) in EVAL mode:
 *       D's σ is uᵀWv from the u, v its last D step left, so the G step sees the D it is trained against;
 *       D's requires-grad switch is off, so its backward computes only the gradient of the images;</li>
 *   <li>EMA-G and sampling: eval mode (no iteration).</li>
 * </ul>
 * Gradient accumulation: each micro-batch's loss gradient is scaled by 1/batch, and the backward passes
 * accumulate weight gradients, so after the micro-batches the gradients are the full batch's.
 */
public final class TrainStep implements AutoCloseable {
    static final String D_PHASE = "D step", G_PHASE = "G step";
    private final Backend be;
    private final TrainConfig cfg;
    private final GanConfig model;
    private final Generator g;
    private final Discriminator d;
    private final Ema ema;
    private final AdamState adamG;
    private final AdamState adamD;
    private final OrthogonalRegularization orthoG;
    private final OrthogonalRegularization orthoD;
    private final int micro;
    private final FiniteCheck check;
    private long dSteps;

    public TrainStep(Backend be, TrainConfig cfg, GanConfig model) {
        this.be = be;
        this.cfg = cfg.validate();
        this.model = model;
        this.g = new Generator(be, model);
        this.d = new Discriminator(be, model);
        this.ema = cfg.emaDecay > 0 ? new Ema(be, g, cfg.emaDecay, cfg.emaStart) : null;
        this.adamG = new AdamState(be, g, cfg.adamG());
        this.adamD = new AdamState(be, d, cfg.adamD());
        this.orthoG = cfg.orthoGWeight() > 0 ? new OrthogonalRegularization(be, orthoWeights(g), cfg.orthoGWeight(), cfg.orthoForm) : null;
        this.orthoD = cfg.orthoD > 0 ? new OrthogonalRegularization(be, orthoWeights(d), cfg.orthoD, cfg.orthoForm) : null;
        this.micro = cfg.micro();
        this.check = new FiniteCheck(be, cfg.checkFinite);
    }

    /** Conv and linear weights (not embeddings, class tables or σ), as BigGAN regularises them. */
    static List<Parameter> orthoWeights(Module m) {
        return OrthogonalRegularization.matrices(m.weights()).stream()
                .filter(p -> p.name().endsWith(".weight") && !p.name().contains("embed") && !p.name().contains("shared")).toList();
    }

    public Generator generator() {
        return g;
    }

    public Discriminator discriminator() {
        return d;
    }

    /** EMA-G when EMA is on, else G: what samples and evaluations use. */
    public Generator sampler() {
        return ema != null ? ema.generator() : g;
    }

    Ema ema() {
        return ema;
    }

    AdamState adamG() {
        return adamG;
    }

    AdamState adamD() {
        return adamD;
    }

    FiniteCheck finiteCheck() {
        return check;
    }

    /** G updates done. */
    public long gSteps() {
        return adamG.step();
    }

    public long dSteps() {
        return dSteps;
    }

    void restoreCounters(long dStepsDone) {
        this.dSteps = dStepsDone;
    }

    /** One D update on a real batch (B images) against B fakes, micro-batch by micro-batch. */
    public StepResult dStep(Batch real) {
        int batch = real.size(), per = real.images().length / batch;
        g.train(true);
        d.train(true);
        d.zeroGrad();
        double lossReal = 0, lossFake = 0, meanReal = 0, meanFake = 0;
        long step = gSteps() + 1;
        for (int k = 0; k < batch / micro; k++) {
            Latents lat = Latents.draw(cfg.seed, Latents.D_STREAM, dSteps * (batch / micro) + k, micro, model.zDim(), model.classes());
            int[] labels = new int[2 * micro];
            System.arraycopy(real.labels(), k * micro, labels, 0, micro);
            System.arraycopy(lat.labels(), 0, labels, micro, micro);
            try (Tensor x = be.fromHost(Arrays.copyOfRange(real.images(), k * micro * per, (k + 1) * micro * per), 1, micro * per);
                 Tensor z = be.fromHost(lat.z(), micro, model.zDim()); Tensor yFake = be.fromHost(lat.labels(), micro);
                 Tensor y = be.fromHost(labels, 2 * micro); Tensor both = be.empty(sagan4j.backend.DType.FLOAT32, 1, 2 * micro * per)) {
                Tensor fake = g.forward(z, yFake);
                check.activations(step, D_PHASE, g);
                be.concat(List.of(x, fake.reshape(1, micro * per)), both);
                float[] logits = be.toHostFloats(d.forward(both.reshape(2 * micro, model.imageChannels(), model.resolution(),
                        model.resolution()), y));
                check.activations(step, D_PHASE, d);
                float[] grad = new float[2 * micro];
                double realPart = Losses.dReal(cfg.loss, logits, 0, micro, batch, grad);
                double fakePart = Losses.dFake(cfg.loss, logits, micro, micro, batch, grad);
                check.loss(step, D_PHASE, "D loss on real images", realPart);
                check.loss(step, D_PHASE, "D loss on fake images", fakePart);
                lossReal += realPart;
                lossFake += fakePart;
                meanReal += Losses.mean(logits, 0, micro) * micro / batch;
                meanFake += Losses.mean(logits, micro, micro) * micro / batch;
                try (Tensor dLogits = be.fromHost(grad, 2 * micro, 1)) {
                    d.backward(dLogits);
                }
            }
        }
        if (orthoD != null) {
            orthoD.addGradients();
        }
        check.gradients(step, D_PHASE, d);
        adamD.update();
        dSteps++;
        return new StepResult(lossReal, lossFake, Double.NaN, meanReal, meanFake);
    }

    /** One G update on {@code batch} fakes, then the EMA. */
    public StepResult gStep(int batch) {
        g.train(true);
        d.train(false);
        d.requiresGrad(false);
        g.zeroGrad();
        double loss = 0, meanFake = 0;
        long step = gSteps() + 1;
        try {
            for (int k = 0; k < batch / micro; k++) {
                Latents lat = Latents.draw(cfg.seed, Latents.G_STREAM, adamG.step() * (batch / micro) + k, micro, model.zDim(),
                        model.classes());
                try (Tensor z = be.fromHost(lat.z(), micro, model.zDim()); Tensor y = be.fromHost(lat.labels(), micro)) {
                    Tensor fake = g.forward(z, y);
                    check.activations(step, G_PHASE, g);
                    float[] logits = be.toHostFloats(d.forward(fake, y));
                    check.activations(step, G_PHASE, d);
                    float[] grad = new float[micro];
                    double part = Losses.g(cfg.loss, logits, batch, grad);
                    check.loss(step, G_PHASE, "G loss", part);
                    loss += part;
                    meanFake += Losses.mean(logits, 0, micro) * micro / batch;
                    try (Tensor dLogits = be.fromHost(grad, micro, 1)) {
                        // D's requires-grad switch is off: its backward computes dL/dimages only
                        g.backward(d.backward(dLogits));
                    }
                }
            }
        } finally {
            d.train(true);
            d.requiresGrad(true);
        }
        if (orthoG != null) {
            orthoG.addGradients();
        }
        check.gradients(step, G_PHASE, g);
        adamG.update();
        if (ema != null) {
            ema.update(adamG.step());
        }
        return new StepResult(Double.NaN, Double.NaN, loss, Double.NaN, meanFake);
    }

    @Override
    public void close() {
        if (orthoG != null) {
            orthoG.close();
        }
        if (orthoD != null) {
            orthoD.close();
        }
        adamG.close();
        adamD.close();
        if (ema != null) {
            ema.close();
        }
        g.close();
        d.close();
    }
}
