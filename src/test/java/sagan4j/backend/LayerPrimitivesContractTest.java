package sagan4j.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static sagan4j.testing.Reference.assertClose;
import static sagan4j.testing.Reference.nans;
import static sagan4j.testing.Reference.random;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import sagan4j.testing.ContractSuite;

/**
 * The NCHW layer primitives on any backend, against hand-computed values and double loops written
 * here from the definitions; outputs are NaN-poisoned before each call. Runs on the
 * host backends ({@link ContractSuite}); the CUDA native suite supplies its own.
 */
public class LayerPrimitivesContractTest extends ContractSuite {
    private final SplittableRandom rng = new SplittableRandom(404);

    private Tensor poisoned(int... dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        return backend().fromHost(nans(n), dims);
    }

    @Test
    void biasHandComputed() {
        Backend be = backend();
        try (Tensor x = be.fromHost(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 1, 2);
             Tensor bias = be.fromHost(new float[] {10, -10}, 2); Tensor db = poisoned(2)) {
            be.layers().addChannelBias(x, bias);
            assertArrayEquals(new float[] {11, 12, -7, -6, 15, 16, -3, -2}, be.toHostFloats(x));
            be.layers().channelBiasGrad(x, db);
            assertArrayEquals(new float[] {11 + 12 + 15 + 16, -7 - 6 - 3 - 2}, be.toHostFloats(db));
        }
    }

    /**
     * The bias gradient against a double loop, on shapes with few channels and big planes (where the CUDA
     * kernel splits each channel over many blocks and adds the partials in a second pass), many channels, a
     * rank-2 (linear) gradient and a single value; twice, bitwise the same.
     */
    @ParameterizedTest(name = "dy {0}")
    @CsvSource({"3x3x64x64", "2x1x128x128", "5x300x2x2", "64x10", "1x1x1x1", "7x3x33x31"})
    void biasGradMatchesDoubleLoop(String shape) {
        Backend be = backend();
        int[] dims = java.util.Arrays.stream(shape.split("x")).mapToInt(Integer::parseInt).toArray();
        int b = dims[0], c = dims[1], inner = 1;
        for (int i = 2; i < dims.length; i++) {
            inner *= dims[i];
        }
        float[] ys = random(rng, b * c * inner, 1);
        double[] want = new double[c];
        for (int n = 0; n < b; n++) {
            for (int ch = 0; ch < c; ch++) {
                for (int j = 0; j < inner; j++) {
                    want[ch] += ys[(n * c + ch) * inner + j];
                }
            }
        }
        try (Tensor dy = be.fromHost(ys, dims); Tensor db = poisoned(c)) {
            be.layers().channelBiasGrad(dy, db);
            float[] first = be.toHostFloats(db);
            assertClose("channelBiasGrad " + shape, first, want, 1e-5);
            try (Tensor db2 = poisoned(c)) {
                be.layers().channelBiasGrad(dy, db2);
                assertArrayEquals(first, be.toHostFloats(db2), "channelBiasGrad " + shape + " differs between two runs");
            }
        }
    }

