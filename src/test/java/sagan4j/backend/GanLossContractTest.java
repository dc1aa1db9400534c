package sagan4j.backend;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static sagan4j.testing.Reference.assertClose;
import static sagan4j.testing.Reference.random;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import sagan4j.testing.ContractSuite;

/**
 * The GAN-loss family's contract on every backend: the loss terms, dL/dlogit and the accumulated summary
 * against an independent double-precision loop, on fresh random logits around the hinge's kinks (±1) with the
 * gradient poisoned (NaN) before each call and the summary starting from non-zero values when it is added to,
 * from NaN when it is written;
 * sizes below, at and across one GPU block (256 rows).
 */
public class GanLossContractTest extends ContractSuite {

    private final SplittableRandom rng = new SplittableRandom(20261210);

    private static double softplus(double x) {
        return Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0);
    }

    /** {loss term, dL/dlogit before the 1/batch scale} of one row. */
    private static double[] term(GanLossOps.Loss loss, boolean generator, boolean real, double x) {
        boolean hinge = loss == GanLossOps.Loss.HINGE;
        if (generator) {
            return hinge ? new double[] {-x, -1} : new double[] {softplus(-x), -1 / (1 + Math.exp(x))};
        }
        if (real) {
            return hinge ? new double[] {Math.max(0, 1 - x), x < 1 ? -1 : 0} : new double[] {softplus(-x), -1 / (1 + Math.exp(x))};
        }
        return hinge ? new double[] {Math.max(0, 1 + x), x > -1 ? 1 : 0} : new double[] {softplus(x), 1 / (1 + Math.exp(-x))};
    }

    @ParameterizedTest(name = "{0} generator={1} rows={2} real={3} batch={4} accumulate={5}")
    @CsvSource({
        "HINGE, false, 7, 3, 10, true",
        "NON_SATURATING, false, 7, 3, 10, false",
        "HINGE, false, 600, 300, 600, false",       // more rows than one block's threads
        "NON_SATURATING, false, 512, 256, 1024, true",
        "HINGE, true, 513, 0, 513, true",
        "NON_SATURATING, true, 256, 0, 512, false", // a micro-batch of half the batch
        "NON_SATURATING, false, 40, 40, 80, true",  // only real rows
    })
    void matchesTheDoubleLoop(GanLossOps.Loss loss, boolean generator, int rows, int realRows, int batch, boolean accumulate) {
        Backend be = backend();
        float[] d = random(rng, rows, 2.5);
        d[0] = 1f; // the kinks themselves
        d[rows - 1] = -1f;
        float[] sums0 = random(rng, GanLossOps.SUMS, 1);
        if (!accumulate) {
            Arrays.fill(sums0, Float.NaN);
        }
        float[] poison = new float[rows];
        Arrays.fill(poison, Float.NaN);
        try (Tensor logits = be.fromHost(d, rows, 1); Tensor grad = be.fromHost(poison, rows, 1);
             Tensor sums = be.fromHost(sums0, GanLossOps.SUMS)) {
            if (generator) {
                be.ganLoss().generator(loss, logits, batch, grad, sums, accumulate);
            } else {
                be.ganLoss().discriminator(loss, logits, realRows, batch, grad, sums, accumulate);
            }
            float[] g = be.toHostFloats(grad), s = be.toHostFloats(sums);
            double[] want = new double[GanLossOps.SUMS];
            for (int i = 0; i < rows; i++) {
                boolean real = i < realRows;
                double[] t = term(loss, generator, real, d[i]);
                want[real ? GanLossOps.LOSS_REAL : GanLossOps.LOSS_FAKE] += t[0] / batch;
                want[real ? GanLossOps.LOGITS_REAL : GanLossOps.LOGITS_FAKE] += (double) d[i] / batch;
                double wantGrad = t[1] / batch;
                // the gradient is one double expression rounded once: allow one ulp of it for exp's last bits
                if (!(Math.abs(g[i] - wantGrad) <= Math.ulp((float) wantGrad))) {
                    fail("grad[" + i + "] is " + g[i] + ", expected " + wantGrad + " (logit " + d[i] + ")");
                }
            }
            for (int k = 0; k < GanLossOps.SUMS && accumulate; k++) {
                want[k] += sums0[k];
            }
            assertClose("sums", s, want, 1e-6);
        }
    }

    @ParameterizedTest(name = "classifier rows={0} scored={1} classes={2} weight={3} batch={4} accumulate={5}")
    @CsvSource({
        "7, 3, 10, 1.0, 10, false",
        "64, 32, 10, 0.5, 32, true",    // D's [real; fake] micro-batch: only the real half scored
        "600, 600, 3, 2.0, 600, false", // more rows than one block's threads
        "300, 0, 10, 1.0, 300, true",   // nothing scored: zero gradient, the sum unchanged
        "1, 1, 1, 1.0, 4, false",       // one class: CE = 0, gradient 0
    })
    void classifierMatchesTheDoubleLoop(int rows, int scored, int k, float weight, int batch, boolean accumulate) {
        Backend be = backend();
        float[] a = random(rng, rows * k, 2.5);
        int[] y = new int[rows];
        for (int i = 0; i < rows; i++) {
            y[i] = rng.nextInt(k);
        }
        float[] sum0 = accumulate ? random(rng, 1, 1) : new float[] {Float.NaN};
        float[] poison = new float[rows * k];
        Arrays.fill(poison, Float.NaN);
        try (Tensor logits = be.fromHost(a, rows, k); Tensor labels = be.fromHost(y, rows); Tensor grad = be.fromHost(poison, rows, k);
             Tensor sum = be.fromHost(sum0, 1)) {
            be.ganLoss().classifier(logits, labels, scored, weight, batch, grad, sum, accumulate);
            float[] g = be.toHostFloats(grad), s = be.toHostFloats(sum);
            double want = accumulate ? sum0[0] : 0;
            for (int i = 0; i < rows; i++) {
                double z = 0; // no max shift here: |logits| stay far below exp's range
                for (int j = 0; j < k; j++) {
                    z += Math.exp(a[i * k + j]);
                }
                if (i < scored) {
                    want += weight * (Math.log(z) - a[i * k + y[i]]) / batch;
                }
                for (int j = 0; j < k; j++) {
                    double wantGrad = i < scored ? weight * (Math.exp(a[i * k + j]) / z - (j == y[i] ? 1 : 0)) / batch : 0;
                    if (!(Math.abs(g[i * k + j] - wantGrad) <= 2 * Math.ulp((float) wantGrad))) {
                        fail("grad[" + i + ", " + j + "] is " + g[i * k + j] + ", expected " + wantGrad);
                    }
                }
            }
            assertClose("sum", s, new double[] {want}, 1e-6);
        }
    }

    @Test
    void classifierBadArgumentsGiveOneLine() {
        Backend be = backend();
        try (Tensor logits = be.fromHost(random(rng, 40, 1), 4, 10); Tensor grad = be.empty(DType.FLOAT32, 4, 10);
             Tensor labels = be.fromHost(new int[] {0, 1, 2, 3}, 4); Tensor shortLabels = be.fromHost(new int[] {0, 1, 2}, 3);
             Tensor sum = be.zeros(1); Tensor sums = be.zeros(GanLossOps.SUMS)) {
            GanLossOps ops = be.ganLoss();
            String m = assertThrows(ShapeException.class, () -> ops.classifier(logits, shortLabels, 4, 1f, 4, grad, sum, false)).getMessage();
            assertTrue(m.contains("labels must be int32 (4)"), m);
            m = assertThrows(ShapeException.class, () -> ops.classifier(logits, labels, 5, 1f, 4, grad, sum, false)).getMessage();
            assertTrue(m.contains("scored must be in [0, 4]"), m);
            m = assertThrows(ShapeException.class, () -> ops.classifier(logits, labels, 4, 1f, 4, grad, sums, false)).getMessage();
            assertTrue(m.contains("sum must have 1 element"), m);
            m = assertThrows(ShapeException.class, () -> ops.classifier(logits, labels, 4, Float.NaN, 4, grad, sum, false)).getMessage();
            assertTrue(m.contains("weight"), m);
        }
    }

    @Test
    void microBatchesAccumulateToTheWholeBatch() {
        Backend be = backend();
        int micro = 24, batch = 48;
        float[] a = random(rng, 2 * micro, 2), b = random(rng, 2 * micro, 2);
        float[] whole = new float[4 * micro];
        System.arraycopy(a, 0, whole, 0, micro);
        System.arraycopy(b, 0, whole, micro, micro);
        System.arraycopy(a, micro, whole, 2 * micro, micro);
        System.arraycopy(b, micro, whole, 3 * micro, micro);
        try (Tensor ta = be.fromHost(a, 2 * micro, 1); Tensor tb = be.fromHost(b, 2 * micro, 1);
             Tensor tw = be.fromHost(whole, 4 * micro, 1); Tensor grad = be.empty(DType.FLOAT32, 2 * micro, 1);
             Tensor gradWhole = be.empty(DType.FLOAT32, 4 * micro, 1); Tensor parts = be.zeros(GanLossOps.SUMS);
             Tensor once = be.zeros(GanLossOps.SUMS)) {
            be.ganLoss().discriminator(GanLossOps.Loss.NON_SATURATING, ta, micro, batch, grad, parts, false);
            be.ganLoss().discriminator(GanLossOps.Loss.NON_SATURATING, tb, micro, batch, grad, parts, true);
            be.ganLoss().discriminator(GanLossOps.Loss.NON_SATURATING, tw, 2 * micro, batch, gradWhole, once, false);
            float[] p = be.toHostFloats(parts), o = be.toHostFloats(once);
            assertClose("summed micro-batches vs one call", p, o, 1e-6);
            assertTrue(p[GanLossOps.LOSS_REAL] > 0 && p[GanLossOps.LOSS_FAKE] > 0, "both loss parts are positive");
        }
    }

    @Test
    void badArgumentsGiveOneLine() {
        Backend be = backend();
        try (Tensor logits = be.fromHost(random(rng, 8, 1), 8, 1); Tensor grad = be.empty(DType.FLOAT32, 8, 1);
             Tensor shortGrad = be.empty(DType.FLOAT32, 7, 1); Tensor sums = be.zeros(GanLossOps.SUMS);
             Tensor badSums = be.zeros(3)) {
            GanLossOps ops = be.ganLoss();
            String m = assertThrows(ShapeException.class,
                    () -> ops.discriminator(GanLossOps.Loss.HINGE, logits, 4, 8, grad, badSums, true)).getMessage();
            assertTrue(m.contains("sums") && m.contains("4"), m);
            m = assertThrows(ShapeException.class,
                    () -> ops.discriminator(GanLossOps.Loss.HINGE, logits, 9, 8, grad, sums, true)).getMessage();
            assertTrue(m.contains("realRows"), m);
            m = assertThrows(ShapeException.class, () -> ops.generator(GanLossOps.Loss.HINGE, logits, 0, grad, sums, true)).getMessage();
            assertTrue(m.contains("batch"), m);
            assertThrows(ShapeException.class, () -> ops.generator(GanLossOps.Loss.HINGE, logits, 8, shortGrad, sums, true));
        }
    }
}
