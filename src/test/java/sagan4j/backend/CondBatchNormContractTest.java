package sagan4j.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static sagan4j.testing.Reference.assertClose;
import static sagan4j.testing.Reference.nans;
import static sagan4j.testing.Reference.random;
import static sagan4j.testing.Reference.toDouble;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import sagan4j.testing.ContractSuite;
import sagan4j.testing.CbnMath;

/**
 * The conditional batch norm contract, on any backend and kernel version: forward against an independent
 * double-precision formula, backward against central finite differences of it (in double), eval mode,
 * running statistics, and one-line argument errors. Shapes include a batch of 1, primes, one class present
 * and every class present, in both modes (K = 0: per-sample rows).
 */
public class CondBatchNormContractTest extends ContractSuite {
    /** Kernel version under test (one of condBatchNorm().impls()): the case's, else the first. */
    protected String impl() {
        return backendCase.impl().orElseGet(() -> backend().condBatchNorm().impls().get(0));
    }

    private final SplittableRandom rng = new SplittableRandom(31);

    private CondBatchNormOps cbn() {
        CondBatchNormOps ops = backend().condBatchNorm();
        ops.setImpl(impl());
        return ops;
    }

    /** Labels drawing from the first {@code used} of k classes; with used == k every class appears when b >= k. */
    private int[] labels(int b, int k, int used) {
        int[] l = new int[b];
        for (int i = 0; i < b; i++) {
            l[i] = i < used ? i % used : rng.nextInt(used);
        }
        return l;
    }

    private static Tensor floats(Backend be, float[] data, int... dims) {
        return be.fromHost(data, dims);
    }

    @Test
    void handComputedTinyCase() {
        // x (B 2, C 1, 1, 2) = [1 2 | 3 4]: mean 2.5, biased var 1.25; labels [1, 0]; γ = [2; 3], β = [0.5; -1]
        Backend be = backend();
        float eps = 1e-5f;
        try (Tensor x = floats(be, new float[] {1, 2, 3, 4}, 2, 1, 1, 2); Tensor l = be.fromHost(new int[] {1, 0}, 2);
             Tensor g = floats(be, new float[] {2, 3}, 2, 1); Tensor bt = floats(be, new float[] {0.5f, -1}, 2, 1);
             Tensor y = floats(be, nans(4), 2, 1, 1, 2); Tensor m = floats(be, nans(1), 1); Tensor v = floats(be, nans(1), 1);
             Tensor rm = floats(be, new float[] {1}, 1); Tensor rv = floats(be, new float[] {2}, 1)) {
            cbn().forwardTraining(x, l, g, bt, eps, 0.1f, rm, rv, y, m, v);
            double r = 1 / Math.sqrt(1.25 + eps);
            double[] want = {3 * -1.5 * r - 1, 3 * -0.5 * r - 1, 2 * 0.5 * r + 0.5, 2 * 1.5 * r + 0.5};
            assertClose("y", be.toHostFloats(y), want, 1e-6);
            assertEquals(2.5f, be.toHostFloats(m)[0], 1e-6);
            assertEquals(1.25f, be.toHostFloats(v)[0], 1e-6);
            assertEquals(0.9f * 1 + 0.1f * 2.5f, be.toHostFloats(rm)[0], 1e-6, "running mean");
            assertEquals(0.9f * 2 + 0.1f * (5.0f / 3), be.toHostFloats(rv)[0], 1e-6, "running var takes the unbiased 5/3");
        }
    }

