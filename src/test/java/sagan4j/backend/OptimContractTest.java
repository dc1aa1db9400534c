package sagan4j.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static sagan4j.testing.Reference.assertClose;
import static sagan4j.testing.Reference.random;

import sagan4j.testing.ContractSuite;

/**
 * The optimiser family's contract on every backend: Adam (with bias correction) and the weight EMA,
 * each against an independent double-precision loop on fresh random state (never zeros), over several
 * steps, sizes that cross the CPU's thread grain and many GPU blocks, and one-line argument errors.
 */
public class OptimContractTest extends ContractSuite {

    /** Relative L2 tolerance: float32 storage of m, v and p against a double loop (a few ulps per element). */
    protected double tolerance() {
        return backendCase.tolerance().orElse(1e-6);
    }

    private final SplittableRandom rng = new SplittableRandom(20261201);

    /** What Adam does to one element, in double, from the float state it is given. */
    private static double[] adamReference(float p, float g, float m, float v, OptimOps.AdamArgs s, long t) {
        double b1 = s.beta1(), b2 = s.beta2();
        double mi = b1 * m + (1 - b1) * g;
        double vi = b2 * v + (1 - b2) * (double) g * g;
        double mHat = mi / (1 - Math.pow(b1, t)), vHat = vi / (1 - Math.pow(b2, t));
        return new double[] {p - s.lr() * mHat / (Math.sqrt(vHat) + s.eps()), mi, vi};
    }

    @ParameterizedTest(name = "n={0} beta1={1} beta2={2} first step={3}")
    @CsvSource({
        "1, 0.0, 0.9, 1",        // the TTUR settings, from fresh moments' step 1
        "1000, 0.5, 0.999, 1",   // PyTorch's default beta2, beta1 > 0 so m carries history
        "70001, 0.0, 0.9, 5",    // more than the CPU's grain and many GPU blocks; mid-run step numbers
        "4099, 0.9, 0.99, 1000", // late steps: the corrections are nearly 1
    })
    void adamMatchesTheDoubleLoopOverSeveralSteps(int n, float beta1, float beta2, long firstStep) {
        Backend be = backend();
        OptimOps.AdamArgs s = new OptimOps.AdamArgs(2e-3f, beta1, beta2, 1e-8f);
        float[] p = random(rng, n, 1), m = random(rng, n, 0.1), v = random(rng, n, 0.01);
        for (int i = 0; i < n; i++) {
            v[i] = Math.abs(v[i]);
        }
        try (Tensor tp = be.fromHost(p, n); Tensor tm = be.fromHost(m, n); Tensor tv = be.fromHost(v, n);
             Tensor tg = be.empty(DType.FLOAT32, n)) {
            for (long t = firstStep; t < firstStep + 3; t++) {
                float[] g = random(rng, n, 0.5);
                be.upload(g, tg);
                float[] p0 = be.toHostFloats(tp), m0 = be.toHostFloats(tm), v0 = be.toHostFloats(tv);
                be.optim().adam(tp, tg, tm, tv, s, t);
                double[] em = new double[n], ev = new double[n];
                float[] p1 = be.toHostFloats(tp);
                for (int i = 0; i < n; i++) {
                    double[] r = adamReference(p0[i], g[i], m0[i], v0[i], s, t);
                    em[i] = r[1];
                    ev[i] = r[2];
                    // p moves by about lr = 2e-3, so storing p in float costs up to half an ulp of p (~3e-5 of the
                    // move): allow two ulps of p for rounding plus 1e-5 of the move for the update's own arithmetic.
                    double allowed = 2 * Math.ulp((float) r[0]) + 1e-5 * Math.abs(r[0] - p0[i]);
                    if (!(Math.abs(p1[i] - r[0]) <= allowed)) {
                        fail("adam step " + t + ": p[" + i + "] is " + p1[i] + ", expected " + r[0] + " (from " + p0[i]
                                + ", within " + allowed + ")");
                    }
                }
                assertClose("adam step " + t + " m", be.toHostFloats(tm), em, tolerance());
                assertClose("adam step " + t + " v", be.toHostFloats(tv), ev, tolerance());
            }
        }
    }

