package sagan4j.backend;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sagan4j.testing.Reference.assertClose;
import static sagan4j.testing.Reference.nans;
import static sagan4j.testing.Reference.random;

import sagan4j.testing.ContractSuite;

/**
 * The contract every backend satisfies, checked against hand-computed values and double-precision
 * loops. It runs on the host backends in {@code mvn test} ({@link ContractSuite}); the CUDA native suite
 * extends it with its own cases.
 */
public class BackendContractTest extends ContractSuite {

    /** Relative L2 tolerance for float32 results that involve rounding (GEMM, tanh). */
    protected double tolerance() {
        return backendCase.tolerance().orElse(1e-5);
    }

    private final SplittableRandom rng = new SplittableRandom(20261127);

    // ------------------------------------------------------------------ memory

    @Test
    void roundTripsFloatAndIntData() {
        Backend be = backend();
        float[] data = {1.5f, -2f, 3.25f, 0.125f, -7f, 1e-20f};
        try (Tensor t = be.fromHost(data, 2, 3)) {
            assertEquals(Shape.of(2, 3), t.shape());
            assertEquals(DType.FLOAT32, t.dtype());
            assertArrayEquals(data, be.toHostFloats(t));
        }
        int[] labels = {3, 0, 9, 1};
        try (Tensor t = be.fromHost(labels, 4)) {
            assertEquals(DType.INT32, t.dtype());
            assertArrayEquals(labels, be.toHostInts(t));
        }
    }

    @Test
    void copyAndReshapeShareNothingButWhatTheySay() {
        Backend be = backend();
        float[] data = random(rng, 12, 1);
        try (Tensor a = be.fromHost(data, 3, 4); Tensor b = be.empty(DType.FLOAT32, 3, 4)) {
            be.copy(a, b);
            assertArrayEquals(data, be.toHostFloats(b));
            Tensor view = a.reshape(2, 6);
            be.fill(view, 2f);
            float[] back = be.toHostFloats(a);
            for (float v : back) {
                assertEquals(2f, v);
            }
            assertArrayEquals(data, be.toHostFloats(b), "copy is independent of its source");
        }
    }

    @Test
    void uploadOverwritesInPlace() {
        Backend be = backend();
        try (Tensor t = be.zeros(5)) {
            float[] data = {1, 2, 3, 4, 5};
            be.upload(data, t);
            assertArrayEquals(data, be.toHostFloats(t));
        }
    }

    @Test
    void uploadsOfIntsAndFloatsKeepTheirValuesWhenTheHostArrayChangesAfterwards() {
        Backend be = backend();
        int n = 40; // more uploads than CUDA's staging ring has slots, so slots are reused
        Tensor[] f = new Tensor[n], l = new Tensor[n];
        try {
            for (int i = 0; i < n; i++) {
                float[] data = {i, -i, 0.5f * i};
                int[] labels = {i, 7 * i};
                f[i] = be.empty(DType.FLOAT32, 3);
                l[i] = be.empty(DType.INT32, 2);
                be.upload(data, f[i]);
                be.upload(labels, l[i]);
                java.util.Arrays.fill(data, Float.NaN); // the caller may reuse its arrays at once
                java.util.Arrays.fill(labels, -1);
            }
            for (int i = 0; i < n; i++) {
                assertArrayEquals(new float[] {i, -i, 0.5f * i}, be.toHostFloats(f[i]), "floats " + i);
                assertArrayEquals(new int[] {i, 7 * i}, be.toHostInts(l[i]), "ints " + i);
            }
            assertThrows(ShapeException.class, () -> be.upload(new int[2], f[0]), "int data into a float tensor");
        } finally {
            for (int i = 0; i < n; i++) {
                if (f[i] != null) {
                    f[i].close();
                    l[i].close();
                }
            }
        }
    }

    // ------------------------------------------------------------------ elementwise, hand-computed

