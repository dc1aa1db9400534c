package sagan4j.onednn;

import static sagan4j.onednn.OneDnnBackend.f;
import static sagan4j.onednn.OneDnnBackend.ints;

import java.util.List;

import sagan4j.backend.CondBatchNormOps;
import sagan4j.host.HostArrays;
import sagan4j.backend.Tensor;
import sagan4j.host.RangeRunner;

/**
 * Conditional batch norm in Java: the statistics and the backward's per-plane sums by {@link BlockSums}
 * (float blocks added in double, a fixed order), every per-element pass a float multiply-add whose
 * per-plane coefficients are folded in double first — x·scale + shift forward, a·dy + b·x + c backward —
 * so each pass over a plane is one vectorisable loop.
 */
final class JavaCondBatchNorm extends CondBatchNormOps {
    private final Lanes lanes;

    JavaCondBatchNorm(OneDnnBackend backend) {
        super(backend, List.of("java"));
        this.lanes = backend.lanes();
    }

    /** Channels per share: at least GRAIN elements (B·H·W per channel). */
    private static int channelGrain(Dims d) {
        return (int) Math.max(1, RangeRunner.GRAIN / Math.max(1, d.n()));
    }

    private static int planeGrain(Dims d) {
        return Math.max(1, RangeRunner.GRAIN / Math.max(1, d.hw()));
    }

    @Override
    protected void checkLabels(String op, Tensor labels, int k) {
        if (labels != null) {
            HostArrays.checkLabels(op, ints(labels), k);
        }
    }

    /** Row of sample b in the γ/β tables: its label, or b itself with per-sample rows. */
    private static int row(int[] labels, int b) {
        return labels == null ? b : labels[b];
    }

    @Override
    protected void doForwardTraining(Dims d, Tensor x, Tensor labels, Tensor gamma, Tensor beta, float eps,
                                     float momentum, Tensor runningMean, Tensor runningVar, Tensor y, Tensor mean,
                                     Tensor var) {
        float[] xs = f(x), ms = f(mean), vs = f(var);
        int c = d.c(), hw = d.hw();
        double n = d.n();
        double[] mu = new double[c], variance = new double[c];
        // per channel, two passes (mean, then Σ(x − mean)²), its planes in batch order
        lanes.forRange(c, channelGrain(d), (lo, hi) -> {
            for (int ch = lo; ch < hi; ch++) {
                double sum = 0;
                for (int b = 0; b < d.b(); b++) {
                    sum += BlockSums.sum(xs, (b * c + ch) * hw, hw);
                }
                double m = sum / n, ss = 0;
                for (int b = 0; b < d.b(); b++) {
                    ss += BlockSums.squaredDeviations(xs, (b * c + ch) * hw, hw, m);
                }
                mu[ch] = m;
                variance[ch] = ss / n;
            }
        });
        for (int ch = 0; ch < c; ch++) {
            ms[ch] = (float) mu[ch];
            vs[ch] = (float) variance[ch];
        }
        if (runningMean != null) {
            float[] rm = f(runningMean), rv = f(runningVar);
            for (int ch = 0; ch < c; ch++) {
                rm[ch] = (float) ((1.0 - momentum) * rm[ch] + momentum * mu[ch]);
                rv[ch] = (float) ((1.0 - momentum) * rv[ch] + momentum * variance[ch] * n / (n - 1));
            }
        }
        normalize(d, xs, ints(labels), f(gamma), f(beta), mu, variance, eps, f(y));
    }


    @Override
    protected void doForwardEval(Dims d, Tensor x, Tensor labels, Tensor gamma, Tensor beta, Tensor runningMean,
                                 Tensor runningVar, float eps, Tensor y) {
        float[] rm = f(runningMean), rv = f(runningVar);
        double[] mu = new double[d.c()], variance = new double[d.c()];
        for (int c = 0; c < d.c(); c++) {
            mu[c] = rm[c];
            variance[c] = rv[c];
        }
        normalize(d, f(x), ints(labels), f(gamma), f(beta), mu, variance, eps, f(y));
    }

