package sagan4j.reference;

import java.util.List;

import sagan4j.backend.CondBatchNormOps;
import sagan4j.backend.ShapeException;
import sagan4j.backend.Tensor;

/**
 * The reference conditional batch norm: statistics by two passes in double (mean, then Σ(x − mean)²), the
 * backward's per-sample sums and per-channel means in double, class tables summed in ascending sample
 * order. Channels are independent, so they are spread over threads.
 */
final class ReferenceCondBatchNorm extends CondBatchNormOps {
    ReferenceCondBatchNorm(ReferenceBackend backend) {
        super(backend, List.of("reference"));
    }

    @Override
    protected void checkLabels(String op, Tensor labels, int k) {
        if (labels == null) {
            return;
        }
        int[] l = sagan4j.host.HostStorage.ints(labels);
        for (int i = 0; i < labels.size(); i++) {
            if (l[i] < 0 || l[i] >= k) {
                throw new ShapeException(op + ": labels[" + i + "] is " + l[i] + ", expected a class in [0, " + k + ")");
            }
        }
    }

    /** γ (or β) of sample b, channel c, as a double. */
    private static double gather(float[] table, int[] labels, int b, int c, int channels) {
        int row = labels == null ? b : labels[b];
        return table[row * channels + c];
    }

    private static int[] ints(Tensor t) {
        return t == null ? null : sagan4j.host.HostStorage.ints(t);
    }

    @Override
    protected void doForwardTraining(Dims d, Tensor x, Tensor labels, Tensor gamma, Tensor beta, float eps,
                                     float momentum, Tensor runningMean, Tensor runningVar, Tensor y, Tensor mean,
                                     Tensor var) {
        float[] xs = ReferenceBackend.f(x), ms = ReferenceBackend.f(mean), vs = ReferenceBackend.f(var);
        float[] rm = runningMean == null ? null : ReferenceBackend.f(runningMean);
        float[] rv = runningVar == null ? null : ReferenceBackend.f(runningVar);
        double n = d.n();
        double[] mu = new double[d.c()], variance = new double[d.c()];
        Parallel.forRange(d.c(), 1, (lo, hi) -> {
            for (int c = lo; c < hi; c++) {
                double s = 0;
                for (int b = 0; b < d.b(); b++) {
                    int base = (b * d.c() + c) * d.hw();
                    for (int i = 0; i < d.hw(); i++) {
                        s += xs[base + i];
                    }
                }
                double m = s / n, ss = 0;
                for (int b = 0; b < d.b(); b++) {
                    int base = (b * d.c() + c) * d.hw();
                    for (int i = 0; i < d.hw(); i++) {
                        double dev = xs[base + i] - m;
                        ss += dev * dev;
                    }
                }
                mu[c] = m;
                variance[c] = ss / n;
                ms[c] = (float) m;
                vs[c] = (float) (ss / n);
                if (rm != null) {
                    rm[c] = (float) ((1.0 - momentum) * rm[c] + momentum * m);
                    rv[c] = (float) ((1.0 - momentum) * rv[c] + momentum * ss / (n - 1));
                }
            }
        });
        normalize(d, xs, ints(labels), ReferenceBackend.f(gamma), ReferenceBackend.f(beta), mu, variance, eps, ReferenceBackend.f(y));
    }

    @Override
    protected void doForwardEval(Dims d, Tensor x, Tensor labels, Tensor gamma, Tensor beta, Tensor runningMean,
                                 Tensor runningVar, float eps, Tensor y) {
        float[] rm = ReferenceBackend.f(runningMean), rv = ReferenceBackend.f(runningVar);
        double[] mu = new double[d.c()], variance = new double[d.c()];
        for (int c = 0; c < d.c(); c++) {
            mu[c] = rm[c];
            variance[c] = rv[c];
        }
        normalize(d, ReferenceBackend.f(x), ints(labels), ReferenceBackend.f(gamma), ReferenceBackend.f(beta), mu, variance, eps,
                ReferenceBackend.f(y));
    }

    /** y = γ_bc·(x − μ_c)/sqrt(var_c + eps) + β_bc in double, rounded once. */
    private static void normalize(Dims d, float[] xs, int[] labels, float[] gamma, float[] beta, double[] mu,
                                  double[] variance, float eps, float[] ys) {
        Parallel.forRange(d.b() * d.c(), 1, (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                int b = p / d.c(), c = p % d.c();
                double rstd = 1.0 / Math.sqrt(variance[c] + eps);
                double g = gather(gamma, labels, b, c, d.c()), be = gather(beta, labels, b, c, d.c());
                int base = p * d.hw();
                for (int i = 0; i < d.hw(); i++) {
                    ys[base + i] = (float) (g * (xs[base + i] - mu[c]) * rstd + be);
                }
            }
        });
    }

    @Override
    protected void doBackward(Dims d, Tensor x, Tensor labels, Tensor gamma, Tensor mean, Tensor var, float eps,
                              Tensor gradY, Tensor gradX, Tensor gradGamma, Tensor gradBeta) {
        float[] xs = ReferenceBackend.f(x), dy = ReferenceBackend.f(gradY), dx = ReferenceBackend.f(gradX);
        float[] gt = ReferenceBackend.f(gamma), ms = ReferenceBackend.f(mean), vs = ReferenceBackend.f(var);
        int[] l = ints(labels);
        int planes = d.b() * d.c();
        double n = d.n();
        // per-sample rows: dγ_bc = Σ_hw dy·x̂, dβ_bc = Σ_hw dy
        double[] rowG = new double[planes], rowB = new double[planes];
        Parallel.forRange(planes, 1, (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                int c = p % d.c();
                double rstd = 1.0 / Math.sqrt((double) vs[c] + eps);
                double sg = 0, sb = 0;
                int base = p * d.hw();
                for (int i = 0; i < d.hw(); i++) {
                    sg += dy[base + i] * ((xs[base + i] - (double) ms[c]) * rstd);
                    sb += dy[base + i];
                }
                rowG[p] = sg;
                rowB[p] = sb;
            }
        });
        // dx = rstd·(γ·dy − mean(γ·dy) − x̂·mean(γ·dy·x̂)), the means over (b, h, w) of channel c
        Parallel.forRange(d.c(), 1, (lo, hi) -> {
            for (int c = lo; c < hi; c++) {
                double m1 = 0, m2 = 0;
                for (int b = 0; b < d.b(); b++) {
                    double g = gather(gt, l, b, c, d.c());
                    m1 += g * rowB[b * d.c() + c];
                    m2 += g * rowG[b * d.c() + c];
                }
                m1 /= n;
                m2 /= n;
                double rstd = 1.0 / Math.sqrt((double) vs[c] + eps);
                for (int b = 0; b < d.b(); b++) {
                    double g = gather(gt, l, b, c, d.c());
                    int base = (b * d.c() + c) * d.hw();
                    for (int i = 0; i < d.hw(); i++) {
                        double xhat = (xs[base + i] - (double) ms[c]) * rstd;
                        dx[base + i] = (float) (rstd * (g * dy[base + i] - m1 - xhat * m2));
                    }
                }
            }
        });
        float[] gg = ReferenceBackend.f(gradGamma), gb = ReferenceBackend.f(gradBeta);
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
            for (int c = 0; c < d.c(); c++) {
                tg[l[b] * d.c() + c] += rowG[b * d.c() + c];
                tb[l[b] * d.c() + c] += rowB[b * d.c() + c];
            }
        }
        for (int i = 0; i < gg.length; i++) {
            gg[i] = (float) tg[i];
            gb[i] = (float) tb[i];
        }
    }
}
