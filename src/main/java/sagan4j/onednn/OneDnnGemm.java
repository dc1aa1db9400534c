package sagan4j.onednn;

import static org.bytedeco.dnnl.global.dnnl.dnnl_sgemm;

import org.bytedeco.javacpp.FloatPointer;

import sagan4j.backend.Backend.GemmShape;

/**
 * Row-major SGEMM through {@code dnnl_sgemm} (oneDNN's JIT GEMM, fp32 accumulation): A, B (and C when
 * beta ≠ 0) are staged into native buffers, each batch entry is one call at an element offset (typed
 * {@code float*} parameters, so JavaCPP's positions are in elements there), and C is copied back.
 */
final class OneDnnGemm {
    private static final int A = 0, B = 1, C = 2;
    private final NativeBuffers buffers = new NativeBuffers(3);
    private final TimeSplit time;

    OneDnnGemm(TimeSplit time) {
        this.time = time;
    }

    /** C ← alpha·op(A)·op(B) + beta·C for every batch entry; shapes as checked by Backend.gemm. */
    void run(GemmShape g, float alpha, float[] a, float[] b, float beta, float[] c) {
        long sa = (long) g.m() * g.k(), sb = (long) g.k() * g.n(), sc = (long) g.m() * g.n();
        int na = (int) (g.batchedA() ? sa * g.batch() : sa), nb = (int) (g.batchedB() ? sb * g.batch() : sb);
        int nc = (int) (sc * g.batch());
        long t0 = System.nanoTime();
        FloatPointer pa = buffers.stage(A, a, 0, na);
        FloatPointer pb = buffers.stage(B, b, 0, nb);
        FloatPointer pc = beta == 0f ? buffers.get(C, nc) : buffers.stage(C, c, 0, nc);
        long t1 = System.nanoTime();
        run(g, alpha, pa, pb, beta, pc);
        long t2 = System.nanoTime();
        pc.get(c, 0, nc);
        time.stageNs += (t1 - t0) + (System.nanoTime() - t2);
        time.gemmNs += t2 - t1;
    }

    /** The same on native buffers already staged (position 0, batch entries contiguous), timed as GEMM. */
    void runNative(GemmShape g, float alpha, FloatPointer a, FloatPointer b, float beta, FloatPointer c) {
        long t0 = System.nanoTime();
        run(g, alpha, a, b, beta, c);
        time.gemmNs += System.nanoTime() - t0;
    }

    private static void run(GemmShape g, float alpha, FloatPointer a, FloatPointer b, float beta, FloatPointer c) {
        long sa = (long) g.m() * g.k(), sb = (long) g.k() * g.n(), sc = (long) g.m() * g.n();
        byte ta = (byte) (g.transA() ? 'T' : 'N'), tb = (byte) (g.transB() ? 'T' : 'N');
        long lda = g.transA() ? g.m() : g.k(), ldb = g.transB() ? g.k() : g.n();
        for (int e = 0; e < g.batch(); e++) {
            FloatPointer ae = g.batchedA() ? a.getPointer(e * sa) : a;
            FloatPointer be = g.batchedB() ? b.getPointer(e * sb) : b;
            Dnnl.check(dnnl_sgemm(ta, tb, g.m(), g.n(), g.k(), alpha, ae, lda, be, ldb, beta, c.getPointer(e * sc), g.n()),
                    "dnnl_sgemm(" + g.m() + "x" + g.n() + "x" + g.k() + ")");
        }
    }

    void close() {
        buffers.close();
    }
}