    /** y = x·scale + shift per plane, scale = γ/sqrt(var + eps) and shift = β − μ·scale folded in double. */
    private void normalize(Dims d, float[] xs, int[] labels, float[] gamma, float[] beta, double[] mu,
                           double[] variance, float eps, float[] ys) {
        int c = d.c(), hw = d.hw();
        lanes.forRange(d.b() * c, planeGrain(d), (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                int ch = p % c, r = row(labels, p / c) * c;
                double s = gamma[r + ch] / Math.sqrt(variance[ch] + eps);
                float scale = (float) s, shift = (float) (beta[r + ch] - mu[ch] * s);
                for (int i = p * hw; i < (p + 1) * hw; i++) {
                    ys[i] = Math.fma(xs[i], scale, shift);
                }
            }
        });
    }

    @Override
    protected void doBackward(Dims d, Tensor x, Tensor labels, Tensor gamma, Tensor mean, Tensor var, float eps,
                              Tensor gradY, Tensor gradX, Tensor gradGamma, Tensor gradBeta) {
        float[] xs = f(x), dy = f(gradY), dx = f(gradX), gt = f(gamma), ms = f(mean), vs = f(var);
        int[] l = ints(labels);
        int c = d.c(), hw = d.hw(), planes = d.b() * c;
        double n = d.n();
        // per plane: Σ dy and Σ dy·(x − μ); dγ_bc = rstd·Σ dy·(x − μ), dβ_bc = Σ dy
        double[] rowG = new double[planes], rowB = new double[planes];
        lanes.forRange(planes, planeGrain(d), (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                int ch = p % c;
                double rstd = 1.0 / Math.sqrt((double) vs[ch] + eps);
                rowB[p] = BlockSums.sum(dy, p * hw, hw);
                rowG[p] = rstd * BlockSums.centredDot(dy, xs, p * hw, hw, ms[ch]);
            }
        });
        // dx = rstd·(γ·dy − m1 − x̂·m2), m1 = mean(γ·dy), m2 = mean(γ·dy·x̂) over channel c's (b, h, w)
        double[] m1 = new double[c], m2 = new double[c];
        for (int b = 0; b < d.b(); b++) {
            int r = row(l, b) * c;
            for (int ch = 0; ch < c; ch++) {
                m1[ch] += gt[r + ch] * rowB[b * c + ch];
                m2[ch] += gt[r + ch] * rowG[b * c + ch];
            }
        }
        lanes.forRange(planes, planeGrain(d), (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                int ch = p % c, r = row(l, p / c) * c;
                double rstd = 1.0 / Math.sqrt((double) vs[ch] + eps), mean1 = m1[ch] / n, mean2 = m2[ch] / n;
                // dx = a·dy + bx·x + c0 with x̂ = (x − μ)·rstd expanded
                float a = (float) (rstd * gt[r + ch]);
                float bx = (float) (-rstd * rstd * mean2);
                float c0 = (float) (rstd * (-mean1 + mean2 * rstd * ms[ch]));
                for (int i = p * hw; i < (p + 1) * hw; i++) {
                    dx[i] = Math.fma(a, dy[i], Math.fma(bx, xs[i], c0));
                }
            }
        });
        float[] gg = f(gradGamma), gb = f(gradBeta);
        if (l == null) {
            for (int p = 0; p < planes; p++) {
                gg[p] = (float) rowG[p];
                gb[p] = (float) rowB[p];
            }
            return;
        }
        // class tables: rows summed per class in ascending sample order (absent classes stay 0)
        double[] tg = new double[gg.length], tb = new double[gb.length];
        for (int b = 0; b < d.b(); b++) {
            for (int ch = 0; ch < c; ch++) {
                tg[l[b] * c + ch] += rowG[b * c + ch];
                tb[l[b] * c + ch] += rowB[b * c + ch];
            }
        }
        for (int i = 0; i < gg.length; i++) {
            gg[i] = (float) tg[i];
            gb[i] = (float) tb[i];
        }
    }

}
