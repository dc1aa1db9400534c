package sagan4j.cuda.gemm;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import sagan4j.backend.Backend.GemmShape;
import sagan4j.backend.GemmMath;
import sagan4j.cuda.runtime.KernelArgs;
import sagan4j.cuda.runtime.KernelLibrary;

/**
 * The fallback GEMM: sagan4j's own shared-memory tiled SGEMM ({@code kernels/gemm.cu}, kernel
 * {@code sgemm_tiled}), used when cuBLAS cannot be loaded. Always FP32; 64×64 output tiles, 16×16
 * threads, batch on grid z (split into launches of at most 65535 entries).
 */
public final class TiledGemm implements GemmPath {
    private static final int TILE = 64;
    private static final int MAX_GRID_Z = 65535;

    private final KernelLibrary kernels;
    private final CUstream stream;

    public TiledGemm(KernelLibrary kernels, CUstream stream) {
        this.kernels = kernels;
        this.stream = stream;
    }

    @Override
    public String name() {
        return "tiled";
    }

    @Override
    public String describe() {
        return "sagan4j sgemm_tiled (kernels/gemm.cu, FP32 only; the fallback when cuBLAS cannot load)";
    }

    @Override
    public void gemm(GemmShape g, float alpha, CUdeviceptr a, CUdeviceptr b, float beta, CUdeviceptr c, GemmMath math) {
        int gx = (g.n() + TILE - 1) / TILE, gy = (g.m() + TILE - 1) / TILE;
        for (int first = 0; first < g.batch(); first += MAX_GRID_Z) {
            int count = Math.min(MAX_GRID_Z, g.batch() - first);
            KernelArgs args = KernelArgs.of()
                    .i32(g.transA() ? 1 : 0).i32(g.transB() ? 1 : 0)
                    .i32(g.m()).i32(g.n()).i32(g.k()).f32(alpha)
                    .ptr(offset(a, first * GemmPath.strideA(g))).i32(GemmPath.lda(g)).i64(GemmPath.strideA(g))
                    .ptr(offset(b, first * GemmPath.strideB(g))).i32(GemmPath.ldb(g)).i64(GemmPath.strideB(g))
                    .f32(beta)
                    .ptr(offset(c, first * GemmPath.strideC(g))).i32(g.n()).i64(GemmPath.strideC(g));
            kernels.launch("sgemm_tiled", gx, gy, count, 16, 16, 1, 0, stream, args);
        }
    }

    private static CUdeviceptr offset(CUdeviceptr p, long elements) {
        return elements == 0 ? p : p.withByteOffset(elements * Float.BYTES);
    }

    @Override
    public void close() {
        // Owns nothing: the kernels belong to the backend's KernelLibrary.
    }
}
