package sagan4j.cuda.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.reference.ReferenceBackend;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;
import sagan4j.models.Discriminator;
import sagan4j.models.GanConfig;
import sagan4j.models.Generator;
import sagan4j.nn.Parameter;
import sagan4j.testing.OpenAttention;
import sagan4j.testing.Reference;

/**
 * Whole generators and discriminators on CUDA against the CPU reference with the same weights (same seed),
 * forward and backward, for both convolution paths: outputs, D's input gradient and every weight gradient,
 * each against its own tolerance with its reason ({@link #tolerance}).
 */
@Tag("native")
class ModelsNativeTest {
    /**
     * What a compared tensor is held to: a relative L2 error, and whether a kink-confined mismatch (see
     * {@link #KINK_FRACTION}) also passes, with the reason, printed with every failure.
     */
    record Tolerance(double relativeL2, boolean kinkConfinedPasses, String reason) {
    }

    /**
     * The tolerance of one tensor ("G images", "D logits", "D input gradient" or a parameter name) of a small
     * model (16 channels, batch 4) or a full-size one (batch 2). Measured on the emulator (FP32 there as here).
     */
    static Tolerance tolerance(String tensor, int elements, boolean fullSize) {
        if (!fullSize) {
            return new Tolerance(1e-4, false, "FP32 through a dozen layers, each held to 1e-5 in LayersNativeTest, so"
                    + " errors compound to at most ~1e-5 relative; every small-model tensor measured at ~3e-7");
        }
        if (tensor.equals("D input gradient")) {
            return new Tolerance(1e-4, true, "ReLU pre-activations within rounding of 0 fall on different sides on"
                    + " the two backends: at full BigGAN-128 size 267 of 98,304 elements off (worst 4% of the rms),"
                    + " every other element within 1e-6 of the rms");
        }
        if (tensor.equals("G images") || tensor.equals("D logits") || tensor.startsWith("D.")) {
            return new Tolerance(1e-4, false, "no batch norm between the flipped kinks and this tensor (D), or"
                    + " downstream of them in the forward (G's images): measured ~5e-7 at full size");
        }
        if (elements == 1) {
            return new Tolerance(5e-2, false, "attention's σ, a scalar Σ dy·o that mostly cancels: the upstream"
                    + " error of G's other gradients becomes 2.1% here at full BigGAN-128 size (the CPU reference"
                    + " moves it by 1.3% under a 1e-6 change of z)");
        }
        return new Tolerance(5e-3, false, "G's weights at full size: batch norm spreads a ReLU kink flipped at"
                + " rounding level over its whole channel, measured 1.2e-3 to 1.6e-3 at full BigGAN-128 size; the"
                + " CPU reference moves them by up to 1.6e-3 under a 1e-6 change of z (the function's conditioning);"
                + " a wiring or indexing mistake is off by O(1)");
    }

    private static GanConfig config(String preset, boolean large) {
        GanConfig p = GanConfig.preset(preset);
        return large ? p : new GanConfig(p.preset() + "-small", p.blocks(), p.shared(), p.resolution(), p.imageChannels(), p.classes(),
                16, p.zDim(), p.sharedDim(), p.attentionG(), p.attentionD(), p.snG(), p.snD(), p.gainOffset(), p.orthoInit(), p.seed());
    }

    @ParameterizedTest(name = "{0} conv={1}")
    @CsvSource({"sagan32, cudnn", "sagan32, im2col", "biggan32, cudnn", "biggan32, im2col"})
    void smallModels(String preset, String conv) {
        compare(config(preset, false), conv, 4, false);
    }

    @Tag("large")
    @ParameterizedTest(name = "{0} conv={1} (full size)")
    @CsvSource({"sagan32, cudnn", "biggan32, im2col", "biggan128, cudnn"})
    void fullSizeModels(String preset, String conv) {
        compare(GanConfig.preset(preset).withOrthoInit(false), conv, 2, true);
    }

