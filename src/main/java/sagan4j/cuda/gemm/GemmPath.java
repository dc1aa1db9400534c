package sagan4j.cuda.gemm;

import jcuda.driver.CUdeviceptr;
import sagan4j.backend.Backend.GemmShape;
import sagan4j.backend.GemmMath;

/**
 * One way to run the backend's row-major, optionally batched GEMM on device memory:
 * C[b] = alpha·op(A[b])·op(B[b]) + beta·C[b], with the shapes of {@link GemmShape}. An operand that is
 * not batched (rank 2) is shared by every batch entry. When beta is 0, C is not read.
 */
public interface GemmPath extends AutoCloseable {
    /** Short name: "cublas" or "tiled". */
    String name();

    /** One line for doctor: library and version, or the kernel used. */
    String describe();

    void gemm(GemmShape g, float alpha, CUdeviceptr a, CUdeviceptr b, float beta, CUdeviceptr c, GemmMath math);

    @Override
    void close();

    /** Leading dimension of row-major A as stored: M×K, or K×M when transposed. */
    static int lda(GemmShape g) {
        return g.transA() ? g.m() : g.k();
    }

    /** Leading dimension of row-major B as stored: K×N, or N×K when transposed. */
    static int ldb(GemmShape g) {
        return g.transB() ? g.k() : g.n();
    }

    static long strideA(GemmShape g) {
        return g.batchedA() ? (long) g.m() * g.k() : 0;
    }

    static long strideB(GemmShape g) {
        return g.batchedB() ? (long) g.k() * g.n() : 0;
    }

    static long strideC(GemmShape g) {
        return (long) g.m() * g.n();
    }
}
