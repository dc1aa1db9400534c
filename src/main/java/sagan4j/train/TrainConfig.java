package sagan4j.train;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Locale;
import java.util.Map;

import sagan4j.backend.ConfigException;
import sagan4j.backend.GemmMath;
import sagan4j.backend.OptimOps;
import sagan4j.backend.ShapeException;
import sagan4j.models.GanConfig;
import sagan4j.nn.Init;
import sagan4j.nn.OrthogonalRegularization;
import sagan4j.optim.AdamOptions;

/**
 * Everything a training run is made of: the model (a {@link GanConfig} preset and its overrides), the loop,
 * the data and the run folder — plain values with their defaults, and {@link #validate()}. Every public
 * field annotated {@link Setting} is one setting; {@link ConfigBinder} binds them from text (the command
 * line's {@code --kebab-name}, config.json's field name), so flags, files and fields can never disagree.
 * Model fields left null take the preset's value.
 */
public final class TrainConfig {
    /** One configurable field, with the help text shown for its flag. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface Setting {
        String value();
    }

    /** What {@code --check-finite} watches (docs/training.md). */
    public enum CheckFinite {
        /** nothing */
        OFF,
        /** every loss of every micro-batch, on the host where the losses are computed: no device work */
        LOSSES,
        /** the losses, and every layer's output and every weight's gradient through {@code Backend.countNonFinite} */
        ALL
    }

    /** How EMA-G's decay is chosen per G update (docs/training.md, "EMA-G"). */
    public enum EmaRule {
        /** StyleGAN2-ADA's: a half-life of {@code --ema-kimg} thousand images, ramped up over the first images seen */
        HALFLIFE,
        /** BigGAN's: {@code --ema-decay} at every update after {@code --ema-start}, a copy of G up to it */
        FIXED
    }

    /** The discriminator/generator loss pair. */
    public enum Loss {
        HINGE, NON_SATURATING
    }

    // ------------------------------------------------------------ model
    @Setting("model preset: tiny, sagan32, biggan32, biggan128")
    public String preset = "tiny";
    @Setting("image resolution (32, 64, 128); default: the preset's")
    public Integer resolution;
    @Setting("image channels (1, 3); default: the preset's")
    public Integer imageChannels;
    @Setting("number of classes; default: the dataset's")
    public Integer classes;
    @Setting("channel width; default: the preset's")
    public Integer ch;
    @Setting("latent size; default: the preset's")
    public Integer zDim;
    @Setting("shared class-embedding size (BigGAN presets); default: the preset's")
    public Integer sharedDim;
    @Setting("resolution of G's self-attention, 0 for none; default: the preset's")
    public Integer attentionG;
    @Setting("resolution of D's self-attention, 0 for none; default: the preset's")
    public Integer attentionD;
    @Setting("spectral normalisation in G; default: the preset's")
    public Boolean snG;
    @Setting("spectral normalisation in D; default: the preset's")
    public Boolean snD;

    // ------------------------------------------------------------ loop
    @Setting("loss: hinge or non-saturating")
    public Loss loss = Loss.HINGE;
    @Setting("AC-GAN auxiliary classifier: weight of its cross-entropy on real images (D) and on fakes (G), a class head on D beside the projection (0: no head; default 1 for tiny, 0 for the other presets)")
    public Float auxWeight;
    @Setting("training steps (G updates); 0: until --time-limit")
    public long steps = 0;
    @Setting("wall-time bound, e.g. 90s, 10m, 1h; 0: none")
    public String timeLimit = "8m";
    @Setting("images per D and per G update")
    public int batch = 32;
    @Setting("micro-batch for gradient accumulation (0: the whole batch at once)")
    public int microBatch = 0;
    @Setting("D updates per G update")
    public int nDis = 1;
    @Setting("G's Adam learning rate")
    public float lrG = 1e-4f;
    @Setting("D's Adam learning rate")
    public float lrD = 4e-4f;
    @Setting("Adam beta1 (both networks)")
    public float beta1 = 0f;
    @Setting("Adam beta2 (both networks)")
    public float beta2 = 0.9f;
    @Setting("Adam eps (both networks)")
    public float adamEps = 1e-8f;
    @Setting("orthogonal-regularisation weight on G's weights (0: off); default: 1e-4 for BigGAN presets, else 0")
    public Float orthoG;
    @Setting("orthogonal-regularisation weight on D's weights (0: off)")
    public float orthoD = 0f;
    @Setting("orthogonal regularisation form: seed-frobenius or biggan-gradient")
    public OrthogonalRegularization.Form orthoForm = OrthogonalRegularization.Form.BIGGAN_GRADIENT;
    @Setting("EMA-G's rule: halflife (a half-life in images with a ramp-up, StyleGAN2-ADA's) or fixed (--ema-decay from --ema-start)")
    public EmaRule emaRule = EmaRule.HALFLIFE;
    // 10 kimg is StyleGAN2-ADA's value for small data sets: 312 steps at batch 32 (156 at 64), reached at
    // step 6250 (3125) with the 0.05 ramp. Shorter runs are governed by the ramp alone (a half-life of 5 % of
    // the steps so far: 50 steps at step 1000), longer ones average over a few hundred steps, far less than
    // BigGAN's 0.9999 (6931 steps), which only fits runs of 100k+ steps. Numbers: docs/training.md.
    @Setting("halflife rule: EMA-G's half-life in thousands of images (0: no EMA)")
    public float emaKimg = 10f;
    @Setting("halflife rule: ramp-up, the half-life is at most this fraction of the images seen so far (0: none)")
    public float emaRampup = 0.05f;
    @Setting("fixed rule: EMA decay of G's weights (0: no EMA)")
    public float emaDecay = 0.9999f;
    @Setting("fixed rule: step from which the EMA averages (before it, EMA-G copies G)")
    public long emaStart = 1000;
    @Setting("batches of standing statistics for EMA-G's batch norms before sampling (0: G's running statistics; default 32 for tiny, 0 for the other presets)")
    public Integer standingStats;
    @Setting("stop at the first non-finite value: off, losses (every step) or all (also every layer's output and weight gradient)")
    public CheckFinite checkFinite = CheckFinite.LOSSES;
    @Setting("seed of everything: weights, z, data order, flips")
    public long seed = 1;

