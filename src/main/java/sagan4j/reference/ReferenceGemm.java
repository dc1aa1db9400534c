package sagan4j.reference;

import sagan4j.backend.Backend.GemmShape;

/**
 * Reference GEMM: C[b] = alpha·op(A[b])·op(B[b]) + beta·C[b], row-major, every dot product accumulated
 * in double. Rows of C are independent, so (batch, row) pairs are spread over threads.
 *
 * <p>Inner loop: for one row of C, acc[n] += op(A)[m,k] · op(B)[k,n] over a contiguous row of op(B),
 * which the JIT vectorises; op(B) is first packed K×N contiguous when B is transposed.
 */
final class ReferenceGemm {
    private ReferenceGemm() {
    }

    static void run(GemmShape g, float alpha, float[] a, float[] b, float beta, float[] c) {
        final int m = g.m(), n = g.n(), k = g.k();
        final long strideA = g.batchedA() ? (long) m * k : 0;
        final long strideB = g.batchedB() ? (long) k * n : 0;
        final long strideC = (long) m * n;
        // op(B) for each distinct B matrix, K×N row-major.
        final int distinctB = g.batchedB() ? g.batch() : 1;
        final float[][] packedB = new float[distinctB][];
        for (int i = 0; i < distinctB; i++) {
            packedB[i] = packB(b, (int) (i * strideB), k, n, g.transB());
        }
        final boolean transA = g.transA();
        Parallel.forRange(g.batch() * m, Math.max(1, 65536 / Math.max(1, n * k)), (from, to) -> {
            double[] acc = new double[n];
            for (int row = from; row < to; row++) {
                int bi = row / m, mi = row % m;
                int aBase = (int) (bi * strideA);
                float[] pb = packedB[g.batchedB() ? bi : 0];
                java.util.Arrays.fill(acc, 0.0);
                for (int kk = 0; kk < k; kk++) {
                    double av = transA ? a[aBase + kk * m + mi] : a[aBase + mi * k + kk];
                    int bRow = kk * n;
                    for (int j = 0; j < n; j++) {
                        acc[j] += av * pb[bRow + j];
                    }
                }
                int cBase = (int) (bi * strideC + (long) mi * n);
                if (beta == 0f) {
                    for (int j = 0; j < n; j++) {
                        c[cBase + j] = (float) (alpha * acc[j]);
                    }
                } else {
                    for (int j = 0; j < n; j++) {
                        c[cBase + j] = (float) (alpha * acc[j] + (double) beta * c[cBase + j]);
                    }
                }
            }
        });
    }

    /** op(B) of one batch entry as a K×N row-major copy (or B itself when it already is). */
    private static float[] packB(float[] b, int base, int k, int n, boolean transB) {
        float[] out = new float[k * n];
        if (!transB) {
            System.arraycopy(b, base, out, 0, k * n);
            return out;
        }
        // B stored N×K: out[kk][j] = B[j][kk]
        for (int j = 0; j < n; j++) {
            int src = base + j * k;
            for (int kk = 0; kk < k; kk++) {
                out[kk * n + j] = b[src + kk];
            }
        }
        return out;
    }
}
