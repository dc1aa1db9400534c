package sagan4j.cuda.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static sagan4j.testing.Reference.assertClose;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.cpu.CpuBackend;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;
import sagan4j.models.Discriminator;
import sagan4j.models.GanConfig;
import sagan4j.models.Generator;
import sagan4j.nn.Parameter;
import sagan4j.testing.Reference;

/**
 * Whole generators and discriminators on CUDA against the CPU reference with the same weights (same seed),
 * forward and backward, for both convolution paths: outputs, D's input gradient and every weight gradient.
 * FP32; 1e-4 relative L2, since the differences of a dozen layers compound (each layer alone is held to
 * 1e-5 in LayersNativeTest).
 */
@Tag("native")
class ModelsNativeTest {
    private static final double TOL = 1e-4;

    private static GanConfig config(String preset, boolean large) {
        GanConfig p = GanConfig.preset(preset);
        return large ? p : new GanConfig(p.preset() + "-small", p.blocks(), p.shared(), p.resolution(), p.imageChannels(), p.classes(),
                16, p.zDim(), p.sharedDim(), p.attentionG(), p.attentionD(), p.snG(), p.snD(), p.gainOffset(), p.orthoInit(), p.seed());
    }

    @ParameterizedTest(name = "{0} conv={1}")
    @CsvSource({"sagan32, cudnn", "sagan32, im2col", "biggan32, cudnn", "biggan32, im2col"})
    void smallModels(String preset, String conv) {
        compare(config(preset, false), conv, 4);
    }

    @Tag("large")
    @ParameterizedTest(name = "{0} conv={1} (full size)")
    @CsvSource({"sagan32, cudnn", "biggan32, im2col", "biggan128, cudnn"})
    void fullSizeModels(String preset, String conv) {
        compare(GanConfig.preset(preset).withOrthoInit(false), conv, 2);
    }

    private static void compare(GanConfig cfg, String convImpl, int batch) {
        SplittableRandom rng = new SplittableRandom(17);
        float[] z = Reference.random(rng, batch * cfg.zDim(), 1);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = rng.nextInt(cfg.classes());
        }
        int r = cfg.resolution(), imgSize = batch * cfg.imageChannels() * r * r;
        float[] dImg = Reference.random(rng, imgSize, 1), dOut = Reference.random(rng, batch, 1);
        try (CudaBackend cuda = Gpu.open(CudaBackend.Options.defaults()); CpuBackend cpu = new CpuBackend()) {
            cuda.conv().setImpl(convImpl);
            Run want = run(cpu, cfg, z, labels, dImg, dOut, batch);
            Run got = run(cuda, cfg, z, labels, dImg, dOut, batch);
            assertClose("G images", got.images, want.images, TOL);
            assertClose("D logits", got.logits, want.logits, TOL);
            assertClose("D input gradient", got.dInput, want.dInput, TOL);
            assertEquals(want.grads.size(), got.grads.size());
            for (int i = 0; i < want.grads.size(); i++) {
                assertClose(want.names.get(i) + " gradient", got.grads.get(i), want.grads.get(i), TOL);
            }
        }
    }

    private record Run(float[] images, float[] logits, float[] dInput, List<String> names, List<float[]> grads) {
    }

    private static Run run(Backend be, GanConfig cfg, float[] zs, int[] ls, float[] dImg, float[] dOut, int batch) {
        int r = cfg.resolution();
        try (Generator g = new Generator(be, cfg); Discriminator d = new Discriminator(be, cfg);
             Tensor z = be.fromHost(zs, batch, cfg.zDim()); Tensor labels = be.fromHost(ls, batch);
             Tensor gImg = be.fromHost(dImg, batch, cfg.imageChannels(), r, r); Tensor gOut = be.fromHost(dOut, batch, 1)) {
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