    @Test
    void adamsFirstStepFromZeroMomentsMovesEachWeightByLrAgainstItsGradient() {
        // Hand-computed: with m = v = 0 at t = 1, m̂ = g and v̂ = g², so p moves by −lr·g/(|g| + eps) ≈ −lr·sign(g).
        Backend be = backend();
        float lr = 1e-3f;
        try (Tensor p = be.fromHost(new float[] {1f, -2f, 0.5f, 3f}, 2, 2); Tensor g = be.fromHost(new float[] {0.25f, -4f, 1e-3f, -1f}, 2, 2);
             Tensor m = be.zeros(2, 2); Tensor v = be.zeros(2, 2)) {
            be.optim().adam(p, g, m, v, new OptimOps.AdamArgs(lr, 0f, 0.9f, 1e-8f), 1);
            float[] out = be.toHostFloats(p);
            float[] want = {1f - lr, -2f + lr, 0.5f - lr, 3f + lr};
            for (int i = 0; i < 4; i++) {
                assertEquals(want[i], out[i], 1e-6, "element " + i);
            }
            float[] vs = be.toHostFloats(v);
            assertEquals(0.1 * 16, vs[1], 1e-6, "v = (1 − β2)·g²");
        }
    }

    /** Sizes either side of the multi-tensor apply's 4096-element chunks, and one that spans many of them. */
    private static final int[] GROUP_SIZES = {1, 4095, 4096, 4097, 70001, 3};

    @ParameterizedTest(name = "beta1={0} beta2={1} steps from {2}")
    @CsvSource({"0.0, 0.9, 0", "0.5, 0.999, 0", "0.9, 0.99, 997"})
    void adamOverAGroupMatchesTheDoubleLoopPerTensorOverSeveralSteps(float beta1, float beta2, long stepsBefore) {
        Backend be = backend();
        OptimOps.AdamArgs s = new OptimOps.AdamArgs(2e-3f, beta1, beta2, 1e-8f);
        int k = GROUP_SIZES.length;
        List<Tensor> ps = new ArrayList<>(), gs = new ArrayList<>(), ms = new ArrayList<>(), vs = new ArrayList<>();
        try {
            for (int n : GROUP_SIZES) {
                float[] v = random(rng, n, 0.01);
                for (int i = 0; i < n; i++) {
                    v[i] = Math.abs(v[i]);
                }
                ps.add(be.fromHost(random(rng, n, 1), n));
                gs.add(be.empty(DType.FLOAT32, n));
                ms.add(be.fromHost(random(rng, n, 0.1), n));
                vs.add(be.fromHost(v, n));
            }
            try (OptimOps.AdamGroup group = be.optim().adamGroup(ps, gs, ms, vs)) {
                assertEquals(0, group.step(), "a new group has taken no step");
                if (stepsBefore > 0) {
                    group.setStep(stepsBefore); // a resumed run: the next update is stepsBefore + 1
                }
                for (int step = 1; step <= 3; step++) {
                    long t = stepsBefore + step;
                    float[][] g = new float[k][], p0 = new float[k][], m0 = new float[k][], v0 = new float[k][];
                    for (int j = 0; j < k; j++) {
                        g[j] = random(rng, GROUP_SIZES[j], 0.5);
                        be.upload(g[j], gs.get(j));
                        p0[j] = be.toHostFloats(ps.get(j));
                        m0[j] = be.toHostFloats(ms.get(j));
                        v0[j] = be.toHostFloats(vs.get(j));
                    }
                    be.optim().adam(group, s);
                    assertEquals(t, group.step(), "the group counts its updates");
                    for (int j = 0; j < k; j++) {
                        int n = GROUP_SIZES[j];
                        float[] p1 = be.toHostFloats(ps.get(j));
                        double[] em = new double[n], ev = new double[n];
                        for (int i = 0; i < n; i++) {
                            double[] r = adamReference(p0[j][i], g[j][i], m0[j][i], v0[j][i], s, t);
                            em[i] = r[1];
                            ev[i] = r[2];
                            double allowed = 2 * Math.ulp((float) r[0]) + 1e-5 * Math.abs(r[0] - p0[j][i]);
                            if (!(Math.abs(p1[i] - r[0]) <= allowed)) {
                                fail("adam group step " + t + ": tensor " + j + " p[" + i + "] is " + p1[i] + ", expected "
                                        + r[0] + " (from " + p0[j][i] + ", within " + allowed + ")");
                            }
                        }
                        assertClose("adam group step " + t + " tensor " + j + " m", be.toHostFloats(ms.get(j)), em, tolerance());
                        assertClose("adam group step " + t + " tensor " + j + " v", be.toHostFloats(vs.get(j)), ev, tolerance());
                    }
                }
            }
        } finally {
            for (List<Tensor> l : List.of(ps, gs, ms, vs)) {
                l.forEach(Tensor::close);
            }
        }
    }