    /**
     * Eval mode: after three training forwards (which move batch norm's running statistics and spectral norm's
     * u, v on each backend), G and D in eval mode — running statistics, stored u and v — give the same images
     * and logits on both backends. Eval is forward only (batch norm's backward needs batch statistics).
     */
    @ParameterizedTest(name = "{0} eval")
    @CsvSource({"sagan32", "biggan32"})
    void smallModelsInEvalMode(String preset) {
        GanConfig cfg = config(preset, false);
        int batch = 4, r = cfg.resolution();
        SplittableRandom rng = new SplittableRandom(23);
        float[] z = Reference.random(rng, batch * cfg.zDim(), 1), zEval = Reference.random(rng, batch * cfg.zDim(), 1);
        int[] labels = {0, 3, 1, 3};
        try (CudaBackend cuda = Gpu.open(CudaBackend.Options.defaults()); ReferenceBackend cpu = new ReferenceBackend()) {
            float[][] want = evalRun(cpu, cfg, z, zEval, labels), got = evalRun(cuda, cfg, z, zEval, labels);
            List<String> failures = new java.util.ArrayList<>();
            check(failures, "G images", got[0], want[0], false);
            check(failures, "D logits", got[1], want[1], false);
            check(failures, "G running statistics", got[2], want[2], false);
            if (!failures.isEmpty()) {
                throw new AssertionError(preset + " eval: " + String.join("; ", failures));
            }
        }
    }

    /** Three training forwards of G and D, then eval: [images, logits, every running mean/var of G concatenated]. */
    private static float[][] evalRun(Backend be, GanConfig cfg, float[] zs, float[] zEval, int[] ls) {
        int batch = ls.length;
        try (Generator g = new Generator(be, cfg); Discriminator d = new Discriminator(be, cfg);
             Tensor z = be.fromHost(zs, batch, cfg.zDim()); Tensor z2 = be.fromHost(zEval, batch, cfg.zDim());
             Tensor labels = be.fromHost(ls, batch)) {
            OpenAttention.set(be, g.weights(), 0.5f);
            OpenAttention.set(be, d.weights(), 0.5f);
            for (int step = 0; step < 3; step++) {
                d.forward(g.forward(z, labels), labels);
            }
            g.train(false);
            d.train(false);
            float[] images = be.toHostFloats(g.forward(z2, labels));
            float[] logits = be.toHostFloats(d.forward(g.forward(z2, labels), labels));
            List<Float> running = new java.util.ArrayList<>();
            for (Parameter p : g.parameters()) {
                if (p.name().endsWith("running_mean") || p.name().endsWith("running_var")) {
                    for (float f : be.toHostFloats(p.value())) {
                        running.add(f);
                    }
                }
            }
            float[] st = new float[running.size()];
            for (int i = 0; i < st.length; i++) {
                st[i] = running.get(i);
            }
            return new float[][] {images, logits, st};
        }
    }