    // ------------------------------------------------------------ data
    @Setting("fashion-mnist, cifar10:DIR, folder:DIR or synthetic")
    public String dataset = "fashion-mnist";
    @Setting("random horizontal flips of the real images")
    public boolean flip = false;
    @Setting("batches prepared ahead by the loader thread")
    public int prefetch = 4;

    // ------------------------------------------------------------ run folder
    @Setting("device: cpu or cuda (default: cuda when a GPU works, else cpu)")
    public String device;
    @Setting("TF32 tensor cores for cuBLAS GEMMs and cuDNN convolutions (CUDA; sagan4j's own kernels stay FP32)")
    public boolean tf32 = true;
    @Setting("CUDA graphs: capture the D and G steps once per batch shape and replay them (cuda only; a failed capture says so and runs uncaptured)")
    public boolean cudaGraphs = true;
    @Setting("run folder (default: runs/<preset>-<dataset>-<timestamp>)")
    public String out;
    @Setting("steps between metrics lines")
    public long logEvery = 10;
    @Setting("steps between sample sheets (0: only at the end)")
    public long sampleEvery = 200;
    @Setting("steps between evaluations (0: only at the end; -1: never)")
    public long evalEvery = 0;
    @Setting("generated images per evaluation")
    public int evalSamples = 1000;
    @Setting("the evaluation's z truncated at ±t (resampled outside it; 0: none)")
    public float evalTruncation = 0;
    @Setting("steps between checkpoints (0: only at the end)")
    public long checkpointEvery = 500;
    @Setting("checkpoints kept")
    public int keepCheckpoints = 3;

    /** The GEMM and convolution math training runs with: TF32 unless {@code --tf32 false}. */
    public GemmMath gemmMath() {
        return tf32 ? GemmMath.TF32 : GemmMath.FP32;
    }

    /** Sets one setting from text, as a flag or config.json would ({@link ConfigBinder#set}); {@code name} is the field or flag name. */
    public TrainConfig set(String name, String text) {
        return ConfigBinder.set(this, name, text);
    }

    /** Every setting as text, config.json's content ({@link ConfigBinder#toMap}). */
    public Map<String, String> toMap() {
        return ConfigBinder.toMap(this);
    }

    /** The model: the preset with every override applied, validated. */
    public GanConfig model(int datasetClasses) {
        GanConfig p = GanConfig.preset(preset);
        int k = classes != null ? classes : datasetClasses;
        boolean changed = resolution != null || imageChannels != null || ch != null || zDim != null || sharedDim != null
                || attentionG != null || attentionD != null || snG != null || snD != null || k != p.classes();
        return new GanConfig(changed ? "custom (" + p.preset() + ")" : p.preset(), p.blocks(), p.shared(),
                or(resolution, p.resolution()), or(imageChannels, p.imageChannels()), k, or(ch, p.ch()), or(zDim, p.zDim()),
                or(sharedDim, p.sharedDim()), or(attentionG, p.attentionG()), or(attentionD, p.attentionD()),
                snG != null ? snG : p.snG(), snD != null ? snD : p.snD(),
                p.gainOffset(), p.orthoInit(), seed).validate();
    }

    /**
     * The auxiliary classifier's weight: {@code --aux-weight}, else 1 for {@code tiny} (issue 16's ablation:
     * docs/training.md) and 0 for the other presets, whose recipes are the papers'.
     */
    public float auxWeight() {
        return auxWeight != null ? auxWeight : preset.equals("tiny") ? 1f : 0f;
    }

