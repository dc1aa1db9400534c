package sagan4j.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import sagan4j.backend.Backend;
import sagan4j.backend.SpectralNormOps;
import sagan4j.backend.Tensor;
import sagan4j.data.BatchStream;
import sagan4j.data.DataLoader;
import sagan4j.data.Datasets;
import sagan4j.data.Fit;
import sagan4j.data.ImageSet;
import sagan4j.data.RandomFlip;
import sagan4j.data.Sampler;
import sagan4j.eval.Classifier;
import sagan4j.eval.ClassifierTraining;
import sagan4j.eval.Evaluation;
import sagan4j.eval.Evaluator;
import sagan4j.io.AtomicFiles;
import sagan4j.models.GanConfig;
import sagan4j.models.Generator;
import sagan4j.nn.Module;
import sagan4j.nn.SpectralNormWeight;

/**
 * A training run in its folder: config.json, metrics.jsonl, loss.png, samples/step-N.png, checkpoints/,
 * and eval.json at the end. The loop is {@link TrainStep}'s n_dis D steps and one G step, until
 * {@code steps} G updates or the time limit; everything else here is bookkeeping at intervals.
 */
public final class Trainer {
    /** Columns of a sample sheet: one fixed z per column. */
    static final int SHEET_COLUMNS = 8;
    private static final int SHEET_MAX_ROWS = 10;

    private final Backend be;
    private final TrainConfig cfg;
    private final Path dir;
    private final PrintStream log;
    /** The G step the last {@link #run} ended at (-1 before one has ended). */
    private long stepsReached = -1;

    public Trainer(Backend be, TrainConfig cfg, Path dir, PrintStream log) {
        this.be = be;
        this.cfg = cfg.validate();
        // training's cuBLAS GEMMs and cuDNN convolutions on TF32 tensor cores unless --tf32 false (the
        // backends open in FP32, which the correctness tests keep); the reference and oneDNN stay FP32
        be.setGemmMath(this.cfg.gemmMath());
        this.dir = dir;
        this.log = log;
    }

    /**
     * The settings an evaluation classifier is trained with for this dataset and model. On real data (issue 16's bar: ≥ 91 % on Fashion-MNIST's held-out
     * split): widths 32/64/128, 128 features, 3 epochs' worth of images (at most 180 000) at batch 64, lr 2e-3
     * on a cosine — 91.9 % on Fashion-MNIST's 10 000 held-out images after 96 s on the 2-core build machine.
     * On the synthetic set, whose squares a small net separates, widths 8/16/32 and 20 000 images, a few seconds
     * (≥ 95 % on its held-out split, {@code ClassifierTrainingTest}).
     */
    public static ClassifierTraining classifierFor(String dataset, GanConfig model, int trainImages) {
        if (Datasets.shortName(dataset).equals("synthetic")) {
            return new ClassifierTraining("synthetic", model.imageChannels(), model.resolution(), model.classes(), 8, 64,
                    20_000, 50, 3e-3f, 1);
        }
        return new ClassifierTraining(dataset, model.imageChannels(), model.resolution(), model.classes(), 32, 128,
                Math.min(180_000, 3 * trainImages), 64, 2e-3f, 1);
    }