    private static void compare(GanConfig cfg, String convImpl, int batch, boolean fullSize) {
        SplittableRandom rng = new SplittableRandom(17);
        float[] z = Reference.random(rng, batch * cfg.zDim(), 1);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = rng.nextInt(cfg.classes());
        }
        int r = cfg.resolution(), imgSize = batch * cfg.imageChannels() * r * r;
        float[] dImg = Reference.random(rng, imgSize, 1), dOut = Reference.random(rng, batch, 1);
        try (CudaBackend cuda = Gpu.open(CudaBackend.Options.defaults()); ReferenceBackend cpu = new ReferenceBackend()) {
            cuda.conv().setImpl(convImpl);
            Run want = run(cpu, cfg, z, labels, dImg, dOut, batch);
            Run got = run(cuda, cfg, z, labels, dImg, dOut, batch);
            // every comparison is made and printed, so a failure shows where along the network error grows
            List<String> failures = new java.util.ArrayList<>();
            check(failures, "G images", got.images, want.images, fullSize);
            check(failures, "D logits", got.logits, want.logits, fullSize);
            check(failures, "D input gradient", got.dInput, want.dInput, fullSize);
            assertEquals(want.names, got.names);
            for (int i = 0; i < want.grads.size(); i++) {
                String name = want.names.get(i);
                int weight = want.names.indexOf(name.replaceFirst("bias$", "weight"));
                double weightNorm = weight >= 0 ? norm(want.grads.get(weight)) : 0;
                if (name.endsWith(".bias") && norm(want.grads.get(i)) <= NOISE * weightNorm) {
                    checkNoise(failures, name, got.grads.get(i), want.grads.get(i), weightNorm);
                } else {
                    check(failures, name, got.grads.get(i), want.grads.get(i), fullSize);
                }
            }
            if (!failures.isEmpty()) {
                throw new AssertionError(cfg.preset() + " conv=" + convImpl + ": " + failures.size() + " mismatch(es): "
                        + String.join("; ", failures));
            }
        }
    }

    /**
     * A conv bias right before a batch norm has an exact gradient of zero (the norm subtracts the batch
     * mean, bias included), so both backends return rounding noise there and a relative error means
     * nothing. Such a gradient (CPU norm at most NOISE times its layer's weight gradient) is checked to be
     * noise on CUDA too: finite, and at most NOISE times the weight gradient's norm.
     */
    private static final double NOISE = 1e-4;

    /**
     * ReLU and max-pool kinks: a pre-activation within rounding of zero can fall on different sides on the
     * two backends, and the gradient then differs at that element by O(1) and, after the convolutions
     * below it, over a small neighbourhood. Where {@link #tolerance} allows it (full size, D's input gradient
     * only), a tensor also passes when the mismatch is confined like that: at most 1% of its elements off by
     * more than 1e-3 of its rms, none by more than 10% of it. A wiring or indexing mistake moves far more
     * elements, or moves them by more.
     */
    private static final double KINK_FRACTION = 0.01, KINK_WORST = 0.1;

    private static void checkNoise(List<String> failures, String name, float[] got, float[] want, double weightNorm) {
        double g = norm(got);
        System.out.printf("  %-48s CPU norm %.3e, CUDA norm %.3e (zero in theory; weight gradient %.3e)%n", name, norm(want),
                g, weightNorm);
        if (!(g <= NOISE * weightNorm)) {
            failures.add(name + " gradient: zero in theory, CUDA norm " + g + " > " + NOISE + " x " + weightNorm);
        }
    }

    private static void check(List<String> failures, String what, float[] got, float[] want, boolean fullSize) {
        Tolerance t = tolerance(what, want.length, fullSize);
        for (int i = 0; i < got.length; i++) {
            if (!Float.isFinite(got[i]) && Float.isFinite(want[i])) {
                failures.add(what + ": element " + i + " is " + got[i] + " (not written, or overflowed)");
                return;
            }
        }
        double err = Reference.relativeL2(got, Reference.toDouble(want));
        double rms = norm(want) / Math.sqrt(Math.max(1, want.length));
        int far = 0;
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            double d = Math.abs((double) got[i] - want[i]) / Math.max(rms, 1e-30);
            far += d > 1e-3 ? 1 : 0;
            worst = Math.max(worst, d);
        }
        System.out.printf("  %-48s relative L2 %.2e; %d of %d elements off by > 1e-3 rms, worst %.2e rms%n", what, err, far,
                got.length, worst);
        boolean kinkConfined = t.kinkConfinedPasses() && far <= KINK_FRACTION * got.length && worst <= KINK_WORST;
        if (!(err <= t.relativeL2() || kinkConfined)) {
            failures.add(what + ": relative L2 error " + err + " > " + t.relativeL2() + ", " + far + " of " + got.length
                    + " elements off by > 1e-3 rms (worst " + worst + " rms); held to that because: " + t.reason());
        }
    }

    private static double norm(float[] x) {
        double s = 0;
        for (float v : x) {
            s += (double) v * v;
        }
        return Math.sqrt(s);
    }

    private record Run(float[] images, float[] logits, float[] dInput, List<String> names, List<float[]> grads) {
    }

    private static Run run(Backend be, GanConfig cfg, float[] zs, int[] ls, float[] dImg, float[] dOut, int batch) {
        int r = cfg.resolution();
        try (Generator g = new Generator(be, cfg); Discriminator d = new Discriminator(be, cfg);
             Tensor z = be.fromHost(zs, batch, cfg.zDim()); Tensor labels = be.fromHost(ls, batch);
             Tensor gImg = be.fromHost(dImg, batch, cfg.imageChannels(), r, r); Tensor gOut = be.fromHost(dOut, batch, 1)) {
            OpenAttention.set(be, g.weights(), 0.5f); // at σ = 0 nothing inside attention would be compared
            OpenAttention.set(be, d.weights(), 0.5f);
            g.zeroGrad();
            d.zeroGrad();
            Tensor images = g.forward(z, labels);
            float[] imgs = be.toHostFloats(images);
            g.backward(gImg);
            float[] logits = be.toHostFloats(d.forward(images, labels));
            float[] dx = be.toHostFloats(d.backward(gOut));
            List<String> names = new java.util.ArrayList<>();
            List<float[]> grads = new java.util.ArrayList<>();
            for (Parameter p : g.weights()) {
                names.add(p.name());
                grads.add(be.toHostFloats(p.grad()));
            }
            for (Parameter p : d.weights()) {
                names.add(p.name());
                grads.add(be.toHostFloats(p.grad()));
            }
            return new Run(imgs, logits, dx, names, grads);
        }
    }
}
