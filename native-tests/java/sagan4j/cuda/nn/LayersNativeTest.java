package sagan4j.cuda.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static sagan4j.testing.Reference.random;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import sagan4j.backend.Backend;
import sagan4j.backend.LayerOps;
import sagan4j.backend.Tensor;
import sagan4j.reference.ReferenceBackend;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;
import sagan4j.nn.Activation;
import sagan4j.nn.ConditionalBatchNorm2d;
import sagan4j.nn.Conv2d;
import sagan4j.nn.Embedding;
import sagan4j.nn.Layer;
import sagan4j.nn.Linear;
import sagan4j.nn.Module;
import sagan4j.nn.Parameter;
import sagan4j.nn.Resampling;
import sagan4j.nn.SelfAttention;
import sagan4j.nn.SumHW;
import sagan4j.testing.Reference;

/**
 * Every nn layer built twice from the same seed (so with the same weights), once on the CPU reference and
 * once on CUDA, run forward and backward on the same random input and upstream gradient: outputs, input
 * gradients, every parameter gradient and every buffer (spectral norm's u and v, batch norm's running
 * statistics) compared at 1e-5 relative L2 (FP32), every CUDA element checked finite. The layers' outputs
 * are tensors the modules own, written by each forward, so no NaN poison is needed.
 */
@Tag("native")
class LayersNativeTest {
    private static final Backend CPU = new ReferenceBackend();
    private static final Gpu.Shared CUDA = new Gpu.Shared(CudaBackend.Options.defaults());
    private static final double TOL = 1e-5;

    @AfterAll
    static void close() {
        CUDA.close();
    }

    /** Builds the layer under test on a backend; called with equal seeds for the two backends. */
    @FunctionalInterface
    interface Build<M extends Module> {
        M build(Backend be, SplittableRandom rng);
    }

    private static int size(int... dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        return n;
    }

    private static void assertFinite(String what, float[] a) {
        for (int i = 0; i < a.length; i++) {
            if (!Float.isFinite(a[i])) {
                fail(what + ": CUDA element " + i + " is " + a[i]);
            }
        }
    }

    /** CUDA tensor against the CPU one: same shape, every element finite, relative L2 within TOL. */
    private static void compare(String what, Tensor gpu, Tensor cpu) {
        assertArrayEquals(cpu.shape().dims(), gpu.shape().dims(), what + " shape");
        float[] g = gpu.backend().toHostFloats(gpu), c = CPU.toHostFloats(cpu);
        assertFinite(what, g);
        Reference.assertClose(what, g, c, TOL);
    }

    /**
     * Every parameter by name: values (buffers change in training forwards) and trainable gradients. A
     * gradient that is exactly 0 in exact arithmetic (self-attention's φ bias: a shift of every key that
     * the softmax ignores) is float noise on both sides; it is checked to be small, not relatively close.
     */
    private static void compareParameters(String what, Module gpu, Module cpu) {
        List<Parameter> gs = gpu.parameters(), cs = cpu.parameters();
        assertEquals(cs.stream().map(Parameter::name).toList(), gs.stream().map(Parameter::name).toList(), what);
        for (int i = 0; i < cs.size(); i++) {
            Parameter g = gs.get(i), c = cs.get(i);
            compare(what + " " + c.name() + " value", g.value(), c.value());
            if (!c.trainable()) {
                continue;
            }
            if (c.name().endsWith("phi.bias")) {
                float[] gg = g.grad().backend().toHostFloats(g.grad());
                assertFinite(what + " " + c.name() + " grad", gg);
                for (float v : gg) {
                    assertTrue(Math.abs(v) <= 1e-4, what + " " + c.name() + " grad should be ~0, got " + v);
                }
                continue;
            }
            compare(what + " " + c.name() + " grad", g.grad(), c.grad());
        }
    }

