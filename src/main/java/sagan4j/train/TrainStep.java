package sagan4j.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.GanLossOps;
import sagan4j.backend.ShapeException;
import sagan4j.backend.Tensor;
import sagan4j.data.Batch;
import sagan4j.models.Discriminator;
import sagan4j.models.GanConfig;
import sagan4j.models.Generator;
import sagan4j.nn.Module;
import sagan4j.nn.OrthogonalRegularization;
import sagan4j.nn.Parameter;
import sagan4j.optim.Optimizer;

/**
 * One GAN training step, explicit: {@link #dStep} (run n_dis times) then {@link #gStep}, over the G and D, the
 * optimizer of each and the loss it is given (made from a run's settings by {@link TrainSetup}). It makes and
 * owns EMA-G and the orthogonal regularisers; all on one backend; sees only {@code Backend}.
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
 *
 * <p>The loss, its gradient and the step's summary are computed on the backend ({@link GanLossOps}), into a
 * device summary that is read back once, after the step: nothing in the middle of a step waits for the host.
 * Each step's inputs (real images, latents, labels) are uploaded into fixed tensors ({@link StepInputs}) and its
 * forwards, loss and backwards run as one region through {@link Backend#captureOrRun}: on CUDA a CUDA graph,
 * captured once per batch shape and replayed.
 */
public final class TrainStep implements AutoCloseable {
    static final String D_PHASE = "D step", G_PHASE = "G step";
    private final Backend be;
    private final TrainConfig cfg;
    private final GanConfig model;
    private final Generator g;
    private final Discriminator d;
    private final Ema ema;
    private final Optimizer optG;
    private final Optimizer optD;
    private final OrthogonalRegularization orthoG;
    private final OrthogonalRegularization orthoD;
    private final int micro;
    private final FiniteCheck check;
    private final GanLossOps.Loss loss;
    private final Tensor sums; // (4,): the step's summary (GanLossOps), written by its first micro-batch
    private final Tensor auxSum; // (1,): the auxiliary classifier's term (GanLossOps.classifier); null without the head
    private StepInputs dInputs;
    private StepInputs gInputs;
    private long dSteps;
    /** What {@link #close} closes after its own tensors ({@link TrainSetup}'s G, D and optimizers). */
    private final List<AutoCloseable> owned = new ArrayList<>();

    /**
     * A step over {@code g} and {@code d} (one model config), updated by {@code optG} and {@code optD}, with
     * {@code loss}; {@code cfg} gives the rest of the loop (micro-batches, EMA, orthogonal regularisation, the
     * finite checks, the seed). It does not close what it is given.
     */
    public TrainStep(Backend be, TrainConfig cfg, Generator g, Discriminator d, Optimizer optG, Optimizer optD, GanLossOps.Loss loss) {
        this.be = be;
        this.cfg = cfg.validate();
        this.model = g.config();
        GanConfig dm = d.config();
        if (dm.imageChannels() != model.imageChannels() || dm.resolution() != model.resolution() || dm.classes() != model.classes()) {
            throw new ShapeException("train step: D takes " + dm.imageChannels() + "x" + dm.resolution() + "x" + dm.resolution()
                    + " images of " + dm.classes() + " classes, G makes " + model.imageChannels() + "x" + model.resolution() + "x"
                    + model.resolution() + " images of " + model.classes());
        }
        if (d.hasAuxClassifier() != (cfg.auxWeight() > 0)) {
            throw new ShapeException("train step: --aux-weight " + cfg.auxWeight() + " needs a D " + (cfg.auxWeight() > 0 ? "with" : "without")
                    + " the auxiliary classifier head, got one " + (d.hasAuxClassifier() ? "with" : "without"));
        }
        this.g = g;
        this.d = d;
        this.optG = optG;
        this.optD = optD;
        this.ema = cfg.emaOn() ? new Ema(be, g, EmaSchedule.of(cfg)) : null;
        this.orthoG = cfg.orthoGWeight() > 0 ? new OrthogonalRegularization(be, orthoWeights(g), cfg.orthoGWeight(), cfg.orthoForm) : null;
        this.orthoD = cfg.orthoD > 0 ? new OrthogonalRegularization(be, orthoWeights(d), cfg.orthoD, cfg.orthoForm) : null;
        this.micro = cfg.micro();
        this.check = new FiniteCheck(be, cfg.checkFinite);
        this.loss = loss;
        this.sums = be.zeros(GanLossOps.SUMS);
        this.auxSum = d.hasAuxClassifier() ? be.zeros(1) : null;
    }

