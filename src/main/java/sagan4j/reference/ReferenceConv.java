package sagan4j.reference;

import java.util.List;

import sagan4j.backend.Backend.GemmShape;
import sagan4j.backend.ConvOps;
import sagan4j.backend.Tensor;

/**
 * The CPU reference convolution: im2col into a (Cin·k·k, B·Ho·Wo) matrix, then one GEMM of the
 * double-accumulating reference (ReferenceGemm) per pass. Batches whose column matrix would exceed
 * {@link #MAX_COLUMN_FLOATS} are processed in chunks.
 *
 * <pre>
 *   forward:        Y' (Cout, B·HW)  = W (Cout, CK) · col (CK, B·HW)            then Y' → y (B, Cout, HW)
 *   backwardData:   dcol (CK, B·HW)  = Wᵀ · dY' (Cout, B·HW)                   then col2im → dx
 *   backwardFilter: dW (Cout, CK)   += dY' · colᵀ                               summed over chunks
 * </pre>
 */
final class ReferenceConv extends ConvOps {
    static final int MAX_COLUMN_FLOATS = 1 << 24;

    private final int maxColumnFloats;

    /** {@code maxColumnFloats}: batches whose column matrix would be larger run in chunks. */
    ReferenceConv(ReferenceBackend backend, int maxColumnFloats) {
        super(backend, List.of("reference"));
        this.maxColumnFloats = maxColumnFloats;
    }

    /** Geometry of one convolution. */
    private record Geometry(int b, int cin, int h, int w, int cout, int k, int pad, int ho, int wo) {
        static Geometry of(Tensor x, Tensor w, int pad) {
            int k = w.dim(2);
            return new Geometry(x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.dim(0), k, pad,
                    outputSize(x.dim(2), k, pad), outputSize(x.dim(3), k, pad));
        }

        int ck() {
            return cin * k * k;
        }

        int hw() {
            return ho * wo;
        }

        /** Images per chunk, so that the column matrix stays under {@code maxFloats}. */
        int chunk(int maxFloats) {
            return Math.max(1, Math.min(b, maxFloats / Math.max(1, ck() * hw())));
        }
    }

