package sagan4j.onednn;

import static sagan4j.onednn.OneDnnBackend.f;
import static sagan4j.onednn.OneDnnBackend.ints;

import sagan4j.backend.Tensor;
import sagan4j.host.HostLayerOps;
import sagan4j.host.RangeRunner;

/**
 * The NCHW layer primitives as loops over whole planes (no per-element index division, so C2 vectorises
 * the inner loops), planes or channels split over the lanes; the long reductions sum in a fixed order, the
 * bias gradient and sum pooling by {@link BlockSums} (float blocks added in double), the dot in double.
 */
final class JavaLayers extends HostLayerOps {
    private final Lanes lanes;

    JavaLayers(OneDnnBackend backend) {
        super(backend, "java");
        this.lanes = backend.lanes();
    }

    /** Planes (b, c) per share so that a share holds at least GRAIN elements. */
    private static int planeGrain(int inner) {
        return Math.max(1, RangeRunner.GRAIN / Math.max(1, inner));
    }

    @Override
    protected void doAddChannelBias(Tensor x, Tensor bias) {
        float[] xs = f(x), bs = f(bias);
        int c = x.dim(1), inner = inner(x);
        lanes.forRange(x.dim(0) * c, planeGrain(inner), (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                float v = bs[p % c];
                for (int i = p * inner; i < (p + 1) * inner; i++) {
                    xs[i] += v;
                }
            }
        });
    }

    @Override
    protected void doChannelBiasGrad(Tensor dy, Tensor dBias) {
        float[] g = f(dy), out = f(dBias);
        int b = dy.dim(0), c = dy.dim(1), inner = inner(dy);
        // channels split over the lanes; each channel sums its planes in batch order
        lanes.forRange(c, Math.max(1, planeGrain(inner) / b), (lo, hi) -> {
            for (int ch = lo; ch < hi; ch++) {
                double acc = 0;
                for (int n = 0; n < b; n++) {
                    acc += BlockSums.sum(g, (n * c + ch) * inner, inner);
                }
                out[ch] = (float) acc;
            }
        });
    }


    @Override
    protected void doResample(Resample op, Tensor x, Tensor y, Tensor argmax) {
        Tensor small = op == Resample.UPSAMPLE ? x : y;
        int planes = small.dim(0) * small.dim(1), h = small.dim(2), w = small.dim(3);
        float[] xs = f(x), ys = f(y);
        int[] am = ints(argmax);
        lanes.forRange(planes, planeGrain(4 * h * w), (lo, hi) -> resamplePlanes(op, xs, ys, am, h, w, lo, hi));
    }

    private static void resamplePlanes(Resample op, float[] xs, float[] ys, int[] am, int h, int w, int from, int to) {
        int w2 = 2 * w;
        for (int p = from; p < to; p++) {
            int sp = p * h * w, bp = p * 4 * h * w;
            for (int r = 0; r < h; r++) {
                int s0 = sp + r * w, b0 = bp + 2 * r * w2, b1 = b0 + w2;
                switch (op) {
                    case UPSAMPLE -> {
                        for (int j = 0; j < w; j++) {
                            float v = xs[s0 + j];
                            ys[b0 + 2 * j] = v;
                            ys[b0 + 2 * j + 1] = v;
                        }
                        System.arraycopy(ys, b0, ys, b1, w2);
                    }
                    case AVG_POOL -> {
                        for (int j = 0; j < w; j++) {
                            ys[s0 + j] = 0.25f * ((xs[b0 + 2 * j] + xs[b0 + 2 * j + 1]) + (xs[b1 + 2 * j] + xs[b1 + 2 * j + 1]));
                        }
                    }
                    case MAX_POOL -> {
                        for (int j = 0; j < w; j++) {
                            float best = xs[b0 + 2 * j];
                            int at = 0;
                            if (xs[b0 + 2 * j + 1] > best) {
                                best = xs[b0 + 2 * j + 1];
                                at = 1;
                            }
                            if (xs[b1 + 2 * j] > best) {
                                best = xs[b1 + 2 * j];
                                at = 2;
                            }
                            if (xs[b1 + 2 * j + 1] > best) {
                                best = xs[b1 + 2 * j + 1];
                                at = 3;
                            }
                            ys[s0 + j] = best;
                            am[s0 + j] = at;
                        }
                    }
                }
            }
        }
    }

    @Override
    protected void doResampleBackward(Resample op, Tensor dy, Tensor dx, Tensor argmax) {
        Tensor small = op == Resample.UPSAMPLE ? dx : dy;
        int planes = small.dim(0) * small.dim(1), h = small.dim(2), w = small.dim(3);
        float[] g = f(dy), out = f(dx);
        int[] am = ints(argmax);
        lanes.forRange(planes, planeGrain(4 * h * w), (lo, hi) -> resampleBackwardPlanes(op, g, out, am, h, w, lo, hi));
    }

    private static void resampleBackwardPlanes(Resample op, float[] g, float[] out, int[] am, int h, int w, int from, int to) {
        int w2 = 2 * w;
        for (int p = from; p < to; p++) {
            int sp = p * h * w, bp = p * 4 * h * w;
            for (int r = 0; r < h; r++) {
                int s0 = sp + r * w, b0 = bp + 2 * r * w2, b1 = b0 + w2;
                switch (op) {
                    case UPSAMPLE -> {
                        for (int j = 0; j < w; j++) {
                            out[s0 + j] = (g[b0 + 2 * j] + g[b0 + 2 * j + 1]) + (g[b1 + 2 * j] + g[b1 + 2 * j + 1]);
                        }
                    }
                    case AVG_POOL -> {
                        for (int j = 0; j < w; j++) {
                            float v = 0.25f * g[s0 + j];
                            out[b0 + 2 * j] = v;
                            out[b0 + 2 * j + 1] = v;
                        }
                        System.arraycopy(out, b0, out, b1, w2);
                    }
                    case MAX_POOL -> {
                        for (int j = 0; j < w; j++) {
                            float v = g[s0 + j];
                            int at = am[s0 + j];
                            out[b0 + 2 * j] = at == 0 ? v : 0f;
                            out[b0 + 2 * j + 1] = at == 1 ? v : 0f;
                            out[b1 + 2 * j] = at == 2 ? v : 0f;
                            out[b1 + 2 * j + 1] = at == 3 ? v : 0f;
                        }
                    }
                }
            }
        }
    }

    @Override
    protected void doSumHW(Tensor x, Tensor y) {
        float[] xs = f(x), ys = f(y);
        int hw = inner(x);
        for (int row = 0; row < ys.length; row++) {
            ys[row] = (float) BlockSums.sum(xs, row * hw, hw);
        }
    }

    @Override
    protected void doSumHWBackward(Tensor dy, Tensor dx) {
        float[] g = f(dy), out = f(dx);
        int hw = inner(dx);
        for (int row = 0; row < g.length; row++) {
            java.util.Arrays.fill(out, row * hw, (row + 1) * hw, g[row]);
        }
    }

    @Override
    protected void doAxpyScalar(Tensor s, Tensor x, Tensor y) {
        float a = f(s)[0];
        float[] xs = f(x), ys = f(y);
        lanes.forRange(x.shape().sizeAsInt(), RangeRunner.GRAIN, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                ys[i] = Math.fma(a, xs[i], ys[i]);
            }
        });
    }

    @Override
    protected void doDot(Tensor a, Tensor b, Tensor out) {
        float[] as = f(a), bs = f(b);
        f(out)[0] = (float) lanes.sum(a.shape().sizeAsInt(), (lo, hi) -> dot(as, bs, lo, hi));
    }

    /** Σ a[i]·b[i] over [from, to) in double, four interleaved partial sums (a fixed order). */
    static double dot(float[] a, float[] b, int from, int to) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = from, n = to;
        for (; i + 3 < n; i += 4) {
            s0 += (double) a[i] * b[i];
            s1 += (double) a[i + 1] * b[i + 1];
            s2 += (double) a[i + 2] * b[i + 2];
            s3 += (double) a[i + 3] * b[i + 3];
        }
        for (; i < n; i++) {
            s0 += (double) a[i] * b[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    @Override
    protected void doTranspose(Tensor x, Tensor y) {
        float[] xs = f(x), ys = f(y);
        int batch = x.rank() == 3 ? x.dim(0) : 1, r = x.dim(-2), c = x.dim(-1);
        // 32×32 tiles: both the reads and the writes stay within a few cache lines per row
        for (int b = 0; b < batch; b++) {
            int off = b * r * c;
            for (int i0 = 0; i0 < r; i0 += 32) {
                for (int j0 = 0; j0 < c; j0 += 32) {
                    int i1 = Math.min(r, i0 + 32), j1 = Math.min(c, j0 + 32);
                    for (int i = i0; i < i1; i++) {
                        for (int j = j0; j < j1; j++) {
                            ys[off + j * r + i] = xs[off + i * c + j];
                        }
                    }
                }
            }
        }
    }
}
