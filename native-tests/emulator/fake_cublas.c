/*
 * fake_cublas.c -- a CPU stand-in for cuBLAS 13 (libcublas.so.13), for running sagan4j's native tests
 * (native-tests/java, JUnit tag `native`) on a machine without a GPU.
 *
 * It is one part of a CPU emulation of the CUDA stack: the fake driver (libcuda.so.1, driver*.c* beside
 * this file) hands out ordinary host memory from cuMemAlloc, so every "device pointer" that reaches this
 * library is a host address and is dereferenced directly. A GEMM runs before it returns, unless its
 * stream is capturing a CUDA graph: then it is recorded and runs when the graph is replayed (emu_capture.h).
 *
 * What sagan4j reaches through JCuda's libJCublas2 (relinked from libcublas.so.12 to libcublas.so.13 by
 * sagan4j.cuda.natives.CudaNatives, which needs the version node `libcublas.so.13`: see cublas.map):
 *   cublasCreate_v2, cublasSetStream_v2, cublasGetVersion_v2, cublasDestroy_v2   (gemm/CublasGemm.java)
 *   cublasGemmStridedBatchedEx                                                   (gemm/CublasGemm.java)
 *   cublasGetMathMode  (JCublas2's Java cublasGemmStridedBatchedEx(.., int computeType, ..) first calls
 *                       its private cublasMigrateComputeType, which asks for the math mode)
 *   cublasGetProperty  (natives/CudaNatives.java, for the report)
 * The rest are cheap companions (stream/math/pointer mode getters and setters, status strings, plain
 * Sgemm variants, vector/matrix copies) so that a new caller gets an answer instead of a
 * "symbol lookup error" that ends the JVM.
 *
 * Semantics are cuBLAS's: column-major, C = alpha * op(A) * op(B) + beta * C with op(X) = X or X^T,
 * FP32 data, accumulation in double (exact enough for every FP32 and TF32 tolerance), alpha and beta read
 * through their pointers (host or "device": both are host memory here), and when beta == 0 the old C is
 * never read (callers poison outputs with NaN, and NaN * 0 is NaN). Arguments are validated in cuBLAS's
 * order and with its status codes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "open_handles.h"
#include "emu_capture.h"
#include "tf32.h"

/* ------------------------------------------------------------------ types and constants of cublas_api.h */

typedef enum {
    CUBLAS_STATUS_SUCCESS = 0,
    CUBLAS_STATUS_NOT_INITIALIZED = 1,
    CUBLAS_STATUS_ALLOC_FAILED = 3,
    CUBLAS_STATUS_INVALID_VALUE = 7,
    CUBLAS_STATUS_ARCH_MISMATCH = 8,
    CUBLAS_STATUS_MAPPING_ERROR = 11,
    CUBLAS_STATUS_EXECUTION_FAILED = 13,
    CUBLAS_STATUS_INTERNAL_ERROR = 14,
    CUBLAS_STATUS_NOT_SUPPORTED = 15,
    CUBLAS_STATUS_LICENSE_ERROR = 16
} cublasStatus_t;

typedef enum { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1, CUBLAS_OP_C = 2, CUBLAS_OP_CONJG = 3 } cublasOperation_t;
typedef enum { CUBLAS_POINTER_MODE_HOST = 0, CUBLAS_POINTER_MODE_DEVICE = 1 } cublasPointerMode_t;
typedef enum { CUBLAS_ATOMICS_NOT_ALLOWED = 0, CUBLAS_ATOMICS_ALLOWED = 1 } cublasAtomicsMode_t;

/* cublasMath_t: a mode in the low bits, optionally or-ed with DISALLOW_REDUCED_PRECISION_REDUCTION. */
enum {
    CUBLAS_DEFAULT_MATH = 0,
    CUBLAS_TENSOR_OP_MATH = 1,
    CUBLAS_PEDANTIC_MATH = 2,
    CUBLAS_TF32_TENSOR_OP_MATH = 3,
    CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION = 16
};
typedef int cublasMath_t;

