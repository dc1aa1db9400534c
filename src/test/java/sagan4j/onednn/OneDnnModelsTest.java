package sagan4j.onednn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sagan4j.testing.Reference.assertClose;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.reference.ReferenceBackend;
import sagan4j.models.Discriminator;
import sagan4j.models.GanConfig;
import sagan4j.models.Generator;
import sagan4j.nn.Parameter;
import sagan4j.testing.OpenAttention;
import sagan4j.testing.Reference;
import sagan4j.testing.Slow;

/**
 * Whole generators and discriminators (the presets, and tiny configurations of every block type) on
 * {@code cpu} against the double-precision {@code reference}: the same weights and buffers (copied from the
 * reference models), the same fresh random inputs, training mode (batch statistics, one spectral-norm
 * step), attention's σ opened to 0.5; outputs and every gradient compared by relative L2.
 *
 * <p>Tolerances: 1e-5 for the outputs; 1e-4 for the gradients, not the per-op 5e-5: a dozen layers'
 * fp32 roundings compound, and batch norm turns ReLU masks flipped by a rounding into changes of whole
 * channels (the same reason ModelsNativeTest holds CUDA to 1e-4 against the reference). Each layer alone
 * meets the per-op tolerances in the family suites.
 */
@Slow
class OneDnnModelsTest {
    private static final double TOL_OUT = 1e-5;
    private static final double TOL_GRAD = 1e-4;

    private static final Backend REF = new ReferenceBackend();
    private static final Backend CPU = OneDnnTestBackend.CPU;

    @AfterAll
    static void close() {
        REF.close();
    }

    static GanConfig config(String name) {
        return switch (name) {
            case "tiny-sagan" -> new GanConfig(name, GanConfig.Blocks.SEED, false, 32, 3, 3, 8, 16, 0, 16, 16, true, true, 0f,
                    false, 7);
            case "tiny-biggan32" -> new GanConfig(name, GanConfig.Blocks.SEED, true, 32, 3, 3, 8, 16, 4, 16, 8, true, true, 0f,
                    true, 7);
            // ch 12: channel counts (12, 24, 48) that oneDNN's 8-blocks do not divide; attention needs C % 8 == 0
            case "tiny-biggan-paper" -> new GanConfig(name, GanConfig.Blocks.BIGGAN, true, 32, 1, 3, 12, 16, 4, 0, 0, true,
                    true, 1f, true, 7);
            default -> GanConfig.preset(name);
        };
    }

    /** Copies every parameter and buffer of {@code from} (reference) into {@code to} (cpu), in registration order. */
    private static void copyState(List<Parameter> from, List<Parameter> to) {
        assertEquals(from.size(), to.size(), "parameter count");
        for (int i = 0; i < from.size(); i++) {
            assertEquals(from.get(i).name(), to.get(i).name());
            CPU.upload(REF.toHostFloats(from.get(i).value()), to.get(i).value());
        }
    }