    @ParameterizedTest(name = "decay={0} copy all={1}")
    @CsvSource({"0.999, false", "0.5, false", "0.5, true"})
    void emaOverAGroupAveragesWeightsAndCopiesBuffers(float decay, boolean copyAll) {
        Backend be = backend();
        int k = GROUP_SIZES.length;
        boolean[] copied = new boolean[k];
        List<Tensor> xs = new ArrayList<>(), es = new ArrayList<>();
        float[][] x = new float[k][], e = new float[k][];
        try {
            for (int j = 0; j < k; j++) {
                int n = GROUP_SIZES[j];
                copied[j] = j % 3 == 1; // some entries are buffers
                x[j] = random(rng, n, 1);
                e[j] = random(rng, n, 1);
                xs.add(be.fromHost(x[j], n));
                es.add(be.fromHost(e[j], n));
            }
            try (OptimOps.EmaGroup group = be.optim().emaGroup(xs, es, copied)) {
                be.optim().ema(group, decay, copyAll);
            }
            for (int j = 0; j < k; j++) {
                int n = GROUP_SIZES[j];
                double[] want = new double[n];
                for (int i = 0; i < n; i++) {
                    want[i] = copyAll || copied[j] ? x[j][i] : (double) decay * e[j][i] + (1 - (double) decay) * x[j][i];
                }
                float[] got = be.toHostFloats(es.get(j));
                if (copyAll || copied[j]) {
                    for (int i = 0; i < n; i++) {
                        assertEquals(x[j][i], got[i], "ema group tensor " + j + " is copied exactly, element " + i);
                    }
                } else {
                    assertClose("ema group tensor " + j, got, want, tolerance());
                }
            }
        } finally {
            xs.forEach(Tensor::close);
            es.forEach(Tensor::close);
        }
    }

    @Test
    void zeroOverAGroupClearsEveryTensorAndNothingElse() {
        Backend be = backend();
        List<Tensor> ts = new ArrayList<>();
        float[] bystander = random(rng, 5000, 1);
        try (Tensor other = be.fromHost(bystander, 5000)) {
            for (int n : GROUP_SIZES) {
                ts.add(be.fromHost(random(rng, n, 1), n));
            }
            try (OptimOps.ZeroGroup group = be.optim().zeroGroup(ts)) {
                be.optim().zero(group);
            }
            for (int j = 0; j < ts.size(); j++) {
                float[] got = be.toHostFloats(ts.get(j));
                for (int i = 0; i < got.length; i++) {
                    assertEquals(0f, got[i], "zero group tensor " + j + " element " + i);
                }
            }
            assertClose("a tensor outside the group", be.toHostFloats(other), bystander, 0);
        } finally {
            ts.forEach(Tensor::close);
        }
    }

