package sagan4j.reference;

import java.util.List;

import sagan4j.backend.AttentionOps;
import sagan4j.backend.Tensor;

/**
 * The attention reference: plain Java, every dot product, max, sum and log-sum-exp in double, rows
 * spread over the fork-join pool. The forward materialises one row of scores at a time (M doubles);
 * the backward one batch entry's P and dS at a time (2·N·M doubles).
 */
final class ReferenceAttention extends AttentionOps {
    /** Rows per task below which the work stays on the calling thread. */
    private static final int ROW_GRAIN = 16;

    ReferenceAttention(ReferenceBackend backend) {
        super(backend, List.of("reference"));
    }

    @Override
    protected void doForward(Dims s, Tensor q, Tensor k, Tensor v, float scale, Tensor o, Tensor lse) {
        float[] qs = ReferenceBackend.f(q), ks = ReferenceBackend.f(k), vs = ReferenceBackend.f(v), os = ReferenceBackend.f(o),
                ls = ReferenceBackend.f(lse);
        int n = s.n(), m = s.m(), d = s.d(), c = s.c();
        Parallel.forRange(s.batch() * n, ROW_GRAIN, (lo, hi) -> {
            double[] row = new double[m];
            double[] acc = new double[c];
            for (int r = lo; r < hi; r++) {
                int b = r / n;
                double l = scores(qs, (long) r * d, ks, (long) b * m * d, m, d, scale, row);
                ls[r] = (float) l;
                java.util.Arrays.fill(acc, 0);
                long vb = (long) b * m * c;
                for (int j = 0; j < m; j++) {
                    double p = Math.exp(row[j] - l);
                    for (int x = 0; x < c; x++) {
                        acc[x] += p * vs[(int) (vb + (long) j * c + x)];
                    }
                }
                for (int x = 0; x < c; x++) {
                    os[(int) ((long) r * c + x)] = (float) acc[x];
                }
            }
        });
    }

    /** row[j] ← scale·q_r·k_j for j < m; returns log Σ_j exp row[j] (max-shifted). */
    private static double scores(float[] qs, long qOff, float[] ks, long kOff, int m, int d, float scale,
                                 double[] row) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < m; j++) {
            double dot = 0;
            for (int t = 0; t < d; t++) {
                dot += (double) qs[(int) (qOff + t)] * ks[(int) (kOff + (long) j * d + t)];
            }
            row[j] = scale * dot;
            max = Math.max(max, row[j]);
        }
        double sum = 0;
        for (int j = 0; j < m; j++) {
            sum += Math.exp(row[j] - max);
        }
        return max + Math.log(sum);
    }

    @Override
    protected void doBackward(Dims s, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse, Tensor gradO, float scale,
                              Tensor gradQ, Tensor gradK, Tensor gradV) {
        float[] qs = ReferenceBackend.f(q), ks = ReferenceBackend.f(k), vs = ReferenceBackend.f(v), os = ReferenceBackend.f(o),
                ls = ReferenceBackend.f(lse), dos = ReferenceBackend.f(gradO), dq = ReferenceBackend.f(gradQ), dk = ReferenceBackend.f(gradK),
                dv = ReferenceBackend.f(gradV);
        int n = s.n(), m = s.m(), d = s.d(), c = s.c();
        double[] p = new double[n * m];   // P[i][j] of one batch entry
        double[] ds = new double[n * m];  // dS[i][j]
        for (int b = 0; b < s.batch(); b++) {
            final int bb = b;
            long qb = (long) b * n * d, kb = (long) b * m * d, vb = (long) b * m * c, ob = (long) b * n * c;
            // Rows: P = exp(S − lse), dS = P ⊙ (grad_o vᵀ − rowsum(grad_o ⊙ o)), grad_q = scale·dS k.
            Parallel.forRange(n, ROW_GRAIN, (lo, hi) -> {
                for (int i = lo; i < hi; i++) {
                    double lsei = ls[bb * n + i];
                    double dsum = 0;
                    for (int x = 0; x < c; x++) {
                        dsum += (double) dos[(int) (ob + (long) i * c + x)] * os[(int) (ob + (long) i * c + x)];
                    }
                    for (int j = 0; j < m; j++) {
                        double dot = 0;
                        for (int t = 0; t < d; t++) {
                            dot += (double) qs[(int) (qb + (long) i * d + t)] * ks[(int) (kb + (long) j * d + t)];
                        }
                        double pij = Math.exp(scale * dot - lsei);
                        double dp = 0;
                        for (int x = 0; x < c; x++) {
                            dp += (double) dos[(int) (ob + (long) i * c + x)] * vs[(int) (vb + (long) j * c + x)];
                        }
                        p[i * m + j] = pij;
                        ds[i * m + j] = pij * (dp - dsum);
                    }
                    for (int t = 0; t < d; t++) {
                        double acc = 0;
                        for (int j = 0; j < m; j++) {
                            acc += ds[i * m + j] * ks[(int) (kb + (long) j * d + t)];
                        }
                        dq[(int) (qb + (long) i * d + t)] = (float) (scale * acc);
                    }
                }
            });
            // Columns: grad_k = scale·dSᵀ q, grad_v = Pᵀ grad_o.
            Parallel.forRange(m, ROW_GRAIN, (lo, hi) -> {
                for (int j = lo; j < hi; j++) {
                    for (int t = 0; t < d; t++) {
                        double acc = 0;
                        for (int i = 0; i < n; i++) {
                            acc += ds[i * m + j] * qs[(int) (qb + (long) i * d + t)];
                        }
                        dk[(int) (kb + (long) j * d + t)] = (float) (scale * acc);
                    }
                    for (int x = 0; x < c; x++) {
                        double acc = 0;
                        for (int i = 0; i < n; i++) {
                            acc += p[i * m + j] * dos[(int) (ob + (long) i * c + x)];
                        }
                        dv[(int) (vb + (long) j * c + x)] = (float) acc;
                    }
                }
            });
        }
    }
}