/* cublasComputeType_t */
enum {
    CUBLAS_COMPUTE_16F = 64,
    CUBLAS_COMPUTE_16F_PEDANTIC = 65,
    CUBLAS_COMPUTE_32F = 68,
    CUBLAS_COMPUTE_32F_PEDANTIC = 69,
    CUBLAS_COMPUTE_32F_FAST_16F = 74,
    CUBLAS_COMPUTE_32F_FAST_16BF = 75,
    CUBLAS_COMPUTE_32F_FAST_TF32 = 77,
    CUBLAS_COMPUTE_64F = 70,
    CUBLAS_COMPUTE_64F_PEDANTIC = 71,
    CUBLAS_COMPUTE_32I = 72,
    CUBLAS_COMPUTE_32I_PEDANTIC = 73
};
typedef int cublasComputeType_t;

/* cublasGemmAlgo_t: DEFAULT (-1), ALGO0..ALGO23, DEFAULT_TENSOR_OP (99), ALGO0_TENSOR_OP..ALGO15_TENSOR_OP. */
enum { CUBLAS_GEMM_DEFAULT = -1, CUBLAS_GEMM_ALGO23 = 23, CUBLAS_GEMM_DEFAULT_TENSOR_OP = 99,
       CUBLAS_GEMM_ALGO15_TENSOR_OP = 115 };
typedef int cublasGemmAlgo_t;

/* cudaDataType (library_types.h): only CUDA_R_32F is computed here. */
enum { CUDA_R_32F = 0 };
typedef int cudaDataType;

/* libraryPropertyType (library_types.h) */
typedef enum { MAJOR_VERSION = 0, MINOR_VERSION = 1, PATCH_LEVEL = 2 } libraryPropertyType;

typedef void *cudaStream_t;

/* The version this fake claims: cuBLAS 13.0.0 (cublasGetVersion: 13 * 10000 + 0 * 100 + 0), built for
 * CUDA runtime 13.0 (13000). */
#define FAKE_CUBLAS_MAJOR 13
#define FAKE_CUBLAS_MINOR 0
#define FAKE_CUBLAS_PATCH 0
#define FAKE_CUDART_VERSION 13000

/* ------------------------------------------------------------------ the handle */

#define HANDLE_MAGIC 0x43424c53u /* "CBLS": tells a live handle from a stray pointer */

struct cublasContext {
    uint32_t magic;
    cudaStream_t stream;      /* a GEMM on a capturing stream is recorded, else it runs at once */
    cublasPointerMode_t pointerMode;
    cublasAtomicsMode_t atomicsMode;
    cublasMath_t mathMode;
    int smCountTarget;
    void *workspace;          /* cublasSetWorkspace: remembered, never needed */
    size_t workspaceBytes;
};
typedef struct cublasContext *cublasHandle_t;

/* Handles created and destroyed (open_handles.h): reported at exit when any is left open. */
enum { H_CUBLAS };
static EmuHandleCount emu_handles[] = {{"cuBLAS handle", 0, 0}};
EMU_HANDLE_REPORT_AT_EXIT("libcublas.so.13")

static int live(cublasHandle_t h) {
    return h != NULL && h->magic == HANDLE_MAGIC;
}