    @Test
    void badGroupArgumentsFailWithOneLine() {
        Backend be = backend();
        OptimOps.AdamArgs ok = new OptimOps.AdamArgs(1e-4f, 0f, 0.9f, 1e-8f);
        try (Tensor p = be.fromHost(new float[] {1, 2, 3}, 3); Tensor g = be.fromHost(new float[] {1, 1}, 2);
             Tensor m = be.zeros(3); Tensor v = be.zeros(3)) {
            assertEquals("adam.group: expected the same number (>= 1) of params, grads, m and v, got 1, 1, 0, 1",
                    assertThrows(ShapeException.class, () -> be.optim().adamGroup(List.of(p), List.of(m), List.of(), List.of(v)))
                            .getMessage());
            assertEquals("adam.group: grads[0] has shape [2] (2 elements), expected 3 elements (the size of params[0] [3])",
                    assertThrows(ShapeException.class, () -> be.optim().adamGroup(List.of(p), List.of(g), List.of(m), List.of(v)))
                            .getMessage());
            OptimOps.AdamGroup group = be.optim().adamGroup(List.of(p), List.of(m), List.of(m), List.of(v));
            assertEquals("adam: step count must be >= 0, got -1",
                    assertThrows(ShapeException.class, () -> group.setStep(-1)).getMessage());
            group.close();
            assertEquals("adam: the group was already closed",
                    assertThrows(ShapeException.class, () -> be.optim().adam(group, ok)).getMessage());
            assertEquals("ema.group: expected the same number (>= 1) of sources, averages and copy flags, got 1, 1, 2",
                    assertThrows(ShapeException.class, () -> be.optim().emaGroup(List.of(p), List.of(m), new boolean[2])).getMessage());
            try (OptimOps.EmaGroup eg = be.optim().emaGroup(List.of(p), List.of(m), new boolean[1])) {
                assertEquals("ema: decay must be in [0, 1], got -0.5",
                        assertThrows(ShapeException.class, () -> be.optim().ema(eg, -0.5f, false)).getMessage());
            }
            assertEquals("zero.group: needs at least one tensor, got none",
                    assertThrows(ShapeException.class, () -> be.optim().zeroGroup(List.of())).getMessage());
            assertTrue(be.toHostFloats(p)[0] == 1f && be.toHostFloats(m)[0] == 0f, "nothing was written");
        }
    }

    @ParameterizedTest(name = "n={0} decay={1}")
    @CsvSource({"3, 0.9999", "70001, 0.5", "17, 0.0", "17, 1.0"})
    void emaMatchesTheDoubleLoop(int n, float decay) {
        Backend be = backend();
        float[] x = random(rng, n, 1), e = random(rng, n, 1);
        try (Tensor tx = be.fromHost(x, n); Tensor te = be.fromHost(e, n)) {
            be.optim().ema(tx, te, decay);
            double[] want = new double[n];
            for (int i = 0; i < n; i++) {
                want[i] = (double) decay * e[i] + (1 - (double) decay) * x[i];
            }
            assertClose("ema", be.toHostFloats(te), want, tolerance());
        }
    }

    @Test
    void badArgumentsFailWithOneLineBeforeAnythingRuns() {
        Backend be = backend();
        OptimOps.AdamArgs ok = new OptimOps.AdamArgs(1e-4f, 0f, 0.9f, 1e-8f);
        try (Tensor p = be.fromHost(new float[] {1, 2, 3}, 3); Tensor g = be.fromHost(new float[] {1, 1}, 2);
             Tensor m = be.zeros(3); Tensor v = be.zeros(3); Tensor g3 = be.fromHost(new float[] {1, 1, 1}, 3)) {
            assertEquals("adam: grad has shape [2] (2 elements), expected 3 elements (the size of param [3])",
                    assertThrows(ShapeException.class, () -> be.optim().adam(p, g, m, v, ok, 1)).getMessage());
            assertEquals("adam: step must be >= 1 (the first update is step 1), got 0",
                    assertThrows(ShapeException.class, () -> be.optim().adam(p, g3, m, v, ok, 0)).getMessage());
            assertEquals("adam: beta2 must be in [0, 1), got 1.0",
                    assertThrows(ShapeException.class, () -> be.optim().adam(p, g3, m, v, new OptimOps.AdamArgs(1e-4f, 0f, 1f, 1e-8f), 1))
                            .getMessage());
            assertEquals("ema: decay must be in [0, 1], got 1.5",
                    assertThrows(ShapeException.class, () -> be.optim().ema(p, m, 1.5f)).getMessage());
            assertTrue(be.toHostFloats(p)[0] == 1f && be.toHostFloats(m)[0] == 0f, "nothing was written");
        }
    }
}