    @ParameterizedTest(name = "B={0} C={1} H={2} W={3} K={4} classes used={5}")
    @CsvSource({
        "1, 3, 2, 3, 4, 1",     // a batch of 1
        "5, 7, 3, 1, 3, 3",     // primes, every class present
        "4, 2, 4, 4, 5, 1",     // one class present (others absent: zero gradients)
        "6, 3, 2, 2, 6, 6",     // all classes present, float4 planes
        "3, 5, 1, 7, 0, 0",     // per-sample rows (mode b)
        "2, 4, 5, 5, 0, 0",     // mode b, odd plane
    })
    void forwardAndBackwardAgainstDoubleReference(int b, int c, int h, int w, int k, int used) {
        Backend be = backend();
        int hw = h * w, n = b * c * hw, rows = k > 0 ? k : b;
        float eps = 1e-5f;
        float[] x = random(rng, n, 2), dy = random(rng, n, 1);
        for (int i = 0; i < n; i++) {
            x[i] += 0.75f; // a nonzero mean
        }
        float[] gamma = random(rng, rows * c, 1), beta = random(rng, rows * c, 1);
        for (int i = 0; i < gamma.length; i++) {
            gamma[i] += 1f;
        }
        int[] lab = k > 0 ? labels(b, k, used) : null;
        double[] mean = new double[c], var = new double[c];
        double[] want = CbnMath.forward(b, c, hw, toDouble(x), lab, toDouble(gamma), toDouble(beta), eps, mean, var);
        try (Tensor tx = floats(be, x, b, c, h, w); Tensor tl = lab == null ? null : be.fromHost(lab, b);
             Tensor tg = floats(be, gamma, rows, c); Tensor tb = floats(be, beta, rows, c);
             Tensor y = floats(be, nans(n), b, c, h, w); Tensor m = floats(be, nans(c), c); Tensor v = floats(be, nans(c), c);
             Tensor tdy = floats(be, dy, b, c, h, w); Tensor dx = floats(be, nans(n), b, c, h, w);
             Tensor dg = floats(be, nans(rows * c), rows, c); Tensor db = floats(be, nans(rows * c), rows, c)) {
            cbn().forwardTraining(tx, tl, tg, tb, eps, 0.1f, null, null, y, m, v);
            assertClose("y", be.toHostFloats(y), want, 1e-5);
            assertClose("mean", be.toHostFloats(m), mean, 1e-5);
            assertClose("var", be.toHostFloats(v), var, 1e-5);

            cbn().backward(tx, tl, tg, m, v, eps, tdy, dx, dg, db);
            double[][] fd = CbnMath.finiteDifferences(b, c, hw, toDouble(x), lab, toDouble(gamma), toDouble(beta), eps,
                    toDouble(dy), 1e-5);
            assertClose("grad_x", be.toHostFloats(dx), fd[0], 1e-4);
            assertClose("grad_gamma", be.toHostFloats(dg), fd[1], 1e-4);
            assertClose("grad_beta", be.toHostFloats(db), fd[2], 1e-4);
        }
    }

    @Test
    void evalUsesTheRunningStatistics() {
        Backend be = backend();
        int b = 3, c = 4, h = 3, w = 3, k = 5, n = b * c * h * w;
        float[] x = random(rng, n, 3), gamma = random(rng, k * c, 1), beta = random(rng, k * c, 1);
        float[] rm = random(rng, c, 1), rv = {0.5f, 1.5f, 2f, 0.25f};
        int[] lab = {4, 0, 4};
        double[] want = CbnMath.eval(b, c, h * w, toDouble(x), lab, toDouble(gamma), toDouble(beta), toDouble(rm),
                toDouble(rv), 1e-3);
        try (Tensor tx = floats(be, x, b, c, h, w); Tensor tl = be.fromHost(lab, b); Tensor tg = floats(be, gamma, k, c);
             Tensor tb = floats(be, beta, k, c); Tensor trm = floats(be, rm, c); Tensor trv = floats(be, rv, c);
             Tensor y = floats(be, nans(n), b, c, h, w)) {
            cbn().forwardEval(tx, tl, tg, tb, trm, trv, 1e-3f, y);
            assertClose("y", be.toHostFloats(y), want, 1e-6);
            assertArrayEquals(rm, be.toHostFloats(trm), "eval leaves the running mean alone");
        }
    }

    @Test
    void runningStatisticsFollowPyTorch() {
        Backend be = backend();
        int b = 4, c = 3, h = 2, w = 5, n = b * c * h * w;
        float[] x = random(rng, n, 2);
        double[] mean = new double[c], var = new double[c];
        CbnMath.forward(b, c, h * w, toDouble(x), null, new double[b * c], new double[b * c], 1e-5, mean, var);
        float[] rm0 = {0.5f, -1f, 2f}, rv0 = {1f, 3f, 0.5f};
        double[] wantM = new double[c], wantV = new double[c];
        double cnt = b * h * w;
        for (int i = 0; i < c; i++) {
            wantM[i] = 0.7 * rm0[i] + 0.3 * mean[i];
            wantV[i] = 0.7 * rv0[i] + 0.3 * var[i] * cnt / (cnt - 1);
        }
        float[] ones = new float[b * c];
        java.util.Arrays.fill(ones, 1f);
        try (Tensor tx = floats(be, x, b, c, h, w); Tensor g = floats(be, ones, b, c); Tensor bt = be.zeros(b, c);
             Tensor rm = floats(be, rm0, c); Tensor rv = floats(be, rv0, c); Tensor y = be.zeros(b, c, h, w);
             Tensor m = be.zeros(c); Tensor v = be.zeros(c)) {
            cbn().forwardTraining(tx, null, g, bt, 1e-5f, 0.3f, rm, rv, y, m, v);
            assertClose("running_mean", be.toHostFloats(rm), wantM, 1e-6);
            assertClose("running_var", be.toHostFloats(rv), wantV, 1e-6);
        }
    }