    /** Forward and backward of a single-input layer on both backends, everything compared. */
    private static void check(String what, Build<? extends Layer> build, long seed, int... inDims) {
        CudaBackend gpu = CUDA.get();
        SplittableRandom data = new SplittableRandom(seed + 1000);
        float[] x = random(data, size(inDims), 1);
        try (Layer c = build.build(CPU, new SplittableRandom(seed)); Layer g = build.build(gpu, new SplittableRandom(seed));
             Tensor cx = CPU.fromHost(x, inDims); Tensor gx = gpu.fromHost(x, inDims)) {
            compareParameters(what + " (as built)", g, c);
            Tensor cy = c.forward(cx), gy = g.forward(gx);
            compare(what + " y", gy, cy);
            float[] dy = random(data, (int) cy.size(), 1);
            c.zeroGrad();
            g.zeroGrad();
            try (Tensor cdy = CPU.fromHost(dy, cy.shape().dims()); Tensor gdy = gpu.fromHost(dy, cy.shape().dims())) {
                Tensor cdx = c.backward(cdy), gdx = g.backward(gdy);
                compare(what + " dx", gdx, cdx);
            }
            compareParameters(what, g, c);
        }
    }

    @ParameterizedTest(name = "sn={0}")
    @ValueSource(booleans = {false, true})
    void linear(boolean sn) {
        check("linear sn=" + sn, (be, rng) -> new Linear(be, "fc", 24, 10, true, sn, rng), 1, 3, 24);
    }

    @ParameterizedTest(name = "{0} k={1} sn={2}")
    @CsvSource({"cudnn, 3, false", "im2col, 3, false", "cudnn, 1, false", "im2col, 1, false", "cudnn, 3, true",
        "im2col, 3, true"})
    void conv2d(String impl, int k, boolean sn) {
        CUDA.get().conv().setImpl(impl);
        check("conv2d " + impl + " k=" + k + " sn=" + sn, (be, rng) -> new Conv2d(be, "conv", 5, 7, k, true, sn, rng),
                2, 2, 5, 9, 7);
    }

    @ParameterizedTest
    @ValueSource(strings = {"RELU", "LEAKY_RELU", "TANH"})
    void activation(String kind) {
        Activation.Kind k = Activation.Kind.valueOf(kind);
        check("activation " + kind, (be, rng) -> new Activation(be, "act", k, 0.2f), 3, 2, 3, 5, 6);
    }

    @ParameterizedTest
    @ValueSource(strings = {"UPSAMPLE", "AVG_POOL", "MAX_POOL"})
    void resampling(String op) {
        LayerOps.Resample r = LayerOps.Resample.valueOf(op);
        check("resampling " + op, (be, rng) -> new Resampling(be, "resample", r), 4, 2, 3, 6, 8);
    }

    @Test
    void sumHW() {
        check("sumHW", (be, rng) -> new SumHW(be, "sum"), 5, 2, 5, 4, 6);
    }

    @ParameterizedTest(name = "sn={0} bias={1}")
    @CsvSource({"false, false", "false, true", "true, false", "true, true"})
    void selfAttention(boolean sn, boolean bias) {
        check("self-attention sn=" + sn + " bias=" + bias, (be, rng) -> {
            SelfAttention a = new SelfAttention(be, "attn", 32, sn, bias, rng);
            be.fill(a.sigma().value(), 0.7f); // at σ = 0 only σ itself would get a gradient
            return a;
        }, 6, 2, 32, 8, 8);
    }

    @ParameterizedTest(name = "sn={0}")
    @ValueSource(booleans = {false, true})
    void embedding(boolean sn) {
        CudaBackend gpu = CUDA.get();
        int[] labels = {3, 1, 3, 9, 0};
        SplittableRandom data = new SplittableRandom(7);
        float[] dy = random(data, labels.length * 16, 1);
        try (Embedding c = new Embedding(CPU, "embed", 10, 16, sn, new SplittableRandom(8));
             Embedding g = new Embedding(gpu, "embed", 10, 16, sn, new SplittableRandom(8));
             Tensor cl = CPU.fromHost(labels, labels.length); Tensor gl = gpu.fromHost(labels, labels.length);
             Tensor cdy = CPU.fromHost(dy, labels.length, 16); Tensor gdy = gpu.fromHost(dy, labels.length, 16)) {
            compare("embedding y", g.forward(gl), c.forward(cl));
            c.zeroGrad();
            g.zeroGrad();
            c.backward(cdy);
            g.backward(gdy);
            compareParameters("embedding sn=" + sn, g, c);
        }
    }

