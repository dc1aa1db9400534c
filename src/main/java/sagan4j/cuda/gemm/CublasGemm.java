package sagan4j.cuda.gemm;

import static jcuda.jcublas.JCublas2.cublasCreate;
import static jcuda.jcublas.JCublas2.cublasDestroy;
import static jcuda.jcublas.JCublas2.cublasGemmStridedBatchedEx_new;
import static jcuda.jcublas.JCublas2.cublasGetVersion;
import static jcuda.jcublas.JCublas2.cublasSetStream;

import jcuda.Pointer;
import jcuda.cudaDataType;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.jcublas.cublasComputeType;
import jcuda.jcublas.cublasGemmAlgo;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasStatus;
import jcuda.runtime.cudaStream_t;
import sagan4j.backend.Backend.GemmShape;
import sagan4j.backend.GemmMath;
import sagan4j.cuda.runtime.DeviceCounters;

/**
 * GEMM through cuBLAS ({@code cublasGemmStridedBatchedEx}). cuBLAS is column-major; a row-major C = op(A)·op(B)
 * is the column-major Cᵀ = op(B)ᵀ·op(A)ᵀ, so the operands are passed swapped with their row-major
 * leading dimensions and no data moves. FP32 uses CUBLAS_COMPUTE_32F; TF32 uses
 * CUBLAS_COMPUTE_32F_FAST_TF32 (tensor cores, inputs rounded to TF32).
 *
 * <p>The call is JCublas2's {@code cublasGemmStridedBatchedEx_new}, which passes a {@code cublasComputeType_t}
 * through. The plain {@code cublasGemmStridedBatchedEx} of JCublas2 12.6 takes a legacy {@code cudaDataType}
 * there and "migrates" it; given 68 or 77 it returns CUBLAS_STATUS_NOT_SUPPORTED without calling cuBLAS and
 * without throwing, even with exceptions enabled (found by the CPU emulator of native-tests/emulator, whose
 * fake cuBLAS reproduces the JNI path). So the status is also checked here.
 */
public final class CublasGemm implements GemmPath {
    /**
     * The cuBLAS functions this path calls. JCuda binds lazily, so calling one the installed cuBLAS lacks
     * would end the process; the backend checks this list against what the loader found missing.
     */
    public static final java.util.List<String> REQUIRED_SYMBOLS = java.util.List.of("cublasCreate_v2",
            "cublasSetStream_v2", "cublasGetVersion_v2", "cublasGemmStridedBatchedEx", "cublasDestroy_v2");

    /** Throws unless {@code status} is CUBLAS_STATUS_SUCCESS, naming the call. */
    static void check(int status, String call) {
        if (status != cublasStatus.CUBLAS_STATUS_SUCCESS) {
            throw new jcuda.CudaException(call + " failed: " + cublasStatus.stringFor(status));
        }
    }

    private final cublasHandle handle = new cublasHandle();
    private final int version;

    /** Creates a cuBLAS handle bound to {@code stream} in the current context. */
    public CublasGemm(CUstream stream) {
        cublasCreate(handle);
        cublasSetStream(handle, new cudaStream_t(stream));
        int[] v = {0};
        cublasGetVersion(handle, v);
        version = v[0];
    }

    @Override
    public String name() {
        return "cublas";
    }

    /** cuBLAS version as "13.0.2". */
    public String version() {
        return version / 10000 + "." + (version % 10000) / 100 + "." + version % 100;
    }

    @Override
    public String describe() {
        return "cuBLAS " + version() + " (cublasGemmStridedBatchedEx; FP32 or TF32 tensor cores)";
    }

    /**
     * The column-major cuBLAS call that computes a row-major GEMM: C_rm = op(A)·op(B) is the column-major
     * Cᵀ = op(B)ᵀ·op(A)ᵀ, so cuBLAS's first operand is our B and its second our A, each with its row-major
     * leading dimension, and cuBLAS's m×n output is N×M with leading dimension N.
     */
    record ColumnMajorCall(int opFirst, int opSecond, int m, int n, int k, int ldFirst, long strideFirst,
                           int ldSecond, long strideSecond, int ldc, long strideC, int batch) {
        static ColumnMajorCall of(GemmShape g) {
            return new ColumnMajorCall(
                    g.transB() ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                    g.transA() ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                    g.n(), g.m(), g.k(),
                    GemmPath.ldb(g), GemmPath.strideB(g),
                    GemmPath.lda(g), GemmPath.strideA(g),
                    g.n(), GemmPath.strideC(g), g.batch());
        }
    }

    @Override
    public void gemm(GemmShape g, float alpha, CUdeviceptr a, CUdeviceptr b, float beta, CUdeviceptr c, GemmMath math) {
        int compute = math == GemmMath.TF32 ? cublasComputeType.CUBLAS_COMPUTE_32F_FAST_TF32
                : cublasComputeType.CUBLAS_COMPUTE_32F;
        ColumnMajorCall call = ColumnMajorCall.of(g);
        int status = cublasGemmStridedBatchedEx_new(handle, call.opFirst(), call.opSecond(), call.m(), call.n(), call.k(),
                Pointer.to(new float[] {alpha}),
                b, cudaDataType.CUDA_R_32F, call.ldFirst(), call.strideFirst(),
                a, cudaDataType.CUDA_R_32F, call.ldSecond(), call.strideSecond(),
                Pointer.to(new float[] {beta}),
                c, cudaDataType.CUDA_R_32F, call.ldc(), call.strideC(),
                call.batch(), compute, cublasGemmAlgo.CUBLAS_GEMM_DEFAULT);
        check(status, "cublasGemmStridedBatchedEx (" + g + ", " + math + ")");
        DeviceCounters.libraryCall();
    }

    @Override
    public void close() {
        cublasDestroy(handle);
    }
}
