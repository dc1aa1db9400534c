package sagan4j.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sagan4j.testing.Reference.assertClose;
import static sagan4j.testing.Reference.random;
import static sagan4j.testing.Reference.toDouble;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.testing.AttentionReference;
import sagan4j.testing.Reference;

/** The reference's attention beyond the shared contract (AttentionContractTest): one version, and its gradient checked by central finite differences in double. */
class ReferenceAttentionTest {
    private static final Backend CPU = new ReferenceBackend();
    private final SplittableRandom rng = new SplittableRandom(11);

    @Test
    void hasOneVersion() {
        assertEquals(List.of("reference"), CPU.attention().impls());
        assertEquals("reference", CPU.attention().impl());
    }

    /**
     * L = Σ o ⊙ w; the backward with grad_o = w must return ∂L/∂q, ∂L/∂k, ∂L/∂v. The finite differences
     * (step 1e-5, in double) are accurate to ~1e-10 relative; the backward's float outputs to ~1e-7.
     */
    @ParameterizedTest(name = "B={0} N={1} M={2} d={3} c={4} scale={5}")
    @CsvSource({
        "2, 3, 4, 5, 3, 1",
        "1, 7, 5, 2, 6, 0.35",
        "3, 2, 3, 4, 2, 1.5",
    })
    void gradientMatchesCentralFiniteDifferences(int batch, int n, int m, int d, int c, float scale) {
        float[] q = random(rng, batch * n * d, 1), k = random(rng, batch * m * d, 1), v = random(rng, batch * m * c, 1);
        float[] w = random(rng, batch * n * c, 1);
        float[][] analytic = cpuGradients(batch, n, m, d, c, scale, q, k, v, w);
        double[] qd = toDouble(q), kd = toDouble(k), vd = toDouble(v), wd = toDouble(w);
        double[][] numeric = {
            AttentionReference.finiteDifference(batch, n, m, d, c, scale, qd, kd, vd, wd, qd, 1e-5),
            AttentionReference.finiteDifference(batch, n, m, d, c, scale, qd, kd, vd, wd, kd, 1e-5),
            AttentionReference.finiteDifference(batch, n, m, d, c, scale, qd, kd, vd, wd, vd, 1e-5),
        };
        String[] names = {"grad_q", "grad_k", "grad_v"};
        for (int i = 0; i < 3; i++) {
            double err = Reference.relativeL2(analytic[i], numeric[i]);
            assertTrue(err < 1e-6, names[i] + ": relative L2 error " + err + " against finite differences");
        }
    }

    @Test
    void aWrongGradientWouldBeCaught() {
        // The check above can fail: dropping the rowsum term D from dS moves grad_q far beyond its bound.
        int batch = 1, n = 3, m = 4, d = 2, c = 3;
        float[] q = random(rng, n * d, 1), k = random(rng, m * d, 1), v = random(rng, m * c, 1), w = random(rng, n * c, 1);
        double[] qd = toDouble(q), kd = toDouble(k), vd = toDouble(v), wd = toDouble(w);
        double[] numeric = AttentionReference.finiteDifference(batch, n, m, d, c, 1, qd, kd, vd, wd, qd, 1e-5);
        float[] zeroO = new float[n * c];
        float[] wrong = cpuGradients(batch, n, m, d, c, 1f, q, k, v, w, zeroO)[0];
        assertTrue(Reference.relativeL2(wrong, numeric) > 1e-2);
    }

    private static float[][] cpuGradients(int batch, int n, int m, int d, int c, float scale, float[] q, float[] k,
                                          float[] v, float[] w) {
        return cpuGradients(batch, n, m, d, c, scale, q, k, v, w, null);
    }

    /** The CPU backend's forward then backward; {@code oOverride} replaces the forward's o given to the backward. */
    private static float[][] cpuGradients(int batch, int n, int m, int d, int c, float scale, float[] q, float[] k,
                                          float[] v, float[] w, float[] oOverride) {
        try (Tensor tq = CPU.fromHost(q, batch, n, d); Tensor tk = CPU.fromHost(k, batch, m, d);
             Tensor tv = CPU.fromHost(v, batch, m, c); Tensor tw = CPU.fromHost(w, batch, n, c);
             Tensor o = CPU.zeros(batch, n, c); Tensor lse = CPU.zeros(batch, n);
             Tensor gq = CPU.zeros(batch, n, d); Tensor gk = CPU.zeros(batch, m, d); Tensor gv = CPU.zeros(batch, m, c)) {
            CPU.attention().forward(tq, tk, tv, scale, o, lse);
            if (oOverride != null) {
                CPU.upload(oOverride, o);
            }
            CPU.attention().backward(tq, tk, tv, o, lse, tw, scale, gq, gk, gv);
            return new float[][] {CPU.toHostFloats(gq), CPU.toHostFloats(gk), CPU.toHostFloats(gv)};
        }
    }

    @Test
    void realShapeRowsAreIndependentOfThreading() {
        // SAGAN 32x32 discriminator attention (d 8, c 32) at batch 2: the multi-threaded forward equals
        // the plain double loop and repeats bit for bit.
        int batch = 2, n = 256, m = 64, d = 8, c = 32;
        float[] q = random(rng, batch * n * d, 1), k = random(rng, batch * m * d, 1), v = random(rng, batch * m * c, 1);
        AttentionReference.Forward ref = AttentionReference.forward(batch, n, m, d, c, 1, q, k, v);
        try (Tensor tq = CPU.fromHost(q, batch, n, d); Tensor tk = CPU.fromHost(k, batch, m, d);
             Tensor tv = CPU.fromHost(v, batch, m, c); Tensor o = CPU.zeros(batch, n, c); Tensor lse = CPU.zeros(batch, n)) {
            CPU.attention().forward(tq, tk, tv, 1f, o, lse);
            float[] first = CPU.toHostFloats(o);
            assertClose("o", first, ref.o(), 1e-6);
            CPU.attention().forward(tq, tk, tv, 1f, o, lse);
            assertArrayEquals(first, CPU.toHostFloats(o));
        }
    }
}