    @Test
    void conditionalBatchNormWithClassTables() {
        CudaBackend gpu = CUDA.get();
        int b = 5, ch = 6, classes = 4;
        int[] labels = {1, 3, 1, 0, 2};
        SplittableRandom data = new SplittableRandom(9);
        float[] x = random(data, b * ch * 4 * 6, 1), dy = random(data, b * ch * 4 * 6, 1);
        float[] gamma = random(data, classes * ch, 1), beta = random(data, classes * ch, 1);
        try (ConditionalBatchNorm2d c = new ConditionalBatchNorm2d(CPU, "bn", ch, classes);
             ConditionalBatchNorm2d g = new ConditionalBatchNorm2d(gpu, "bn", ch, classes);
             Tensor cl = CPU.fromHost(labels, b); Tensor gl = gpu.fromHost(labels, b);
             Tensor cx = CPU.fromHost(x, b, ch, 4, 6); Tensor gx = gpu.fromHost(x, b, ch, 4, 6);
             Tensor cdy = CPU.fromHost(dy, b, ch, 4, 6); Tensor gdy = gpu.fromHost(dy, b, ch, 4, 6)) {
            // non-trivial tables (γ = 1, β = 0 as built would hide a mix-up of the two)
            for (ConditionalBatchNorm2d m : List.of(c, g)) {
                Backend be = m == c ? CPU : gpu;
                be.upload(gamma, m.parameters().get(0).value());
                be.upload(beta, m.parameters().get(1).value());
            }
            compare("cbn tables y", g.forward(gx, gl), c.forward(cx, cl));
            c.zeroGrad();
            g.zeroGrad();
            compare("cbn tables dx", g.backward(gdy), c.backward(cdy));
            compareParameters("cbn tables", g, c);
        }
    }

    @Test
    void conditionalBatchNormWithPerSampleRows() {
        CudaBackend gpu = CUDA.get();
        int b = 3, ch = 6;
        SplittableRandom data = new SplittableRandom(10);
        float[] x = random(data, b * ch * 5 * 5, 1), dy = random(data, b * ch * 5 * 5, 1);
        float[] gamma = random(data, b * ch, 1), beta = random(data, b * ch, 1);
        try (ConditionalBatchNorm2d c = new ConditionalBatchNorm2d(CPU, "bn", ch, 0);
             ConditionalBatchNorm2d g = new ConditionalBatchNorm2d(gpu, "bn", ch, 0);
             Tensor cx = CPU.fromHost(x, b, ch, 5, 5); Tensor gx = gpu.fromHost(x, b, ch, 5, 5);
             Tensor cg = CPU.fromHost(gamma, b, ch); Tensor gg = gpu.fromHost(gamma, b, ch);
             Tensor cb = CPU.fromHost(beta, b, ch); Tensor gb = gpu.fromHost(beta, b, ch);
             Tensor cdy = CPU.fromHost(dy, b, ch, 5, 5); Tensor gdy = gpu.fromHost(dy, b, ch, 5, 5)) {
            compare("cbn rows y", g.forward(gx, gg, gb), c.forward(cx, cg, cb));
            compare("cbn rows dx", g.backward(gdy), c.backward(cdy));
            compare("cbn rows grad gamma", g.gradGammaRows(), c.gradGammaRows());
            compare("cbn rows grad beta", g.gradBetaRows(), c.gradBetaRows());
            compareParameters("cbn rows", g, c);
        }
    }
}