    /** Runs (or, with {@code resume}, continues) the training; returns the final evaluation, or null when none ran. */
    public Evaluation run(boolean resume) throws IOException {
        ImageSet train = Datasets.open(cfg.dataset, true, cfg.resolution != null ? cfg.resolution : GanConfig.preset(cfg.preset).resolution());
        GanConfig model = cfg.model(train.classes());
        Fit fit = new Fit(model.imageChannels(), model.resolution());
        Files.createDirectories(dir.resolve("samples"));
        Checkpoints checkpoints = new Checkpoints(dir.resolve("checkpoints"));
        Metrics metrics = new Metrics(dir.resolve("metrics.jsonl"));
        int leftovers = AtomicFiles.removeLeftovers(dir) + AtomicFiles.removeLeftovers(dir.resolve("samples"))
                + AtomicFiles.removeLeftovers(checkpoints.dir());
        if (leftovers > 0) {
            log.println("removed " + leftovers + " temporary file(s) left by an interrupted write in " + dir);
        }
        log.println("sagan4j train: device " + be.name() + " (" + be.describe() + "), preset " + model.preset() + ", dataset "
                + cfg.dataset + " (" + train.n() + " images), run folder " + dir);
        try (TrainStep step = TrainSetup.fromConfig(be, cfg, model)) {
            int perEpoch = train.n() / cfg.batch;
            if (resume) {
                Checkpoints.Loaded ck = checkpoints.newest(log);
                if (ck == null) {
                    throw new sagan4j.io.CheckpointException("--resume: " + checkpoints.dir() + " holds no usable checkpoint");
                }
                RunState.restore(step, ck.contents().tensors(), ck.contents().metadata(), ck.file().toString());
                metrics.resumeAt(step.gSteps());
                log.println("resumed from " + ck.file() + " at step " + step.gSteps());
                for (Path stopped : checkpoints.nonFinite()) {
                    if (Checkpoints.stepOf(stopped) <= step.gSteps()) {
                        continue; // an older stop, already behind this run
                    }
                    log.println("not resumed from " + stopped + ": written when --check-finite stopped the run (its values are not finite)");
                }
            } else {
                Files.deleteIfExists(dir.resolve("metrics.jsonl"));
            }
            AtomicFiles.write(dir.resolve("config.json"), (configJson(model) + "\n").getBytes(StandardCharsets.UTF_8));
            double limit = cfg.timeLimitSeconds();
            long t0 = System.nanoTime();
            Interval iv = new Interval();
            DataLoader data = new DataLoader(train, new Sampler(train.size(), cfg.seed), cfg.flip ? new RandomFlip(fit) : fit, cfg.batch);
            try (BatchStream loader = data.stream(data.position(step.dSteps()), cfg.prefetch); ProgressBar bar = progressBar(step.gSteps())) {
                while ((cfg.steps == 0 || step.gSteps() < cfg.steps) && (limit == 0 || (System.nanoTime() - t0) / 1e9 < limit)) {
                    long s0 = System.nanoTime();
                    for (int k = 0; k < cfg.nDis; k++) {
                        iv.addD(step.dStep(loader.next()));
                    }
                    iv.addG(step.gStep(cfg.batch), (System.nanoTime() - s0) / 1e9);
                    long n = step.gSteps();
                    if (n % cfg.logEvery == 0) {
                        Map<String, Object> row = iv.row(n, step.dSteps() / perEpoch, cfg.batch * (cfg.nDis + 1));
                        row.putAll(sigmas(step));
                        metrics.append(row);
                        LossPlot.write(dir.resolve("loss.png"), metrics.rows());
                        report(bar, row);
                        iv = new Interval();
                    }
                    if (cfg.sampleEvery > 0 && n % cfg.sampleEvery == 0) {
                        sampleSheet(step, n);
                    }
                    if (cfg.checkpointEvery > 0 && n % cfg.checkpointEvery == 0) {
                        checkpoints.save(n, RunState.tensors(step), RunState.metadata(step, cfg, perEpoch), cfg.keepCheckpoints);
                    }
                    if (cfg.evalEvery > 0 && n % cfg.evalEvery == 0) {
                        evaluate(step, train, fit, model, metrics, n);
                    }
                }
            } catch (NonFiniteException e) {
                throw stoppedAt(e, step, checkpoints, metrics, perEpoch);
            }
            long n = step.gSteps();
            stepsReached = n;
            log.printf(Locale.ROOT, "trained to step %d in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
            sampleSheet(step, n);
            checkpoints.save(n, RunState.tensors(step), RunState.metadata(step, cfg, perEpoch), cfg.keepCheckpoints);
            LossPlot.write(dir.resolve("loss.png"), metrics.rows());
            if (cfg.evalEvery >= 0) {
                return evaluate(step, train, fit, model, metrics, n);
            }
            return null;
        }
    }

    /** The G step the last run ended at, the loop's last step (what a sweep reports as steps reached); -1 before one has ended. */
    public long stepsReached() {
        return stepsReached;
    }

    /** The final checkpoint (marked nonfinite) and a metrics line of a --check-finite stop; the exception to throw. */
    private NonFiniteException stoppedAt(NonFiniteException e, TrainStep step, Checkpoints checkpoints, Metrics metrics, int perEpoch)
            throws IOException {
        Path file = checkpoints.saveNonFinite(e.step(), RunState.tensors(step), RunState.metadata(step, cfg, perEpoch), e.getMessage());
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", e.step());
        row.put(Checkpoints.NONFINITE_KEY, e.getMessage());
        metrics.append(row);
        return e.savedTo(file);
    }

    private Evaluation evaluate(TrainStep step, ImageSet train, Fit fit, GanConfig model, Metrics metrics, long n) throws IOException {
        ImageSet held = Datasets.open(cfg.dataset, false, model.resolution());
        try (Classifier c = classifierFor(cfg.dataset, model, train.n()).obtain(be, train, held, log)) {
            Evaluation e = new Evaluator(be, c, fit, model.classes()).evaluate(sampler(step), train, held, cfg.evalSamples, cfg.seed, cfg.evalTruncation);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("step", n);
            row.put("eval", e.toMap());
            metrics.append(row);
            AtomicFiles.write(dir.resolve("eval.json"), (Metrics.line(row) + "\n").getBytes(StandardCharsets.UTF_8));
            log.println("eval at step " + n + ": " + e.summary());
            return e;
        }
    }

    /** EMA-G (with standing statistics when asked) or G. */
    private Generator sampler(TrainStep step) {
        Generator gen = step.sampler();
        if (cfg.standingStats() > 0 && step.ema() != null) {
            Ema.standingStatistics(be, gen, cfg.standingStats(), cfg.batch, cfg.seed);
        }
        return gen;
    }

    /** samples/step-N.png: one row per class (the first 10), one fixed z per column. */
    private void sampleSheet(TrainStep step, long n) throws IOException {
        Generator gen = sampler(step);
        GanConfig m = gen.config();
        int rows = Math.min(m.classes(), SHEET_MAX_ROWS), count = rows * SHEET_COLUMNS;
        Latents fixed = Latents.draw(cfg.seed, Latents.SHEET_STREAM, 0, SHEET_COLUMNS, m.zDim(), m.classes());
        float[] z = new float[count * m.zDim()];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = i / SHEET_COLUMNS;
            System.arraycopy(fixed.z(), (i % SHEET_COLUMNS) * m.zDim(), z, i * m.zDim(), m.zDim());
        }
        float[] images = Evaluator.generate(be, gen, labels, z);
        ImageGrid.write(dir.resolve("samples").resolve(String.format("step-%08d.png", n)), images, count, m.imageChannels(),
                m.resolution(), m.resolution(), SHEET_COLUMNS);
    }