    /**
     * Batches of BigGAN's standing statistics before EMA-G samples: {@code --standing-stats}, else 32 for
     * {@code tiny} (issue 16: on the three 8-minute runs with the auxiliary head, 32 batches took the Fréchet
     * distance from 54.2 to 46.2 on average and raised every seed's accuracy; docs/training.md) and 0 for the
     * other presets, which that ablation did not measure.
     */
    public int standingStats() {
        return standingStats != null ? standingStats : preset.equals("tiny") ? TINY_STANDING_STATS : 0;
    }

    /** {@link #standingStats()}'s default for {@code tiny}: 32 batches, 1024 images at the default batch. */
    public static final int TINY_STANDING_STATS = 32;

    /** G's orthogonal-regularisation weight: the flag, else 1e-4 for BigGAN presets (shared embedding), else 0. */
    public float orthoGWeight() {
        return orthoG != null ? orthoG : GanConfig.preset(preset).shared() ? OrthogonalRegularization.DEFAULT_BETA : 0f;
    }

    /** G's Adam settings (checked: one line naming a bad one). */
    public AdamOptions adamG() {
        return new AdamOptions(lrG, beta1, beta2, adamEps);
    }

    /** D's Adam settings. */
    public AdamOptions adamD() {
        return new AdamOptions(lrD, beta1, beta2, adamEps);
    }

    /** Whether the run keeps an EMA-G: {@code --ema-kimg 0} under the halflife rule, {@code --ema-decay 0} under fixed turn it off. */
    public boolean emaOn() {
        return emaRule == EmaRule.HALFLIFE ? emaKimg > 0 : emaDecay > 0;
    }

    /** The micro-batch actually used. */
    public int micro() {
        return microBatch <= 0 ? batch : microBatch;
    }

    /** --time-limit in seconds (0: none). */
    public double timeLimitSeconds() {
        String t = timeLimit.trim().toLowerCase(Locale.ROOT);
        try {
            double scale = t.endsWith("h") ? 3600 : t.endsWith("m") ? 60 : 1;
            String num = t.endsWith("h") || t.endsWith("m") || t.endsWith("s") ? t.substring(0, t.length() - 1) : t;
            double v = Double.parseDouble(num) * scale;
            if (v >= 0 && Double.isFinite(v)) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through to the one-line error
        }
        throw new ConfigException("--time-limit: expected a duration such as 90s, 10m or 1h (0: none), got '" + timeLimit + "'");
    }

    /** Checks the loop settings; one line naming the first bad one. */
    public TrainConfig validate() {
        require(batch >= 1, "--batch: expected at least 1, got " + batch);
        require(micro() <= batch && batch % micro() == 0, "--micro-batch: " + microBatch + " must divide --batch " + batch);
        require(nDis >= 1, "--n-dis: expected at least 1, got " + nDis);
        require(Float.isFinite(auxWeight()) && auxWeight() >= 0, "--aux-weight: expected a finite weight of 0 or more, got " + auxWeight());
        require(standingStats() >= 0, "--standing-stats: expected 0 or more batches, got " + standingStats());
        require(steps >= 0, "--steps: expected 0 or more, got " + steps);
        double limit = timeLimitSeconds(); // parsed even with --steps, so a bad value fails here, before the run folder is made
        require(steps > 0 || limit > 0, "--steps 0 needs a --time-limit, or the run would never end");
        require(emaDecay >= 0 && emaDecay < 1, "--ema-decay: expected a value in [0, 1), got " + emaDecay);
        require(emaKimg >= 0, "--ema-kimg: expected 0 or more (thousands of images), got " + emaKimg);
        require(emaRampup >= 0, "--ema-rampup: expected 0 or more (0: no ramp-up), got " + emaRampup);
        require(logEvery >= 1, "--log-every: expected at least 1, got " + logEvery);
        require(keepCheckpoints >= 1, "--keep-checkpoints: expected at least 1, got " + keepCheckpoints);
        require(prefetch >= 1, "--prefetch: expected at least 1, got " + prefetch);
        require(evalSamples >= 1, "--eval-samples: expected at least 1, got " + evalSamples);
        Init.checkTruncation("--eval-truncation", evalTruncation);
        require(orthoD >= 0 && orthoGWeight() >= 0, "--ortho-g/--ortho-d: expected 0 or more");
        require(Float.isFinite(lrG) && lrG >= 0, "--lr-g: expected a finite learning rate of 0 or more, got " + lrG);
        require(Float.isFinite(lrD) && lrD >= 0, "--lr-d: expected a finite learning rate of 0 or more, got " + lrD);
        require(beta1 >= 0 && beta1 < 1, "--beta1: expected a value in [0, 1), got " + beta1);
        require(beta2 >= 0 && beta2 < 1, "--beta2: expected a value in [0, 1), got " + beta2);
        require(Float.isFinite(adamEps) && adamEps > 0, "--adam-eps: expected a finite value above 0, got " + adamEps);
        return this;
    }

    private static void require(boolean ok, String line) {
        if (!ok) {
            throw new ConfigException(line);
        }
    }

    private static int or(Integer v, int dflt) {
        return v != null ? v : dflt;
    }
}