    /**
     * scatterAddRows against a double loop: random labels (some classes absent, some repeated many times),
     * added onto a random table; K larger than B, B larger than K; twice, bitwise the same.
     */
    @ParameterizedTest(name = "B={0} K={1} D={2}")
    @CsvSource({"64, 10, 33", "300, 1000, 8", "5, 3, 1", "257, 2, 130"})
    void scatterAddRowsMatchesDoubleLoop(int b, int k, int d) {
        Backend be = backend();
        int[] labels = new int[b];
        for (int i = 0; i < b; i++) {
            labels[i] = i % 7 == 3 ? 0 : rng.nextInt(k);   // class 0 repeated
        }
        float[] dout = random(rng, b * d, 1), table = random(rng, k * d, 1);
        double[] want = new double[k * d];
        for (int i = 0; i < k * d; i++) {
            want[i] = table[i];
        }
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < d; j++) {
                want[labels[i] * d + j] += dout[i * d + j];
            }
        }
        float[] first = null;
        for (int run = 0; run < 2; run++) {
            try (Tensor out = be.fromHost(dout, b, d); Tensor lab = be.fromHost(labels, b);
                 Tensor dTable = be.fromHost(table, k, d)) {
                be.layers().scatterAddRows(out, lab, dTable);
                float[] got = be.toHostFloats(dTable);
                if (first == null) {
                    assertClose("scatterAddRows B=" + b + " K=" + k + " D=" + d, got, want, 1e-6);
                    first = got;
                } else {
                    assertArrayEquals(first, got, "scatterAddRows differs between two runs");
                }
            }
        }
    }

    @Test
    void resamplingHandComputed() {
        Backend be = backend();
        // one 2×4 image: [1 2 3 4; 5 6 7 9]
        try (Tensor x = be.fromHost(new float[] {1, 2, 3, 4, 5, 6, 7, 9}, 1, 1, 2, 4);
             Tensor pooled = poisoned(1, 1, 1, 2); Tensor up = poisoned(1, 1, 4, 8);
             Tensor idx = be.empty(DType.INT32, 1, 1, 1, 2); Tensor back = poisoned(1, 1, 2, 4)) {
            be.layers().avgPool2x2(x, pooled);
            assertArrayEquals(new float[] {3.5f, 5.75f}, be.toHostFloats(pooled));
            be.layers().avgPool2x2Backward(pooled, back);
            assertArrayEquals(new float[] {0.875f, 0.875f, 1.4375f, 1.4375f, 0.875f, 0.875f, 1.4375f, 1.4375f},
                    be.toHostFloats(back));
            be.layers().maxPool2x2(x, pooled, idx);
            assertArrayEquals(new float[] {6, 9}, be.toHostFloats(pooled));
            assertArrayEquals(new int[] {3, 3}, be.toHostInts(idx));
            be.layers().maxPool2x2Backward(pooled, idx, back);
            assertArrayEquals(new float[] {0, 0, 0, 0, 0, 6, 0, 9}, be.toHostFloats(back));
            be.layers().upsample2x(x, up);
            float[] u = be.toHostFloats(up);
            assertEquals(1f, u[0]);
            assertEquals(1f, u[1]);
            assertEquals(1f, u[8]);
            assertEquals(9f, u[31]);
            assertEquals(5f, u[16]);
            be.layers().upsample2xBackward(up, back);
            assertArrayEquals(new float[] {4, 8, 12, 16, 20, 24, 28, 36}, be.toHostFloats(back));
        }
    }

    @Test
    void maxPoolTiesTakeTheFirst() {
        Backend be = backend();
        try (Tensor x = be.fromHost(new float[] {2, 2, 2, 2}, 1, 1, 2, 2); Tensor y = poisoned(1, 1, 1, 1);
             Tensor idx = be.empty(DType.INT32, 1, 1, 1, 1)) {
            be.layers().maxPool2x2(x, y, idx);
            assertArrayEquals(new int[] {0}, be.toHostInts(idx));
        }
    }

    @ParameterizedTest(name = "B={0} C={1} H={2} W={3}")
    @CsvSource({"1, 1, 2, 2", "3, 5, 6, 10", "2, 7, 16, 16"})
    void resamplingMatchesLoops(int b, int c, int h, int w) {
        Backend be = backend();
        int n = b * c * h * w, h2 = h / 2, w2 = w / 2;
        float[] xs = random(rng, n, 2);
        double[] avg = new double[n / 4], max = new double[n / 4], up = new double[n * 4], sum = new double[b * c];
        for (int bc = 0; bc < b * c; bc++) {
            for (int i = 0; i < h2; i++) {
                for (int j = 0; j < w2; j++) {
                    double s = 0, m = Double.NEGATIVE_INFINITY;
                    for (int di = 0; di < 2; di++) {
                        for (int dj = 0; dj < 2; dj++) {
                            double v = xs[(bc * h + 2 * i + di) * w + 2 * j + dj];
                            s += v;
                            m = Math.max(m, v);
                        }
                    }
                    avg[(bc * h2 + i) * w2 + j] = s / 4;
                    max[(bc * h2 + i) * w2 + j] = m;
                }
            }
            for (int i = 0; i < 2 * h; i++) {
                for (int j = 0; j < 2 * w; j++) {
                    up[(bc * 2 * h + i) * 2 * w + j] = xs[(bc * h + i / 2) * w + j / 2];
                }
            }
            for (int k = 0; k < h * w; k++) {
                sum[bc] += xs[bc * h * w + k];
            }
        }
        try (Tensor x = be.fromHost(xs, b, c, h, w); Tensor small = poisoned(b, c, h2, w2);
             Tensor big = poisoned(b, c, 2 * h, 2 * w); Tensor idx = be.empty(DType.INT32, b, c, h2, w2);
             Tensor s = poisoned(b, c); Tensor dx = poisoned(b, c, h, w)) {
            be.layers().avgPool2x2(x, small);
            assertClose("avgPool2x2", be.toHostFloats(small), avg, 1e-6);
            be.layers().maxPool2x2(x, small, idx);
            assertClose("maxPool2x2", be.toHostFloats(small), max, 0);
            be.layers().upsample2x(x, big);
            assertClose("upsample2x", be.toHostFloats(big), up, 0);
            be.layers().sumHW(x, s);
            assertClose("sumHW", be.toHostFloats(s), sum, 1e-6);
            be.layers().sumHWBackward(s, dx);
            float[] back = be.toHostFloats(dx);
            float[] sums = be.toHostFloats(s);
            for (int i = 0; i < n; i++) {
                assertEquals(sums[i / (h * w)], back[i]);
            }
        }
    }

    @Test
    void concatAndSplitAlongDimensionOne() {
        Backend be = backend();
        try (Tensor a = be.fromHost(new float[] {1, 2, 3, 4}, 2, 2); Tensor b = be.fromHost(new float[] {5, 6, 7, 8, 9, 10}, 2, 3);
             Tensor out = poisoned(2, 5); Tensor a2 = poisoned(2, 2); Tensor b2 = poisoned(2, 3)) {
            be.layers().concat(List.of(a, b), out);
            assertArrayEquals(new float[] {1, 2, 5, 6, 7, 3, 4, 8, 9, 10}, be.toHostFloats(out));
            be.layers().split(out, List.of(a2, b2));
            assertArrayEquals(be.toHostFloats(a), be.toHostFloats(a2));
            assertArrayEquals(be.toHostFloats(b), be.toHostFloats(b2));
        }
        try (Tensor a = be.fromHost(random(rng, 2 * 3 * 4, 1), 2, 3, 2, 2); Tensor b = be.fromHost(random(rng, 2 * 1 * 4, 1), 2, 1, 2, 2);
             Tensor out = poisoned(2, 4, 2, 2)) {
            be.layers().concat(List.of(a, b), out);
            float[] o = be.toHostFloats(out), as = be.toHostFloats(a), bs = be.toHostFloats(b);
            for (int n = 0; n < 2; n++) {
                for (int k = 0; k < 12; k++) {
                    assertEquals(as[n * 12 + k], o[n * 16 + k]);
                }
                for (int k = 0; k < 4; k++) {
                    assertEquals(bs[n * 4 + k], o[n * 16 + 12 + k]);
                }
            }
        }
    }

    @Test
    void embeddingRowsGatherAndScatterInBatchOrder() {
        Backend be = backend();
        try (Tensor table = be.fromHost(new float[] {1, 2, 3, 4, 5, 6}, 3, 2); Tensor labels = be.fromHost(new int[] {2, 0, 2, 2}, 4);
             Tensor out = poisoned(4, 2); Tensor dTable = be.fromHost(new float[] {1, 1, 1, 1, 1, 1}, 3, 2)) {
            be.layers().gatherRows(table, labels, out);
            assertArrayEquals(new float[] {5, 6, 1, 2, 5, 6, 5, 6}, be.toHostFloats(out));
            be.layers().scatterAddRows(out, labels, dTable);
            assertArrayEquals(new float[] {2, 3, 1, 1, 16, 19}, be.toHostFloats(dTable));
        }
    }

    @ParameterizedTest(name = "B={0} R={1} C={2}")
    @CsvSource({"1, 1, 1", "1, 3, 5", "4, 33, 65", "2, 256, 16", "65537, 2, 3"})
    void transposeSwapsTheLastTwoDimensions(int b, int r, int c) {
        Backend be = backend();
        float[] xs = random(rng, b * r * c, 1);
        double[] want = new double[xs.length];
        for (int n = 0; n < b; n++) {
            for (int i = 0; i < r; i++) {
                for (int j = 0; j < c; j++) {
                    want[(n * c + j) * r + i] = xs[(n * r + i) * c + j];
                }
            }
        }
        try (Tensor x = be.fromHost(xs, b, r, c); Tensor y = poisoned(b, c, r)) {
            be.layers().transpose(x, y);
            assertClose("transpose", be.toHostFloats(y), want, 0);
        }
        if (b == 1) {
            try (Tensor x = be.fromHost(xs, r, c); Tensor y = poisoned(c, r)) {
                be.layers().transpose(x, y);
                assertClose("transpose rank 2", be.toHostFloats(y), want, 0);
            }
        }
    }

    @ParameterizedTest(name = "B={0} N={1}")
    @CsvSource({"1, 1", "1, 3", "2, 5", "3, 300"})
    void zeroDiagonalClearsOnlyTheDiagonal(int b, int n) {
        Backend be = backend();
        float[] ms = random(rng, b * n * n, 1);
        double[] want = new double[ms.length];
        for (int k = 0; k < b; k++) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    int at = (k * n + i) * n + j;
                    want[at] = i == j ? 0 : ms[at];
                }
            }
        }
        try (Tensor m = be.fromHost(ms, b, n, n)) {
            be.layers().zeroDiagonal(m);
            assertClose("zeroDiagonal", be.toHostFloats(m), want, 0);
        }
        if (b == 1) {
            try (Tensor m = be.fromHost(ms, n, n)) {
                be.layers().zeroDiagonal(m);
                assertClose("zeroDiagonal rank 2", be.toHostFloats(m), want, 0);
            }
        }
    }

    @Test
    void zeroDiagonalHandComputedAndBadShapes() {
        Backend be = backend();
        try (Tensor m = be.fromHost(new float[] {1, 2, 3, 4}, 2, 2); Tensor r = be.zeros(2, 3); Tensor v = be.zeros(4)) {
            be.layers().zeroDiagonal(m);
            assertArrayEquals(new float[] {0, 2, 3, 0}, be.toHostFloats(m));
            ShapeException e = assertThrows(ShapeException.class, () -> be.layers().zeroDiagonal(r));
            assertEquals("zeroDiagonal: m must be square in its last two dimensions, got shape [2, 3]", e.getMessage());
            e = assertThrows(ShapeException.class, () -> be.layers().zeroDiagonal(v));
            assertEquals("zeroDiagonal: m must have rank 2 to 3, got shape [4]", e.getMessage());
        }
    }

    @Test
    void scalarOnDeviceOps() {
        Backend be = backend();
        int n = 100003;
        float[] xs = random(rng, n, 1), ys = random(rng, n, 1);
        double dot = 0;
        double[] axpy = new double[n];
        for (int i = 0; i < n; i++) {
            dot += (double) xs[i] * ys[i];
            axpy[i] = ys[i] + (double) -1.5f * xs[i];
        }
        try (Tensor x = be.fromHost(xs, n); Tensor y = be.fromHost(ys, n); Tensor s = be.fromHost(new float[] {-1.5f}, 1);
             Tensor out = poisoned(1)) {
            be.layers().dot(x, y, out);
            assertClose("dot", be.toHostFloats(out), new double[] {dot}, 1e-5);
            float first = be.toHostFloats(out)[0];
            be.layers().dot(x, y, out);
            assertEquals(first, be.toHostFloats(out)[0], "the same bits from run to run");
            be.layers().axpyScalar(s, x, y);
            assertClose("axpyScalar", be.toHostFloats(y), axpy, 1e-6);
        }
    }

    @Test
    void badShapesAreOneLine() {
        Backend be = backend();
        try (Tensor x = be.zeros(2, 3, 5, 4); Tensor y = be.zeros(2, 3, 2, 2); Tensor bias = be.zeros(4);
             Tensor labels = be.fromHost(new int[] {0, 1}, 2); Tensor table = be.zeros(5, 8); Tensor rows = be.zeros(3, 8)) {
            ShapeException e = assertThrows(ShapeException.class, () -> be.layers().avgPool2x2(x, y));
            assertEquals("avgPool2x2: x [2, 3, 5, 4] needs H and W divisible by 2", e.getMessage());
            e = assertThrows(ShapeException.class, () -> be.layers().addChannelBias(x, bias));
            assertEquals("addChannelBias: bias has shape [4], expected [3]", e.getMessage());
            e = assertThrows(ShapeException.class, () -> be.layers().gatherRows(table, labels, rows));
            assertEquals("gatherRows: labels has shape [2], expected [3]", e.getMessage());
            e = assertThrows(ShapeException.class, () -> be.layers().concat(List.of(y, y), x));
            assertEquals("concat: part 0 [2, 3, 2, 2] differs from [2, 3, 5, 4] in dimension 2 (only dimension 1 may differ)",
                    e.getMessage());
        }
    }
}