    /** The largest and smallest σ = uᵀWv of the spectral-norm weights of G and D, from their stored u and v. */
    private Map<String, Object> sigmas(TrainStep step) {
        double max = Double.NaN, min = Double.NaN;
        try (Tensor sigma = be.zeros(1)) {
            for (Module net : new Module[] {step.generator(), step.discriminator()}) {
                for (SpectralNormWeight w : net.spectralNormWeights()) {
                    be.spectralNorm().forward(w.parameter().value(), w.u().value(), w.v().value(), sigma, null, 0,
                            SpectralNormOps.DEFAULT_EPS);
                    double s = be.toHostFloats(sigma)[0];
                    max = Double.isNaN(max) ? s : Math.max(max, s);
                    min = Double.isNaN(min) ? s : Math.min(min, s);
                }
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sigma_max", max);
        m.put("sigma_min", min);
        return m;
    }

    private String configJson(GanConfig model) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sagan4j_version", RunState.version());
        m.put("device", be.name());
        m.put("model", model.toString());
        m.put("settings", new LinkedHashMap<String, Object>(cfg.toMap()));
        return Metrics.line(m);
    }

    private ProgressBar progressBar(long start) {
        if (System.console() == null || cfg.steps == 0) {
            return null;
        }
        return new ProgressBarBuilder().setTaskName("train").setInitialMax(cfg.steps).startsFrom(start, java.time.Duration.ZERO)
                .setStyle(ProgressBarStyle.ASCII).continuousUpdate().build();
    }

    private void report(ProgressBar bar, Map<String, Object> row) {
        String line = String.format(Locale.ROOT, "step %d  D %.4f (real %.4f, fake %.4f)  G %.4f  σ [%.3f, %.3f]  %.2f s/step  %.1f img/s",
                row.get("step"), row.get("d_loss"), row.get("d_loss_real"), row.get("d_loss_fake"), row.get("g_loss"),
                row.get("sigma_min"), row.get("sigma_max"), row.get("step_time_s"), row.get("images_per_s"));
        if (bar != null) {
            bar.stepTo((Long) row.get("step"));
            bar.setExtraMessage(String.format(Locale.ROOT, "D %.3f G %.3f %.1f img/s", row.get("d_loss"), row.get("g_loss"),
                    row.get("images_per_s")));
        } else {
            log.println(line);
        }
    }

    /** Averages over one logging interval. */
    private static final class Interval {
        private double dReal, dFake, dLossReal, dLossFake, gLoss, dAux, gAux, seconds;
        private int dCount, gCount;

        void addD(StepResult r) {
            dReal += r.dReal();
            dFake += r.dFake();
            dLossReal += r.dLossReal();
            dLossFake += r.dLossFake();
            dAux += r.aux();
            dCount++;
        }

        void addG(StepResult r, double s) {
            gLoss += r.gLoss();
            gAux += r.aux();
            seconds += s;
            gCount++;
        }

        Map<String, Object> row(long step, long epoch, int imagesPerStep) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("step", step);
            m.put("epoch", epoch);
            m.put("d_loss", (dLossReal + dLossFake) / dCount);
            m.put("d_loss_real", dLossReal / dCount);
            m.put("d_loss_fake", dLossFake / dCount);
            m.put("g_loss", gLoss / gCount);
            m.put("d_real", dReal / dCount);
            m.put("d_fake", dFake / dCount);
            if (!Double.isNaN(dAux)) { // with the auxiliary classifier (--aux-weight > 0)
                m.put("d_aux", dAux / dCount);
                m.put("g_aux", gAux / gCount);
            }
            m.put("step_time_s", seconds / gCount);
            m.put("images_per_s", imagesPerStep * gCount / seconds);
            return m;
        }
    }
}