    /** Conv and linear weights (not embeddings, norm tables, biases or σ), as BigGAN regularises them: by role. */
    static List<Parameter> orthoWeights(Module m) {
        return m.parameters(Parameter.Role.WEIGHT);
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

    /** G's optimizer: its step count is the run's step. */
    public Optimizer optimizerG() {
        return optG;
    }

    /** D's optimizer: its step count is the D steps done. */
    public Optimizer optimizerD() {
        return optD;
    }

    /** Makes {@link #close} also close {@code parts}, in order, after its own tensors. */
    TrainStep owning(AutoCloseable... parts) {
        owned.addAll(List.of(parts));
        return this;
    }

    FiniteCheck finiteCheck() {
        return check;
    }

    /** G updates done. */
    public long gSteps() {
        return optG.steps();
    }

    public long dSteps() {
        return dSteps;
    }

    void restoreCounters(long dStepsDone) {
        this.dSteps = dStepsDone;
    }

    /**
     * What a step's GPU region depends on, for {@link Backend#captureOrRun}: this TrainStep (its tensors), which
     * step, the batch shape and the GEMM math. A new key is a new CUDA graph.
     */
    private record Region(TrainStep owner, String step, int batch, int micro, Object math) {
        @Override
        public String toString() {
            return step + " (batch " + batch + ", micro-batch " + micro + ")";
        }
    }

    /** The D step's region key for {@code batch} images (for reports: {@link Backend#captureReport}). */
    public Object dRegion(int batch) {
        return new Region(this, "D step", batch, micro, be.gemmMath());
    }

    /** The G step's region key for {@code batch} fakes. */
    public Object gRegion(int batch) {
        return new Region(this, "G step", batch, micro, be.gemmMath());
    }

    /** One D update on a real batch (B images) against B fakes, micro-batch by micro-batch. */
    public StepResult dStep(Batch real) {
        int batch = real.size(), per = real.images().length / batch, count = batch / micro;
        long step = gSteps() + 1;
        StepInputs in = dInputs = StepInputs.reuse(dInputs, be, true, count, micro, per, model.zDim());
        for (int k = 0; k < count; k++) {
            Latents lat = Latents.draw(cfg.seed, Latents.D_STREAM, dSteps * count + k, micro, model.zDim(), model.classes());
            int[] labels = new int[2 * micro];
            System.arraycopy(real.labels(), k * micro, labels, 0, micro);
            System.arraycopy(lat.labels(), 0, labels, micro, micro);
            be.upload(Arrays.copyOfRange(real.images(), k * micro * per, (k + 1) * micro * per), in.x[k]);
            be.upload(lat.z(), in.z[k]);
            be.upload(lat.labels(), in.yFake[k]);
            be.upload(labels, in.y[k]);
        }
        g.train(true);
        d.train(true);
        region(dRegion(batch), () -> {
            d.zeroGrad();
            for (int k = 0; k < count; k++) {
                try (Tensor both = be.empty(DType.FLOAT32, 1, 2 * micro * per); Tensor dLogits = be.empty(DType.FLOAT32, 2 * micro, 1);
                     Tensor dAux = auxSum != null ? be.empty(DType.FLOAT32, 2 * micro, model.classes()) : null) {
                    Tensor fake = g.forward(in.z[k], in.yFake[k]);
                    check.activations(step, D_PHASE, g);
                    be.layers().concat(List.of(in.x[k], fake.reshape(1, micro * per)), both);
                    Tensor logits = d.forward(both.reshape(2 * micro, model.imageChannels(), model.resolution(), model.resolution()),
                            in.y[k]);
                    check.activations(step, D_PHASE, d);
                    // rows [0, micro) are the real images', [micro, 2 micro) the fakes'
                    be.ganLoss().discriminator(loss, logits, micro, batch, dLogits, sums, k > 0);
                    if (dAux != null) { // AC-GAN: D learns the classes from the real rows only
                        be.ganLoss().classifier(d.auxLogits(), in.y[k], micro, cfg.auxWeight(), batch, dAux, auxSum, k > 0);
                    }
                    d.backward(dLogits, dAux);
                }
            }
        });
        // The step's one read-back, before the update so that a non-finite loss stops the run with the
        // weights it was computed from (--check-finite).
        float[] s = be.toHostFloats(sums);
        check.loss(step, D_PHASE, "D loss on real images", s[GanLossOps.LOSS_REAL]);
        check.loss(step, D_PHASE, "D loss on fake images", s[GanLossOps.LOSS_FAKE]);
        double aux = auxTerm(step, D_PHASE, "D's auxiliary classifier loss");
        // Outside the captured region, on purpose: the orthogonal regularisation and Adam (and the EMA in the G
        // step) run after the summary is checked (docs/training.md, "The seams for the GPU step").
        if (orthoD != null) {
            orthoD.addGradients();
        }
        check.gradients(step, D_PHASE, d);
        optD.step();
        dSteps++;
        return new StepResult(s[GanLossOps.LOSS_REAL], s[GanLossOps.LOSS_FAKE], Double.NaN, s[GanLossOps.LOGITS_REAL],
                s[GanLossOps.LOGITS_FAKE], aux);
    }

    /** One G update on {@code batch} fakes, then the EMA. */
    public StepResult gStep(int batch) {
        int count = batch / micro;
        long step = gSteps() + 1;
        StepInputs in = gInputs = StepInputs.reuse(gInputs, be, false, count, micro, 0, model.zDim());
        for (int k = 0; k < count; k++) {
            Latents lat = Latents.draw(cfg.seed, Latents.G_STREAM, optG.steps() * count + k, micro, model.zDim(), model.classes());
            be.upload(lat.z(), in.z[k]);
            be.upload(lat.labels(), in.yFake[k]);
        }
        g.train(true);
        d.train(false);
        d.requiresGrad(false);
        try {
            region(gRegion(batch), () -> {
                g.zeroGrad();
                for (int k = 0; k < count; k++) {
                    try (Tensor dLogits = be.empty(DType.FLOAT32, micro, 1);
                         Tensor dAux = auxSum != null ? be.empty(DType.FLOAT32, micro, model.classes()) : null) {
                        Tensor fake = g.forward(in.z[k], in.yFake[k]);
                        check.activations(step, G_PHASE, g);
                        Tensor logits = d.forward(fake, in.y[k]);
                        check.activations(step, G_PHASE, d);
                        be.ganLoss().generator(loss, logits, batch, dLogits, sums, k > 0);
                        if (dAux != null) { // AC-GAN: G makes fakes D's head puts in their intended class
                            be.ganLoss().classifier(d.auxLogits(), in.y[k], micro, cfg.auxWeight(), batch, dAux, auxSum, k > 0);
                        }
                        // D's requires-grad switch is off: its backward computes dL/dimages only
                        g.backward(d.backward(dLogits, dAux));
                    }
                }
            });
        } finally {
            d.train(true);
            d.requiresGrad(true);
        }
        float[] s = be.toHostFloats(sums);
        check.loss(step, G_PHASE, "G loss", s[GanLossOps.LOSS_FAKE]);
        double aux = auxTerm(step, G_PHASE, "G's auxiliary classifier loss");
        // outside the captured region (see dStep)
        if (orthoG != null) {
            orthoG.addGradients();
        }
        check.gradients(step, G_PHASE, g);
        optG.step();
        if (ema != null) {
            ema.update(optG.steps());
        }
        return new StepResult(Double.NaN, Double.NaN, s[GanLossOps.LOSS_FAKE], Double.NaN, s[GanLossOps.LOGITS_FAKE], aux);
    }

    /** The auxiliary classifier's term of the step just run, read back and checked; NaN without the head. */
    private double auxTerm(long step, String phase, String what) {
        if (auxSum == null) {
            return Double.NaN;
        }
        float a = be.toHostFloats(auxSum)[0];
        check.loss(step, phase, what, a);
        return a;
    }

    /**
     * Runs a step's forwards and backwards: captured and replayed on a backend with graph capture on, except
     * with {@code --check-finite all}, whose per-layer checks read values back in the middle of the region
     * (a read-back cannot be captured), so that mode runs the region op by op.
     */
    private void region(Object key, Runnable body) {
        if (check.perLayer()) {
            body.run();
        } else {
            be.captureOrRun(key, body);
        }
    }

    @Override
    public void close() {
        be.dropCaptures(key -> key instanceof Region r && r.owner == this); // before the tensors its graphs use
        sums.close();
        if (auxSum != null) {
            auxSum.close();
        }
        if (dInputs != null) {
            dInputs.close();
        }
        if (gInputs != null) {
            gInputs.close();
        }
        if (orthoG != null) {
            orthoG.close();
        }
        if (orthoD != null) {
            orthoD.close();
        }
        if (ema != null) {
            ema.close();
        }
        for (AutoCloseable part : owned) {
            try {
                part.close();
            } catch (Exception e) {
                throw new IllegalStateException("train step: closing " + part + " failed", e);
            }
        }
    }
}