    /**
     * Every weight gradient within TOL_GRAD relative L2 — relative to max(‖ref‖, 1% of the model's RMS
     * gradient × √n): the bias of a convolution that feeds batch norm has an exactly-zero gradient in exact
     * arithmetic (the norm removes its mean), so both sides hold only rounding noise there, which a plain
     * relative error would compare with itself.
     */
    private static void compareGrads(String model, List<Parameter> ref, List<Parameter> cpu) {
        double all = 0;
        long count = 0;
        for (Parameter p : ref) {
            if (p.trainable()) {
                for (float v : REF.toHostFloats(p.grad())) {
                    all += (double) v * v;
                }
                count += p.grad().size();
            }
        }
        double rms = Math.sqrt(all / count);
        for (int i = 0; i < ref.size(); i++) {
            if (!ref.get(i).trainable()) {
                continue;
            }
            float[] want = REF.toHostFloats(ref.get(i).grad()), got = CPU.toHostFloats(cpu.get(i).grad());
            double num = 0, den = 0;
            for (int j = 0; j < want.length; j++) {
                assertTrue(Float.isFinite(got[j]), model + " " + ref.get(i).name() + " grad element " + j + " is " + got[j]);
                num += ((double) got[j] - want[j]) * ((double) got[j] - want[j]);
                den += (double) want[j] * want[j];
            }
            double err = Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-2 * rms * Math.sqrt(want.length));
            assertTrue(err <= TOL_GRAD, model + " " + ref.get(i).name() + " grad: relative L2 error " + err + " > " + TOL_GRAD);
        }
    }

    @ParameterizedTest(name = "{0} batch {1}")
    @CsvSource({"tiny-sagan, 3", "tiny-biggan32, 1", "tiny-biggan-paper, 2", "sagan32, 2", "biggan32, 2"})
    void generatorMatchesTheReference(String name, int batch) {
        GanConfig cfg = config(name);
        SplittableRandom rng = new SplittableRandom(11);
        float[] z = Reference.random(rng, batch * cfg.zDim(), 1);
        int[] labels = rng.ints(batch, 0, cfg.classes()).toArray();
        try (Generator gr = new Generator(REF, cfg); Generator gc = new Generator(CPU, cfg);
             Tensor zr = REF.fromHost(z, batch, cfg.zDim()); Tensor zc = CPU.fromHost(z, batch, cfg.zDim());
             Tensor lr = REF.fromHost(labels, batch); Tensor lc = CPU.fromHost(labels, batch)) {
            OpenAttention.set(REF, gr.weights(), 0.5f);
            copyState(gr.parameters(), gc.parameters());
            Tensor ir = gr.forward(zr, lr), ic = gc.forward(zc, lc);
            assertClose(name + " G output", CPU.toHostFloats(ic), REF.toHostFloats(ir), TOL_OUT);
            float[] up = Reference.random(rng, (int) ir.size(), 1);
            gr.zeroGrad();
            gc.zeroGrad();
            try (Tensor ur = REF.fromHost(up, ir.shape().dims()); Tensor uc = CPU.fromHost(up, ic.shape().dims())) {
                gr.backward(ur);
                gc.backward(uc);
            }
            compareGrads(name + " G", gr.parameters(), gc.parameters());
        }
    }

    @ParameterizedTest(name = "{0} batch {1}")
    @CsvSource({"tiny-sagan, 3", "tiny-biggan32, 1", "tiny-biggan-paper, 2", "sagan32, 2", "biggan32, 2"})
    void discriminatorMatchesTheReference(String name, int batch) {
        GanConfig cfg = config(name);
        SplittableRandom rng = new SplittableRandom(12);
        int r = cfg.resolution();
        float[] x = Reference.random(rng, batch * cfg.imageChannels() * r * r, 1);
        int[] labels = rng.ints(batch, 0, cfg.classes()).toArray();
        try (Discriminator dr = new Discriminator(REF, cfg); Discriminator dc = new Discriminator(CPU, cfg);
             Tensor xr = REF.fromHost(x, batch, cfg.imageChannels(), r, r);
             Tensor xc = CPU.fromHost(x, batch, cfg.imageChannels(), r, r);
             Tensor lr = REF.fromHost(labels, batch); Tensor lc = CPU.fromHost(labels, batch)) {
            OpenAttention.set(REF, dr.weights(), 0.5f);
            copyState(dr.parameters(), dc.parameters());
            Tensor or = dr.forward(xr, lr), oc = dc.forward(xc, lc);
            assertClose(name + " D output", CPU.toHostFloats(oc), REF.toHostFloats(or), TOL_OUT);
            float[] up = Reference.random(rng, batch, 1);
            dr.zeroGrad();
            dc.zeroGrad();
            try (Tensor ur = REF.fromHost(up, batch, 1); Tensor uc = CPU.fromHost(up, batch, 1)) {
                float[] dxr = REF.toHostFloats(dr.backward(ur));
                assertClose(name + " D input grad", CPU.toHostFloats(dc.backward(uc)), dxr, TOL_GRAD);
            }
            compareGrads(name + " D", dr.parameters(), dc.parameters());
        }
    }
}
