package sagan4j.reference;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.host.HostLayerOps;
import sagan4j.host.RangeRunner;

/** The CPU reference of the NCHW layer primitives (kernels/layers.cu on CUDA); sums in double. */
final class ReferenceLayers extends HostLayerOps {

    ReferenceLayers(Backend backend) {
        super(backend, "reference");
    }

    private static float[] f(Tensor t) {
        return ReferenceBackend.f(t);
    }

    private static int[] ints(Tensor t) {
        return sagan4j.host.HostStorage.ints(t);
    }

    @Override
    protected void doAddChannelBias(Tensor x, Tensor bias) {
        float[] xs = f(x), bs = f(bias);
        int c = x.dim(1), inner = inner(x);
        Parallel.forRange(xs.length, RangeRunner.GRAIN, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                xs[i] += bs[(i / inner) % c];
            }
        });
    }

    @Override
    protected void doChannelBiasGrad(Tensor dy, Tensor dBias) {
        float[] g = f(dy), out = f(dBias);
        int b = dy.dim(0), c = dy.dim(1), inner = inner(dy);
        for (int ch = 0; ch < c; ch++) {
            double s = 0;
            for (int n = 0; n < b; n++) {
                int base = (n * c + ch) * inner;
                for (int j = 0; j < inner; j++) {
                    s += g[base + j];
                }
            }
            out[ch] = (float) s;
        }
    }

    /** H, W of the small image (the input of upsampling, the output of pooling). */
    @Override
    protected void doResample(Resample op, Tensor x, Tensor y, Tensor argmax) {
        Tensor small = op == Resample.UPSAMPLE ? x : y;
        int h = small.dim(2), w = small.dim(3), w2 = 2 * w, h2 = 2 * h;
        float[] xs = f(x), ys = f(y);
        int[] am = argmax == null ? null : ints(argmax);
        Parallel.forRange(ys.length, RangeRunner.GRAIN, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                if (op == Resample.UPSAMPLE) {
                    int bc = i / (h2 * w2), r = i % (h2 * w2);
                    ys[i] = xs[(bc * h + (r / w2) / 2) * w + (r % w2) / 2];
                    continue;
                }
                int bc = i / (h * w), r = i % (h * w);
                int p = (bc * h2 + 2 * (r / w)) * w2 + 2 * (r % w);
                float a = xs[p], b = xs[p + 1], c = xs[p + w2], d = xs[p + w2 + 1];
                if (op == Resample.AVG_POOL) {
                    ys[i] = (float) (0.25 * ((double) a + b + c + d));
                } else {
                    float best = a;
                    int at = 0;
                    if (b > best) {
                        best = b;
                        at = 1;
                    }
                    if (c > best) {
                        best = c;
                        at = 2;
                    }
                    if (d > best) {
                        best = d;
                        at = 3;
                    }
                    ys[i] = best;
                    am[i] = at;
                }
            }
        });
    }

    @Override
    protected void doResampleBackward(Resample op, Tensor dy, Tensor dx, Tensor argmax) {
        Tensor small = op == Resample.UPSAMPLE ? dx : dy;
        int h = small.dim(2), w = small.dim(3), w2 = 2 * w, h2 = 2 * h;
        float[] g = f(dy), out = f(dx);
        int[] am = argmax == null ? null : ints(argmax);
        Parallel.forRange(out.length, RangeRunner.GRAIN, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                if (op == Resample.UPSAMPLE) {
                    int bc = i / (h * w), r = i % (h * w);
                    int p = (bc * h2 + 2 * (r / w)) * w2 + 2 * (r % w);
                    out[i] = (float) ((double) g[p] + g[p + 1] + g[p + w2] + g[p + w2 + 1]);
                    continue;
                }
                int bc = i / (h2 * w2), r = i % (h2 * w2);
                int oh = r / w2, ow = r % w2;
                int o = (bc * h + oh / 2) * w + ow / 2;
                if (op == Resample.AVG_POOL) {
                    out[i] = 0.25f * g[o];
                } else {
                    out[i] = am[o] == (oh & 1) * 2 + (ow & 1) ? g[o] : 0f;
                }
            }
        });
    }

    @Override
    protected void doSumHW(Tensor x, Tensor y) {
        float[] xs = f(x), ys = f(y);
        int hw = inner(x);
        Parallel.forRange(ys.length, Math.max(1, RangeRunner.GRAIN / hw), (lo, hi) -> {
            for (int row = lo; row < hi; row++) {
                double s = 0;
                for (int j = 0; j < hw; j++) {
                    s += xs[row * hw + j];
                }
                ys[row] = (float) s;
            }
        });
    }

    @Override
    protected void doSumHWBackward(Tensor dy, Tensor dx) {
        float[] g = f(dy), out = f(dx);
        int hw = inner(dx);
        Parallel.forRange(out.length, RangeRunner.GRAIN, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                out[i] = g[i / hw];
            }
        });
    }

    @Override
    protected void doAxpyScalar(Tensor s, Tensor x, Tensor y) {
        float a = f(s)[0];
        float[] xs = f(x), ys = f(y);
        Parallel.forRange(xs.length, RangeRunner.GRAIN, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                ys[i] += a * xs[i];
            }
        });
    }

    @Override
    protected void doDot(Tensor a, Tensor b, Tensor out) {
        float[] as = f(a), bs = f(b);
        double s = 0;
        for (int i = 0; i < as.length; i++) {
            s += (double) as[i] * bs[i];
        }
        f(out)[0] = (float) s;
    }

    @Override
    protected void doTranspose(Tensor x, Tensor y) {
        float[] xs = f(x), ys = f(y);
        int batch = x.rank() == 3 ? x.dim(0) : 1, r = x.dim(-2), c = x.dim(-1);
        Parallel.forRange(batch * c, Math.max(1, RangeRunner.GRAIN / r), (lo, hi) -> {
            for (int bc = lo; bc < hi; bc++) {
                int b = bc / c, j = bc % c;
                for (int i = 0; i < r; i++) {
                    ys[bc * r + i] = xs[(b * r + i) * c + j];
                }
            }
        });
    }
}