    @Test
    void fillAxpyScaleHandComputed() {
        Backend be = backend();
        try (Tensor x = be.fromHost(new float[] {1, -2, 3}, 3); Tensor y = be.fromHost(new float[] {10, 20, 30}, 3)) {
            be.axpy(0.5f, x, y);
            assertArrayEquals(new float[] {10.5f, 19f, 31.5f}, be.toHostFloats(y));
            be.scale(y, -2f);
            assertArrayEquals(new float[] {-21f, -38f, -63f}, be.toHostFloats(y));
            be.fill(y, 0.25f);
            assertArrayEquals(new float[] {0.25f, 0.25f, 0.25f}, be.toHostFloats(y));
        }
    }

    @Test
    void activationsHandComputed() {
        Backend be = backend();
        float[] xs = {-2f, -0.5f, 0f, 0.5f, 3f};
        try (Tensor x = be.fromHost(xs, 5); Tensor y = be.empty(DType.FLOAT32, 5);
             Tensor dy = be.fromHost(new float[] {1, 2, 3, 4, 5}, 5); Tensor dx = be.empty(DType.FLOAT32, 5)) {
            be.relu(x, y);
            assertArrayEquals(new float[] {0, 0, 0, 0.5f, 3}, be.toHostFloats(y));
            be.reluBackward(x, dy, dx);
            assertArrayEquals(new float[] {0, 0, 0, 4, 5}, be.toHostFloats(dx));
            be.leakyRelu(x, 0.2f, y);
            assertArrayEquals(new float[] {-0.4f, -0.1f, 0f, 0.5f, 3f}, be.toHostFloats(y), 1e-7f);
            be.leakyReluBackward(x, 0.2f, dy, dx);
            assertArrayEquals(new float[] {0.2f, 0.4f, 0.6f, 4f, 5f}, be.toHostFloats(dx), 1e-7f);
            be.tanh(x, y);
            float[] t = be.toHostFloats(y);
            assertEquals(-0.9640275800758169, t[0], 1e-6);
            assertEquals(0.46211715726000974, t[3], 1e-6);
            assertEquals(0f, t[2]);
            be.tanhBackward(y, dy, dx);
            float[] g = be.toHostFloats(dx);
            for (int i = 0; i < 5; i++) {
                assertEquals((i + 1) * (1 - (double) t[i] * t[i]), g[i], 1e-6, "tanh' at " + i);
            }
        }
    }

    // ------------------------------------------------------------------ elementwise, random vs double loops

    @ParameterizedTest
    @CsvSource({"1", "7", "1000", "100003"})
    void elementwiseMatchDoubleLoops(int n) {
        Backend be = backend();
        float[] xs = random(rng, n, 3), ys = random(rng, n, 3), gs = random(rng, n, 1);
        double[] axpy = new double[n], relu = new double[n], leaky = new double[n], tanh = new double[n];
        double[] dRelu = new double[n], dLeaky = new double[n], dTanh = new double[n];
        for (int i = 0; i < n; i++) {
            double x = xs[i];
            axpy[i] = ys[i] + 1.75 * x;
            relu[i] = Math.max(x, 0);
            leaky[i] = x > 0 ? x : 0.2 * x;
            tanh[i] = Math.tanh(x);
            dRelu[i] = x > 0 ? gs[i] : 0;
            dLeaky[i] = x > 0 ? gs[i] : 0.2 * gs[i];
        }
        try (Tensor x = be.fromHost(xs, n); Tensor y = be.fromHost(ys, n); Tensor out = be.fromHost(nans(n), n);
             Tensor dy = be.fromHost(gs, n)) {
            be.axpy(1.75f, x, y);
            assertClose("axpy", be.toHostFloats(y), axpy, tolerance());
            be.relu(x, out);
            assertClose("relu", be.toHostFloats(out), relu, 0);
            be.upload(nans(n), out);
            be.leakyRelu(x, 0.2f, out);
            assertClose("leakyRelu", be.toHostFloats(out), leaky, 1e-7);
            be.upload(nans(n), out);
            be.tanh(x, out);
            float[] t = be.toHostFloats(out);
            assertClose("tanh", t, tanh, tolerance());
            for (int i = 0; i < n; i++) {
                dTanh[i] = gs[i] * (1 - (double) t[i] * t[i]);
            }
            be.upload(nans(n), out);
            be.reluBackward(x, dy, out);
            assertClose("reluBackward", be.toHostFloats(out), dRelu, 0);
            be.upload(nans(n), out);
            be.leakyReluBackward(x, 0.2f, dy, out);
            assertClose("leakyReluBackward", be.toHostFloats(out), dLeaky, 1e-7);
            Tensor tanhOut = be.fromHost(t, n);
            be.upload(nans(n), out);
            be.tanhBackward(tanhOut, dy, out);
            assertClose("tanhBackward", be.toHostFloats(out), dTanh, tolerance());
            tanhOut.close();
        }
    }

