package sagan4j.cuda.gemm;

import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import jcuda.jcublas.cublasOperation;
import sagan4j.backend.Backend.GemmShape;
import sagan4j.testing.Reference;

/**
 * Checks, without a GPU, the arguments CublasGemm hands cuBLAS: a column-major strided-batched GEMM
 * written from cuBLAS's documented semantics, called with those arguments on row-major data, must give
 * the row-major product.
 */
class CublasRowMajorMappingTest {

    /** cuBLAS semantics: C = op(A)·op(B), column-major, element (i, j) of X at X[i + j·ld]. */
    static void columnMajorGemm(CublasGemm.ColumnMajorCall c, float[] first, float[] second, double[] out) {
        for (int b = 0; b < c.batch(); b++) {
            for (int i = 0; i < c.m(); i++) {
                for (int j = 0; j < c.n(); j++) {
                    double s = 0;
                    for (int p = 0; p < c.k(); p++) {
                        // op(first) is m×k, op(second) is k×n
                        double x = c.opFirst() == cublasOperation.CUBLAS_OP_N
                                ? first[(int) (b * c.strideFirst()) + i + p * c.ldFirst()]
                                : first[(int) (b * c.strideFirst()) + p + i * c.ldFirst()];
                        double y = c.opSecond() == cublasOperation.CUBLAS_OP_N
                                ? second[(int) (b * c.strideSecond()) + p + j * c.ldSecond()]
                                : second[(int) (b * c.strideSecond()) + j + p * c.ldSecond()];
                        s += x * y;
                    }
                    out[(int) (b * c.strideC()) + i + j * c.ldc()] = s;
                }
            }
        }
    }

    @ParameterizedTest(name = "batch={0} m={1} n={2} k={3} tA={4} tB={5} sharedA={6}")
    @CsvSource({
        "1, 3, 5, 4, false, false, false",
        "1, 3, 5, 4, true, false, false",
        "1, 3, 5, 4, false, true, false",
        "1, 3, 5, 4, true, true, false",
        "3, 7, 2, 6, true, false, false",
        "2, 4, 6, 3, false, true, true",
    })
    void argumentsComputeTheRowMajorProduct(int batch, int m, int n, int k, boolean tA, boolean tB, boolean sharedA) {
        SplittableRandom rng = new SplittableRandom(11);
        float[] a = Reference.random(rng, (sharedA ? 1 : batch) * m * k, 1);
        float[] b = Reference.random(rng, batch * k * n, 1);
        GemmShape g = new GemmShape(tA, tB, batch, m, n, k, !sharedA, true);
        CublasGemm.ColumnMajorCall call = CublasGemm.ColumnMajorCall.of(g);
        double[] got = new double[batch * m * n];
        columnMajorGemm(call, b, a, got);
        float[] gotF = new float[got.length];
        for (int i = 0; i < got.length; i++) {
            gotF[i] = (float) got[i];
        }
        double[] want = new double[batch * m * n];
        for (int i = 0; i < batch; i++) {
            double[] w = Reference.gemm(tA, tB, m, n, k, 1, a, sharedA ? 0 : i * m * k, b, i * k * n, 0, null, 0);
            System.arraycopy(w, 0, want, i * m * n, m * n);
        }
        Reference.assertClose("row-major via column-major cuBLAS arguments", gotF, want, 1e-6);
    }
}