cublasStatus_t cublasCreate_v2(cublasHandle_t *handle) {
    if (handle == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    struct cublasContext *h = calloc(1, sizeof *h);
    if (h == NULL) {
        *handle = NULL;
        return CUBLAS_STATUS_ALLOC_FAILED;
    }
    h->magic = HANDLE_MAGIC;
    h->pointerMode = CUBLAS_POINTER_MODE_HOST;
    h->atomicsMode = CUBLAS_ATOMICS_NOT_ALLOWED;
    h->mathMode = CUBLAS_DEFAULT_MATH;
    *handle = h;
    EMU_HANDLE_CREATED(H_CUBLAS);
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasDestroy_v2(cublasHandle_t handle) {
    if (!live(handle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    handle->magic = 0;
    free(handle);
    EMU_HANDLE_DESTROYED(H_CUBLAS);
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasGetVersion_v2(cublasHandle_t handle, int *version) {
    if (!live(handle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (version == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *version = FAKE_CUBLAS_MAJOR * 10000 + FAKE_CUBLAS_MINOR * 100 + FAKE_CUBLAS_PATCH;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasGetProperty(libraryPropertyType type, int *value) {
    if (value == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    switch (type) {
    case MAJOR_VERSION: *value = FAKE_CUBLAS_MAJOR; return CUBLAS_STATUS_SUCCESS;
    case MINOR_VERSION: *value = FAKE_CUBLAS_MINOR; return CUBLAS_STATUS_SUCCESS;
    case PATCH_LEVEL: *value = FAKE_CUBLAS_PATCH; return CUBLAS_STATUS_SUCCESS;
    default: return CUBLAS_STATUS_INVALID_VALUE;
    }
}

size_t cublasGetCudartVersion(void) {
    return FAKE_CUDART_VERSION;
}

cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t streamId) {
    if (!live(handle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    handle->stream = streamId;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasGetStream_v2(cublasHandle_t handle, cudaStream_t *streamId) {
    if (!live(handle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (streamId == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *streamId = handle->stream;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetWorkspace_v2(cublasHandle_t handle, void *workspace, size_t workspaceSizeInBytes) {
    if (!live(handle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (workspace == NULL && workspaceSizeInBytes > 0) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    handle->workspace = workspace;
    handle->workspaceBytes = workspaceSizeInBytes;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasGetPointerMode_v2(cublasHandle_t handle, cublasPointerMode_t *mode) {
    if (!live(handle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (mode == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *mode = handle->pointerMode;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetPointerMode_v2(cublasHandle_t handle, cublasPointerMode_t mode) {
    if (!live(handle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (mode != CUBLAS_POINTER_MODE_HOST && mode != CUBLAS_POINTER_MODE_DEVICE) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    handle->pointerMode = mode;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasGetAtomicsMode(cublasHandle_t handle, cublasAtomicsMode_t *mode) {
    if (!live(handle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (mode == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *mode = handle->atomicsMode;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetAtomicsMode(cublasHandle_t handle, cublasAtomicsMode_t mode) {
    if (!live(handle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (mode != CUBLAS_ATOMICS_NOT_ALLOWED && mode != CUBLAS_ATOMICS_ALLOWED) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    handle->atomicsMode = mode;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasGetMathMode(cublasHandle_t handle, cublasMath_t *mode) {
    if (!live(handle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (mode == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *mode = handle->mathMode;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode) {
    if (!live(handle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    int base = mode & ~CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION;
    if (base < CUBLAS_DEFAULT_MATH || base > CUBLAS_TF32_TENSOR_OP_MATH) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    handle->mathMode = mode;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasGetSmCountTarget(cublasHandle_t handle, int *smCountTarget) {
    if (!live(handle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (smCountTarget == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *smCountTarget = handle->smCountTarget;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetSmCountTarget(cublasHandle_t handle, int smCountTarget) {
    if (!live(handle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (smCountTarget < 0) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    handle->smCountTarget = smCountTarget;
    return CUBLAS_STATUS_SUCCESS;
}

const char *cublasGetStatusName(cublasStatus_t status) {
    switch (status) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
    }
    return "CUBLAS_STATUS_UNKNOWN";
}

const char *cublasGetStatusString(cublasStatus_t status) {
    switch (status) {
    case CUBLAS_STATUS_SUCCESS: return "success";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "the library was not initialized";
    case CUBLAS_STATUS_ALLOC_FAILED: return "the resource allocation failed";
    case CUBLAS_STATUS_INVALID_VALUE: return "an invalid numeric value was used as an argument";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "an absent device architectural feature is required";
    case CUBLAS_STATUS_MAPPING_ERROR: return "an access to GPU memory space failed";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "the GPU program failed to execute";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "an internal operation failed";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "the functionality requested is not supported";
    case CUBLAS_STATUS_LICENSE_ERROR: return "error detected trying to check the license";
    }
    return "unknown error";
}

cublasStatus_t cublasLoggerConfigure(int logIsOn, int logToStdOut, int logToStdErr, const char *logFileName) {
    (void)logIsOn, (void)logToStdOut, (void)logToStdErr, (void)logFileName;
    return CUBLAS_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ GEMM */

/* One strided-batched FP32 GEMM, arguments already validated. Column-major:
 *   op(A): m x k   (A is m x k, lda >= m, when transa == N; k x m, lda >= k, when T)
 *   op(B): k x n   (B is k x n, ldb >= k, when transb == N; n x k, ldb >= n, when T)
 *   C:     m x n   (ldc >= m)
 * Batch b uses A + b*strideA, B + b*strideB, C + b*strideC. */
static cublasStatus_t sgemm_batched(int transa, int transb, int m, int n, int k, float alpha,
                                    const float *A, int lda, long long strideA,
                                    const float *B, int ldb, long long strideB, float beta,
                                    float *C, int ldc, long long strideC, int batchCount) {
    if (m == 0 || n == 0 || batchCount == 0) {
        return CUBLAS_STATUS_SUCCESS;
    }
    /* alpha == 0 or k == 0: C = beta * C, and A and B are not read (reference BLAS semantics). */
    int product = alpha != 0.0f && k > 0;
    double *acc = malloc((size_t)m * sizeof *acc);    /* column j of op(A) * op(B) */
    double *bcol = malloc((size_t)(k > 0 ? k : 1) * sizeof *bcol); /* column j of op(B) */
    if (acc == NULL || bcol == NULL) {
        free(acc);
        free(bcol);
        return CUBLAS_STATUS_ALLOC_FAILED;
    }
    for (int b = 0; b < batchCount; b++) {
        const float *Ab = A + (ptrdiff_t)b * strideA;
        const float *Bb = B + (ptrdiff_t)b * strideB;
        float *Cb = C + (ptrdiff_t)b * strideC;
        for (int j = 0; j < n; j++) {
            if (product) {
                for (int l = 0; l < k; l++) {
                    bcol[l] = transb == CUBLAS_OP_N ? Bb[l + (ptrdiff_t)j * ldb] : Bb[j + (ptrdiff_t)l * ldb];
                }
                if (transa == CUBLAS_OP_N) {
                    /* acc += A(:, l) * bcol[l], column by column: contiguous in A. */
                    memset(acc, 0, (size_t)m * sizeof *acc);
                    for (int l = 0; l < k; l++) {
                        const float *col = Ab + (ptrdiff_t)l * lda;
                        double bl = bcol[l];
                        for (int i = 0; i < m; i++) {
                            acc[i] += (double)col[i] * bl;
                        }
                    }
                } else {
                    /* acc[i] = A(:, i) . bcol: row i of op(A) is column i of A, contiguous. Four partial
                     * sums so that the loop is not bound by the latency of one dependent chain. */
                    for (int i = 0; i < m; i++) {
                        const float *row = Ab + (ptrdiff_t)i * lda;
                        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                        int l = 0;
                        for (; l + 4 <= k; l += 4) {
                            s0 += (double)row[l] * bcol[l];
                            s1 += (double)row[l + 1] * bcol[l + 1];
                            s2 += (double)row[l + 2] * bcol[l + 2];
                            s3 += (double)row[l + 3] * bcol[l + 3];
                        }
                        for (; l < k; l++) {
                            s0 += (double)row[l] * bcol[l];
                        }
                        acc[i] = (s0 + s1) + (s2 + s3);
                    }
                }
            }
            float *c = Cb + (ptrdiff_t)j * ldc;
            for (int i = 0; i < m; i++) {
                double v = product ? (double)alpha * acc[i] : 0.0;
                if (beta != 0.0f) { /* beta == 0: the old C is not read */
                    v += (double)beta * c[i];
                }
                c[i] = (float)v;
            }
        }
    }
    free(acc);
    free(bcol);
    return CUBLAS_STATUS_SUCCESS;
}

static int valid_op(int op) {
    return op == CUBLAS_OP_N || op == CUBLAS_OP_T || op == CUBLAS_OP_C;
}

static int max1(int v) {
    return v > 1 ? v : 1;
}

/* The checks cuBLAS makes on a GEMM's shape; CUBLAS_OP_C is CUBLAS_OP_T for real data. */
static cublasStatus_t check_gemm(cublasHandle_t handle, int transa, int transb, int m, int n, int k, int lda,
                                 int ldb, int ldc, int batchCount) {
    if (!live(handle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (!valid_op(transa) || !valid_op(transb) || m < 0 || n < 0 || k < 0 || batchCount < 0) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (lda < max1(transa == CUBLAS_OP_N ? m : k) || ldb < max1(transb == CUBLAS_OP_N ? k : n) || ldc < max1(m)) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    return CUBLAS_STATUS_SUCCESS;
}

/* Reads alpha and beta and checks the pointers the product needs; CUBLAS_OP_C becomes CUBLAS_OP_T. */
static cublasStatus_t prepare(const void *alpha, const void *A, const void *B, const void *beta, const void *C,
                              int m, int n, int k, int batchCount, float *a, float *b) {
    if (alpha == NULL || beta == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *a = *(const float *)alpha;
    *b = *(const float *)beta;
    if (m > 0 && n > 0 && batchCount > 0) {
        if (C == NULL || (k > 0 && *a != 0.0f && (A == NULL || B == NULL))) {
            return CUBLAS_STATUS_INVALID_VALUE;
        }
    }
    return CUBLAS_STATUS_SUCCESS;
}

static int normalize_op(int op) {
    return op == CUBLAS_OP_N ? CUBLAS_OP_N : CUBLAS_OP_T;
}

/* The FP32 family of compute types for all-CUDA_R_32F operands. CUBLAS_COMPUTE_32F_FAST_TF32 rounds the
 * inputs to TF32 first, as tensor cores do (see tf32_copy); FAST_16F / FAST_16BF are computed in FP32 here,
 * within every tolerance they allow. */
static int fp32_compute(cublasComputeType_t computeType) {
    switch (computeType) {
    case CUBLAS_COMPUTE_32F:
    case CUBLAS_COMPUTE_32F_PEDANTIC:
    case CUBLAS_COMPUTE_32F_FAST_16F:
    case CUBLAS_COMPUTE_32F_FAST_16BF:
    case CUBLAS_COMPUTE_32F_FAST_TF32:
        return 1;
    default:
        return 0;
    }
}

/* A TF32-rounded copy of everything a strided batch of `rows` x `cols` column-major operands reaches
 * (batch b at b * stride, leading dimension ld); NULL when out of memory. */
static float *tf32_copy(const void *p, int rows, int cols, int ld, long long stride, int batch) {
    if (rows == 0 || cols == 0 || batch == 0) {
        return malloc(1);
    }
    size_t n = (size_t)(batch - 1) * (size_t)(stride > 0 ? stride : 0) + (size_t)(cols - 1) * ld + rows;
    float *out = malloc(n * sizeof *out);
    if (out != NULL) {
        for (size_t i = 0; i < n; i++) {
            out[i] = tf32_round(((const float *)p)[i]);
        }
    }
    return out;
}

static int valid_algo(cublasGemmAlgo_t algo) {
    return (algo >= CUBLAS_GEMM_DEFAULT && algo <= CUBLAS_GEMM_ALGO23)
           || (algo >= CUBLAS_GEMM_DEFAULT_TENSOR_OP && algo <= CUBLAS_GEMM_ALGO15_TENSOR_OP);
}

/* A validated GEMM with its scalars read: what a capture records and a replay runs. */
struct gemm_call {
    int opA, opB, m, n, k;
    float alpha, beta;
    const float *A;
    int lda;
    long long strideA;
    const float *B;
    int ldb;
    long long strideB;
    float *C;
    int ldc;
    long long strideC;
    int batchCount, tf32;
};

static cublasStatus_t gemm_run(const struct gemm_call *g) {
    if (!g->tf32 || g->alpha == 0.0f || g->k == 0) {
        return sgemm_batched(g->opA, g->opB, g->m, g->n, g->k, g->alpha, g->A, g->lda, g->strideA, g->B, g->ldb,
                             g->strideB, g->beta, g->C, g->ldc, g->strideC, g->batchCount);
    }
    float *ta = tf32_copy(g->A, g->opA == CUBLAS_OP_N ? g->m : g->k, g->opA == CUBLAS_OP_N ? g->k : g->m, g->lda,
                          g->strideA, g->batchCount);
    float *tb = tf32_copy(g->B, g->opB == CUBLAS_OP_N ? g->k : g->n, g->opB == CUBLAS_OP_N ? g->n : g->k, g->ldb,
                          g->strideB, g->batchCount);
    cublasStatus_t st = ta == NULL || tb == NULL
                            ? CUBLAS_STATUS_ALLOC_FAILED
                            : sgemm_batched(g->opA, g->opB, g->m, g->n, g->k, g->alpha, ta, g->lda, g->strideA, tb,
                                            g->ldb, g->strideB, g->beta, g->C, g->ldc, g->strideC, g->batchCount);
    free(ta);
    free(tb);
    return st;
}

static int gemm_node(void *call) {
    return (int)gemm_run(call);
}

static cublasStatus_t gemm_ex(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m,
                              int n, int k, const void *alpha, const void *A, cudaDataType Atype, int lda,
                              long long strideA, const void *B, cudaDataType Btype, int ldb, long long strideB,
                              const void *beta, void *C, cudaDataType Ctype, int ldc, long long strideC,
                              int batchCount, cublasComputeType_t computeType, cublasGemmAlgo_t algo) {
    cublasStatus_t st = check_gemm(handle, transa, transb, m, n, k, lda, ldb, ldc, batchCount);
    if (st != CUBLAS_STATUS_SUCCESS) {
        return st;
    }
    if (Atype != CUDA_R_32F || Btype != CUDA_R_32F || Ctype != CUDA_R_32F || !fp32_compute(computeType)
        || !valid_algo(algo)) {
        return CUBLAS_STATUS_NOT_SUPPORTED; /* this fake computes FP32 only */
    }
    float a, b;
    st = prepare(alpha, A, B, beta, C, m, n, k, batchCount, &a, &b);
    if (st != CUBLAS_STATUS_SUCCESS) {
        return st;
    }
    struct gemm_call call = {normalize_op(transa), normalize_op(transb), m, n, k, a, b, A, lda, strideA, B, ldb, strideB,
                             C, ldc, strideC, batchCount, computeType == CUBLAS_COMPUTE_32F_FAST_TF32};
    switch (emu_capture_call(handle->stream, gemm_node, &call, sizeof call, "cublasGemmStridedBatchedEx")) {
    case EMU_RECORDED:
        return CUBLAS_STATUS_SUCCESS;
    case EMU_INVALIDATED:
        return CUBLAS_STATUS_EXECUTION_FAILED; /* the kernel launch on an invalidated capture fails */
    case EMU_NO_MEMORY:
        return CUBLAS_STATUS_ALLOC_FAILED;
    default:
        return gemm_run(&call);
    }
}

cublasStatus_t cublasGemmStridedBatchedEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                                          int m, int n, int k, const void *alpha,
                                          const void *A, cudaDataType Atype, int lda, long long strideA,
                                          const void *B, cudaDataType Btype, int ldb, long long strideB,
                                          const void *beta, void *C, cudaDataType Ctype, int ldc, long long strideC,
                                          int batchCount, cublasComputeType_t computeType, cublasGemmAlgo_t algo) {
    return gemm_ex(handle, transa, transb, m, n, k, alpha, A, Atype, lda, strideA, B, Btype, ldb, strideB, beta, C,
                   Ctype, ldc, strideC, batchCount, computeType, algo);
}

cublasStatus_t cublasGemmEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n,
                            int k, const void *alpha, const void *A, cudaDataType Atype, int lda, const void *B,
                            cudaDataType Btype, int ldb, const void *beta, void *C, cudaDataType Ctype, int ldc,
                            cublasComputeType_t computeType, cublasGemmAlgo_t algo) {
    return gemm_ex(handle, transa, transb, m, n, k, alpha, A, Atype, lda, 0, B, Btype, ldb, 0, beta, C, Ctype, ldc,
                   0, 1, computeType, algo);
}

cublasStatus_t cublasSgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n,
                              int k, const float *alpha, const float *A, int lda, const float *B, int ldb,
                              const float *beta, float *C, int ldc) {
    return gemm_ex(handle, transa, transb, m, n, k, alpha, A, CUDA_R_32F, lda, 0, B, CUDA_R_32F, ldb, 0, beta, C,
                   CUDA_R_32F, ldc, 0, 1, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
}

cublasStatus_t cublasSgemmStridedBatched(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                                         int m, int n, int k, const float *alpha, const float *A, int lda,
                                         long long strideA, const float *B, int ldb, long long strideB,
                                         const float *beta, float *C, int ldc, long long strideC, int batchCount) {
    return gemm_ex(handle, transa, transb, m, n, k, alpha, A, CUDA_R_32F, lda, strideA, B, CUDA_R_32F, ldb, strideB,
                   beta, C, CUDA_R_32F, ldc, strideC, batchCount, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
}

/* ------------------------------------------------------------------ host <-> "device" copies */

/* y[i * incy] = x[i * incx] for n elements of elemSize bytes (both sides are host memory here). */
static cublasStatus_t copy_vector(int n, int elemSize, const void *x, int incx, void *y, int incy) {
    if (n < 0 || elemSize <= 0 || incx == 0 || incy == 0) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (n > 0 && (x == NULL || y == NULL)) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    for (int i = 0; i < n; i++) {
        memcpy((char *)y + (ptrdiff_t)i * incy * elemSize, (const char *)x + (ptrdiff_t)i * incx * elemSize,
               (size_t)elemSize);
    }
    return CUBLAS_STATUS_SUCCESS;
}

/* B(:, j) = A(:, j) for a rows x cols column-major block. */
static cublasStatus_t copy_matrix(int rows, int cols, int elemSize, const void *A, int lda, void *B, int ldb) {
    if (rows < 0 || cols < 0 || elemSize <= 0 || lda <= 0 || ldb <= 0 || lda < rows || ldb < rows) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (rows > 0 && cols > 0 && (A == NULL || B == NULL)) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    for (int j = 0; j < cols; j++) {
        memcpy((char *)B + (ptrdiff_t)j * ldb * elemSize, (const char *)A + (ptrdiff_t)j * lda * elemSize,
               (size_t)rows * (size_t)elemSize);
    }
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetVector(int n, int elemSize, const void *x, int incx, void *devicePtr, int incy) {
    return copy_vector(n, elemSize, x, incx, devicePtr, incy);
}

cublasStatus_t cublasGetVector(int n, int elemSize, const void *x, int incx, void *y, int incy) {
    return copy_vector(n, elemSize, x, incx, y, incy);
}

cublasStatus_t cublasSetVectorAsync(int n, int elemSize, const void *hostPtr, int incx, void *devicePtr, int incy,
                                    cudaStream_t stream) {
    (void)stream;
    return copy_vector(n, elemSize, hostPtr, incx, devicePtr, incy);
}

cublasStatus_t cublasGetVectorAsync(int n, int elemSize, const void *devicePtr, int incx, void *hostPtr, int incy,
                                    cudaStream_t stream) {
    (void)stream;
    return copy_vector(n, elemSize, devicePtr, incx, hostPtr, incy);
}

cublasStatus_t cublasSetMatrix(int rows, int cols, int elemSize, const void *A, int lda, void *B, int ldb) {
    return copy_matrix(rows, cols, elemSize, A, lda, B, ldb);
}

cublasStatus_t cublasGetMatrix(int rows, int cols, int elemSize, const void *A, int lda, void *B, int ldb) {
    return copy_matrix(rows, cols, elemSize, A, lda, B, ldb);
}

cublasStatus_t cublasSetMatrixAsync(int rows, int cols, int elemSize, const void *A, int lda, void *B, int ldb,
                                    cudaStream_t stream) {
    (void)stream;
    return copy_matrix(rows, cols, elemSize, A, lda, B, ldb);
}

cublasStatus_t cublasGetMatrixAsync(int rows, int cols, int elemSize, const void *A, int lda, void *B, int ldb,
                                    cudaStream_t stream) {
    (void)stream;
    return copy_matrix(rows, cols, elemSize, A, lda, B, ldb);
}