    @Test
    void activationsMayWriteInPlace() {
        Backend be = backend();
        try (Tensor x = be.fromHost(new float[] {-1, 2}, 2)) {
            be.leakyRelu(x, 0.5f, x);
            assertArrayEquals(new float[] {-0.5f, 2f}, be.toHostFloats(x));
        }
    }

    // ------------------------------------------------------------------ GEMM

    @Test
    void gemmHandComputed() {
        Backend be = backend();
        // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [58 64; 139 154]
        try (Tensor a = be.fromHost(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
             Tensor b = be.fromHost(new float[] {7, 8, 9, 10, 11, 12}, 3, 2);
             Tensor c = be.fromHost(new float[] {1, 1, 1, 1}, 2, 2)) {
            be.gemm(false, false, 1f, a, b, 0f, c);
            assertArrayEquals(new float[] {58, 64, 139, 154}, be.toHostFloats(c));
            be.gemm(false, false, 2f, a, b, -1f, c);
            assertArrayEquals(new float[] {58, 64, 139, 154}, be.toHostFloats(c));
            // Aᵀ·A is 3×3: [17 22 27; 22 29 36; 27 36 45]
            try (Tensor ata = be.empty(DType.FLOAT32, 3, 3)) {
                be.gemm(true, false, 1f, a, a, 0f, ata);
                assertArrayEquals(new float[] {17, 22, 27, 22, 29, 36, 27, 36, 45}, be.toHostFloats(ata));
            }
        }
    }

    @ParameterizedTest(name = "batch={0} m={1} n={2} k={3} tA={4} tB={5}")
    @CsvSource({
        "1, 1, 1, 1, false, false",
        "1, 7, 13, 5, false, false",
        "1, 7, 13, 5, true, false",
        "1, 7, 13, 5, false, true",
        "1, 7, 13, 5, true, true",
        "1, 65, 33, 129, false, true",
        "3, 17, 31, 19, true, false",
        "4, 64, 64, 64, false, false",
        "2, 1, 97, 3, true, true",
    })
    void gemmMatchesDoubleLoop(int batch, int m, int n, int k, boolean tA, boolean tB) {
        Backend be = backend();
        float[] a = random(rng, batch * m * k, 1), b = random(rng, batch * k * n, 1), c0 = random(rng, batch * m * n, 1);
        int[] aDims = tA ? new int[] {batch, k, m} : new int[] {batch, m, k};
        int[] bDims = tB ? new int[] {batch, n, k} : new int[] {batch, k, n};
        try (Tensor ta = be.fromHost(a, aDims); Tensor tb = be.fromHost(b, bDims);
             Tensor tc = be.fromHost(c0, batch, m, n); Tensor poisoned = be.fromHost(nans(batch * m * n), batch, m, n)) {
            double[] want = new double[batch * m * n], wantBeta0 = new double[batch * m * n];
            for (int i = 0; i < batch; i++) {
                double[] w = sagan4j.testing.Reference.gemm(tA, tB, m, n, k, 0.75, a, i * m * k, b, i * k * n, -0.5, c0, i * m * n);
                double[] w0 = sagan4j.testing.Reference.gemm(tA, tB, m, n, k, 1.0, a, i * m * k, b, i * k * n, 0, c0, i * m * n);
                System.arraycopy(w, 0, want, i * m * n, m * n);
                System.arraycopy(w0, 0, wantBeta0, i * m * n, m * n);
            }
            be.gemm(tA, tB, 0.75f, ta, tb, -0.5f, tc);
            assertClose("gemm beta=-0.5", be.toHostFloats(tc), want, tolerance());
            be.gemm(tA, tB, 1f, ta, tb, 0f, poisoned);
            assertClose("gemm beta=0 over NaN", be.toHostFloats(poisoned), wantBeta0, tolerance());
        }
    }

    @Test
    void gemmBroadcastsARank2Operand() {
        Backend be = backend();
        int batch = 3, m = 5, n = 6, k = 4;
        float[] w = random(rng, m * k, 1), x = random(rng, batch * k * n, 1);
        try (Tensor tw = be.fromHost(w, m, k); Tensor tx = be.fromHost(x, batch, k, n);
             Tensor out = be.fromHost(nans(batch * m * n), batch, m, n)) {
            be.gemm(false, false, 1f, tw, tx, 0f, out);
            double[] want = new double[batch * m * n];
            for (int i = 0; i < batch; i++) {
                System.arraycopy(sagan4j.testing.Reference.gemm(false, false, m, n, k, 1, w, 0, x, i * k * n, 0, null, 0),
                        0, want, i * m * n, m * n);
            }
            assertClose("shared A", be.toHostFloats(out), want, tolerance());
        }
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void badShapesAreRejectedWithOneClearLine() {
        Backend be = backend();
        try (Tensor a = be.zeros(2, 3); Tensor b = be.zeros(4, 5); Tensor c = be.zeros(2, 5);
             Tensor labels = be.fromHost(new int[] {1, 2}, 2); Tensor v3 = be.zeros(3)) {
            ShapeException e = assertThrows(ShapeException.class, () -> be.gemm(false, false, 1, a, b, 0, c));
            assertEquals("gemm: inner dimensions differ: op(A) is 2x3 (A [2, 3]), op(B) is 4x5 (B [4, 5])", e.getMessage());
            e = assertThrows(ShapeException.class, () -> be.gemm(false, true, 1, a, a, 0, c));
            assertEquals("gemm: C has shape [2, 5], expected [2, 2]", e.getMessage());
            e = assertThrows(ShapeException.class, () -> be.relu(a, c));
            assertEquals("relu: y has shape [2, 5], expected [2, 3] (the shape of x)", e.getMessage());
            e = assertThrows(ShapeException.class, () -> be.axpy(1, v3, labels));
            assertEquals("axpy: y must be float32, got int32", e.getMessage());
            e = assertThrows(ShapeException.class, () -> be.fromHost(new float[5], 2, 3));
            assertEquals("fromHost: shape [2, 3] needs 6 values, got 5", e.getMessage());
            e = assertThrows(ShapeException.class, () -> a.reshape(4, 2));
            assertEquals("reshape: [2, 3] has 6 elements, [4, 2] has 8", e.getMessage());
            e = assertThrows(ShapeException.class, () -> be.zeros(3, 0));
            assertTrue(e.getMessage().contains("every dimension must be >= 1, got 0"), e.getMessage());
            assertTrue(!e.getMessage().contains("\n"));
        }
        Tensor closed = be.zeros(2);
        closed.close();
        ShapeException e = assertThrows(ShapeException.class, () -> be.fill(closed, 1));
        assertEquals("fill: x [2] was already closed", e.getMessage());
    }

    @Test
    void rejectsTensorsOfAnotherBackend() {
        Backend be = backend();
        try (Backend other = new sagan4j.reference.ReferenceBackend(); Tensor foreign = other.zeros(2); Tensor mine = be.zeros(2)) {
            ShapeException e = assertThrows(ShapeException.class, () -> be.copy(foreign, mine));
            assertTrue(e.getMessage().startsWith("copy: src belongs to backend reference, expected one made by this "
                    + be.name() + " backend"), e.getMessage());
        }
    }
}