    @Test
    void badArgumentsAreOneLine() {
        Backend be = backend();
        try (Tensor x = be.zeros(2, 3, 2, 2); Tensor x3 = be.zeros(2, 3, 4); Tensor l = be.fromHost(new int[] {0, 1}, 2);
             Tensor l3 = be.fromHost(new int[] {0, 1, 1}, 3); Tensor g = be.zeros(4, 3); Tensor g2 = be.zeros(4, 2);
             Tensor y = be.zeros(2, 3, 2, 2); Tensor m = be.zeros(3); Tensor m2 = be.zeros(2); Tensor one = be.zeros(1, 3, 1, 1);
             Tensor rows1 = be.zeros(1, 3); Tensor y1 = be.zeros(1, 3, 1, 1)) {
            CondBatchNormOps ops = be.condBatchNorm();
            assertEquals("condBatchNorm.forwardTraining: x must be rank 4 (B, C, H, W), got shape [2, 3, 4]",
                    assertThrows(ShapeException.class, () -> ops.forwardTraining(x3, l, g, g, 1e-5f, 0.1f, null, null, y, m, m))
                            .getMessage());
            assertEquals("condBatchNorm.forwardTraining: labels must have shape [2] (B of x [2, 3, 2, 2]), got [3]",
                    assertThrows(ShapeException.class, () -> ops.forwardTraining(x, l3, g, g, 1e-5f, 0.1f, null, null, y, m, m))
                            .getMessage());
            assertEquals("condBatchNorm.forwardTraining: gamma must have shape [K, 3] (class tables; C of x [2, 3, 2, 2]), got [4, 2]",
                    assertThrows(ShapeException.class, () -> ops.forwardTraining(x, l, g2, g2, 1e-5f, 0.1f, null, null, y, m, m))
                            .getMessage());
            assertEquals("condBatchNorm.forwardTraining: gamma must have shape [2, 3] (per-sample rows, no labels; B, C of x [2, 3, 2, 2]), got [4, 3]",
                    assertThrows(ShapeException.class, () -> ops.forwardTraining(x, null, g, g, 1e-5f, 0.1f, null, null, y, m, m))
                            .getMessage());
            assertEquals("condBatchNorm.forwardTraining: mean must have shape [3] (C), got [2]",
                    assertThrows(ShapeException.class, () -> ops.forwardTraining(x, l, g, g, 1e-5f, 0.1f, null, null, y, m2, m))
                            .getMessage());
            assertEquals("condBatchNorm.forwardTraining: eps must be a finite number > 0, got 0.0",
                    assertThrows(ShapeException.class, () -> ops.forwardTraining(x, l, g, g, 0f, 0.1f, null, null, y, m, m))
                            .getMessage());
            assertEquals("condBatchNorm.forwardTraining: runningMean and runningVar must both be given or both be null",
                    assertThrows(ShapeException.class, () -> ops.forwardTraining(x, l, g, g, 1e-5f, 0.1f, m, null, y, m, m))
                            .getMessage());
            assertEquals("condBatchNorm.forwardTraining: expected more than 1 value per channel in training (B*H*W > 1), got B=1, H=1, W=1",
                    assertThrows(ShapeException.class, () -> ops.forwardTraining(one, null, rows1, rows1, 1e-5f, 0.1f, null, null, y1, m, m))
                            .getMessage());
            assertEquals("condBatchNorm.backward: gradX has shape [1, 3, 1, 1], expected [2, 3, 2, 2] (the shape of x)",
                    assertThrows(ShapeException.class, () -> ops.backward(x, l, g, m, m, 1e-5f, y, y1, g, g)).getMessage());
            assertEquals("condBatchNorm.forwardTraining: labels must be int32, got float32",
                    assertThrows(ShapeException.class, () -> ops.forwardTraining(x, m2, g, g, 1e-5f, 0.1f, null, null, y, m, m))
                            .getMessage());
        }
    }
}