    /** col[(c·k + i)·k + j][n·HW + oh·Wo + ow] = x[b0 + n, c, oh + i − pad, ow + j − pad] (0 outside). */
    private static void im2col(float[] x, Geometry g, int b0, int nb, float[] col) {
        int cols = nb * g.hw();
        Parallel.forRange(g.ck(), 1, (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int c = r / (g.k * g.k), i = (r / g.k) % g.k, j = r % g.k;
                for (int n = 0; n < nb; n++) {
                    int src = ((b0 + n) * g.cin + c) * g.h * g.w;
                    for (int oh = 0; oh < g.ho; oh++) {
                        int ih = oh + i - g.pad;
                        int dst = r * cols + n * g.hw() + oh * g.wo;
                        for (int ow = 0; ow < g.wo; ow++) {
                            int iw = ow + j - g.pad;
                            col[dst + ow] = ih >= 0 && ih < g.h && iw >= 0 && iw < g.w ? x[src + ih * g.w + iw] : 0f;
                        }
                    }
                }
            }
        });
    }

    /** dx[b0 + n, c, ih, iw] = Σ over (i, j) of dcol[(c·k + i)·k + j][n·HW + (ih − i + pad)·Wo + (iw − j + pad)]. */
    private static void col2im(float[] dcol, Geometry g, int b0, int nb, float[] dx) {
        int cols = nb * g.hw();
        Parallel.forRange(nb * g.cin, 1, (lo, hi) -> {
            for (int nc = lo; nc < hi; nc++) {
                int n = nc / g.cin, c = nc % g.cin;
                int dst = ((b0 + n) * g.cin + c) * g.h * g.w;
                for (int ih = 0; ih < g.h; ih++) {
                    for (int iw = 0; iw < g.w; iw++) {
                        double s = 0;
                        for (int i = 0; i < g.k; i++) {
                            int oh = ih - i + g.pad;
                            if (oh < 0 || oh >= g.ho) {
                                continue;
                            }
                            for (int j = 0; j < g.k; j++) {
                                int ow = iw - j + g.pad;
                                if (ow >= 0 && ow < g.wo) {
                                    s += dcol[((c * g.k + i) * g.k + j) * cols + n * g.hw() + oh * g.wo + ow];
                                }
                            }
                        }
                        dx[dst + ih * g.w + iw] = (float) s;
                    }
                }
            }
        });
    }

    /** (nb, C, HW) images starting at image b0 ⇄ a (C, nb·HW) matrix. */
    private static void toChannelMajor(float[] nchw, int b0, int nb, int c, int hw, float[] out, boolean forward) {
        for (int n = 0; n < nb; n++) {
            for (int ch = 0; ch < c; ch++) {
                int a = ((b0 + n) * c + ch) * hw, m = ch * nb * hw + n * hw;
                if (forward) {
                    System.arraycopy(nchw, a, out, m, hw);
                } else {
                    System.arraycopy(out, m, nchw, a, hw);
                }
            }
        }
    }

    @Override
    protected void doForward(Tensor x, Tensor w, int padding, Tensor y) {
        Geometry g = Geometry.of(x, w, padding);
        float[] xs = ReferenceBackend.f(x), ws = ReferenceBackend.f(w), ys = ReferenceBackend.f(y);
        int chunk = g.chunk(maxColumnFloats);
        float[] col = new float[g.ck() * chunk * g.hw()], out = new float[g.cout * chunk * g.hw()];
        for (int b0 = 0; b0 < g.b; b0 += chunk) {
            int nb = Math.min(chunk, g.b - b0), cols = nb * g.hw();
            im2col(xs, g, b0, nb, col);
            ReferenceGemm.run(new GemmShape(false, false, 1, g.cout, cols, g.ck(), false, false), 1f, ws, col, 0f, out);
            toChannelMajor(ys, b0, nb, g.cout, g.hw(), out, false);
        }
    }

    @Override
    protected void doBackwardData(Tensor dy, Tensor w, int padding, Tensor dx) {
        Geometry g = Geometry.of(dx, w, padding);
        float[] gs = ReferenceBackend.f(dy), ws = ReferenceBackend.f(w), dxs = ReferenceBackend.f(dx);
        int chunk = g.chunk(maxColumnFloats);
        float[] dyT = new float[g.cout * chunk * g.hw()], dcol = new float[g.ck() * chunk * g.hw()];
        for (int b0 = 0; b0 < g.b; b0 += chunk) {
            int nb = Math.min(chunk, g.b - b0), cols = nb * g.hw();
            toChannelMajor(gs, b0, nb, g.cout, g.hw(), dyT, true);
            ReferenceGemm.run(new GemmShape(true, false, 1, g.ck(), cols, g.cout, false, false), 1f, ws, dyT, 0f, dcol);
            col2im(dcol, g, b0, nb, dxs);
        }
    }

    @Override
    protected void doBackwardFilter(Tensor x, Tensor dy, int padding, Tensor dw) {
        Geometry g = Geometry.of(x, dw, padding);
        float[] xs = ReferenceBackend.f(x), gs = ReferenceBackend.f(dy), dws = ReferenceBackend.f(dw);
        int chunk = g.chunk(maxColumnFloats);
        float[] col = new float[g.ck() * chunk * g.hw()], dyT = new float[g.cout * chunk * g.hw()];
        for (int b0 = 0; b0 < g.b; b0 += chunk) {
            int nb = Math.min(chunk, g.b - b0), cols = nb * g.hw();
            im2col(xs, g, b0, nb, col);
            toChannelMajor(gs, b0, nb, g.cout, g.hw(), dyT, true);
            ReferenceGemm.run(new GemmShape(false, true, 1, g.cout, g.ck(), cols, false, false), 1f, dyT, col,
                    b0 == 0 ? 0f : 1f, dws);
        }
    }
}
