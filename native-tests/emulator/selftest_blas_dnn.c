/*
 * selftest_blas_dnn.c -- standalone checks of the CPU fakes of cuBLAS 13 and cuDNN 9 (fake_cublas.c,
 * fake_cudnn.c) that the native-test emulator uses in place of the GPU libraries. Built and run by
 * `build_blas_dnn.sh --test DIR`; exit status 0 when every check passed.
 *
 * Every expected value comes from code that shares nothing with the fakes: naive loops in double with
 * explicit bounds checks, a few convolutions worked out by hand, and the adjoint identities
 *   <conv(x, w), dy> == <x, bwdData(dy, w)> == <w, bwdFilter(x, dy)>.
 * Outputs are poisoned with NaN before calls with beta == 0, and padding/gaps around outputs are filled
 * with a sentinel that must survive, so reading a beta == 0 output or writing outside it is caught.
 * Prototypes are declared here (no CUDA headers needed); pointers are host memory, as in the emulator.
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------ the APIs under test */

typedef struct cublasContext *cublasHandle_t;
enum { CUBLAS_STATUS_SUCCESS = 0, CUBLAS_STATUS_NOT_INITIALIZED = 1, CUBLAS_STATUS_INVALID_VALUE = 7,
       CUBLAS_STATUS_NOT_SUPPORTED = 15 };
enum { OP_N = 0, OP_T = 1, OP_C = 2 };
enum { CUDA_R_32F = 0, CUDA_R_64F = 1 };
enum { COMPUTE_32F = 68, COMPUTE_64F = 70, COMPUTE_32F_FAST_TF32 = 77 };
enum { GEMM_DEFAULT = -1 };

int cublasCreate_v2(cublasHandle_t *handle);
int cublasDestroy_v2(cublasHandle_t handle);
int cublasGetVersion_v2(cublasHandle_t handle, int *version);
int cublasGetProperty(int type, int *value);
size_t cublasGetCudartVersion(void);
int cublasSetStream_v2(cublasHandle_t handle, void *stream);
int cublasGetStream_v2(cublasHandle_t handle, void **stream);
int cublasSetMathMode(cublasHandle_t handle, int mode);
int cublasGetMathMode(cublasHandle_t handle, int *mode);
const char *cublasGetStatusName(int status);
const char *cublasGetStatusString(int status);
int cublasGemmStridedBatchedEx(cublasHandle_t handle, int transa, int transb, int m, int n, int k, const void *alpha,
                               const void *A, int Atype, int lda, long long strideA, const void *B, int Btype, int ldb,
                               long long strideB, const void *beta, void *C, int Ctype, int ldc, long long strideC,
                               int batchCount, int computeType, int algo);
int cublasGemmEx(cublasHandle_t handle, int transa, int transb, int m, int n, int k, const void *alpha, const void *A,
                 int Atype, int lda, const void *B, int Btype, int ldb, const void *beta, void *C, int Ctype, int ldc,
                 int computeType, int algo);
int cublasSgemm_v2(cublasHandle_t handle, int transa, int transb, int m, int n, int k, const float *alpha,
                   const float *A, int lda, const float *B, int ldb, const float *beta, float *C, int ldc);

typedef struct cudnnContext *cudnnHandle_t;
typedef struct cudnnTensorStruct *cudnnTensorDescriptor_t;
typedef struct cudnnFilterStruct *cudnnFilterDescriptor_t;
typedef struct cudnnConvolutionStruct *cudnnConvolutionDescriptor_t;
enum { CUDNN_STATUS_SUCCESS = 0, CUDNN_STATUS_BAD_PARAM = 2000, CUDNN_STATUS_NOT_SUPPORTED = 3000 };
enum { DATA_FLOAT = 0, DATA_DOUBLE = 1 };
enum { NCHW = 0, NHWC = 1 };
enum { CONVOLUTION = 0, CROSS_CORRELATION = 1 };
enum { NON_DETERMINISTIC = 0, DETERMINISTIC = 1 };
enum { FMA_MATH = 3 };

/* cudnnConvolution{Fwd,BwdData,BwdFilter}AlgoPerf_t of cuDNN 9 */
typedef struct {
    int algo;
    int status;
    float time;
    size_t memory;
    int determinism;
    int mathType;
    int reserved[3];
} AlgoPerf;
_Static_assert(sizeof(AlgoPerf) == 48, "cuDNN 9 perf struct is 48 bytes");

size_t cudnnGetVersion(void);
size_t cudnnGetCudartVersion(void);
int cudnnGetProperty(int type, int *value);
const char *cudnnGetErrorString(int status);
int cudnnCreate(cudnnHandle_t *handle);
int cudnnDestroy(cudnnHandle_t handle);
int cudnnSetStream(cudnnHandle_t handle, void *stream);
int cudnnGetStream(cudnnHandle_t handle, void **stream);
int cudnnCreateTensorDescriptor(cudnnTensorDescriptor_t *d);
int cudnnDestroyTensorDescriptor(cudnnTensorDescriptor_t d);
int cudnnSetTensor4dDescriptor(cudnnTensorDescriptor_t d, int format, int dataType, int n, int c, int h, int w);
int cudnnSetTensor4dDescriptorEx(cudnnTensorDescriptor_t d, int dataType, int n, int c, int h, int w, int ns, int cs,
                                 int hs, int ws);
int cudnnCreateFilterDescriptor(cudnnFilterDescriptor_t *d);
int cudnnDestroyFilterDescriptor(cudnnFilterDescriptor_t d);
int cudnnSetFilter4dDescriptor(cudnnFilterDescriptor_t d, int dataType, int format, int k, int c, int h, int w);
int cudnnCreateConvolutionDescriptor(cudnnConvolutionDescriptor_t *d);
int cudnnDestroyConvolutionDescriptor(cudnnConvolutionDescriptor_t d);
int cudnnSetConvolution2dDescriptor(cudnnConvolutionDescriptor_t d, int pad_h, int pad_w, int u, int v, int dil_h,
                                    int dil_w, int mode, int computeType);
int cudnnSetConvolutionMathType(cudnnConvolutionDescriptor_t d, int mathType);
int cudnnGetConvolution2dForwardOutputDim(cudnnConvolutionDescriptor_t conv, cudnnTensorDescriptor_t x,
                                          cudnnFilterDescriptor_t w, int *n, int *c, int *h, int *wo);
int cudnnGetConvolutionForwardAlgorithm_v7(cudnnHandle_t h, cudnnTensorDescriptor_t x, cudnnFilterDescriptor_t w,
                                           cudnnConvolutionDescriptor_t conv, cudnnTensorDescriptor_t y, int requested,
                                           int *returned, AlgoPerf *perf);
int cudnnGetConvolutionBackwardDataAlgorithm_v7(cudnnHandle_t h, cudnnFilterDescriptor_t w, cudnnTensorDescriptor_t dy,
                                                cudnnConvolutionDescriptor_t conv, cudnnTensorDescriptor_t dx,
                                                int requested, int *returned, AlgoPerf *perf);
int cudnnGetConvolutionBackwardFilterAlgorithm_v7(cudnnHandle_t h, cudnnTensorDescriptor_t x,
                                                  cudnnTensorDescriptor_t dy, cudnnConvolutionDescriptor_t conv,
                                                  cudnnFilterDescriptor_t dw, int requested, int *returned,
                                                  AlgoPerf *perf);
int cudnnGetConvolutionForwardWorkspaceSize(cudnnHandle_t h, cudnnTensorDescriptor_t x, cudnnFilterDescriptor_t w,
                                            cudnnConvolutionDescriptor_t conv, cudnnTensorDescriptor_t y, int algo,
                                            size_t *bytes);
int cudnnConvolutionForward(cudnnHandle_t h, const void *alpha, cudnnTensorDescriptor_t xd, const void *x,
                            cudnnFilterDescriptor_t wd, const void *w, cudnnConvolutionDescriptor_t conv, int algo,
                            void *ws, size_t wsBytes, const void *beta, cudnnTensorDescriptor_t yd, void *y);
int cudnnConvolutionBackwardData(cudnnHandle_t h, const void *alpha, cudnnFilterDescriptor_t wd, const void *w,
                                 cudnnTensorDescriptor_t dyd, const void *dy, cudnnConvolutionDescriptor_t conv,
                                 int algo, void *ws, size_t wsBytes, const void *beta, cudnnTensorDescriptor_t dxd,
                                 void *dx);
int cudnnConvolutionBackwardFilter(cudnnHandle_t h, const void *alpha, cudnnTensorDescriptor_t xd, const void *x,
                                   cudnnTensorDescriptor_t dyd, const void *dy, cudnnConvolutionDescriptor_t conv,
                                   int algo, void *ws, size_t wsBytes, const void *beta, cudnnFilterDescriptor_t dwd,
                                   void *dw);
int cudnnConvolutionBackwardBias(cudnnHandle_t h, const void *alpha, cudnnTensorDescriptor_t dyd, const void *dy,
                                 const void *beta, cudnnTensorDescriptor_t dbd, void *db);

/* ------------------------------------------------------------------ harness */

static int checks, failures;

#define CHECK(cond, ...)                                                                                             \
    do {                                                                                                             \
        checks++;                                                                                                    \
        if (!(cond)) {                                                                                               \
            failures++;                                                                                              \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                                              \
            printf(__VA_ARGS__);                                                                                     \
            printf("\n");                                                                                            \
        }                                                                                                            \
    } while (0)

#define EXPECT_STATUS(call, want)                                                                                    \
    do {                                                                                                             \
        int got_ = (call);                                                                                           \
        CHECK(got_ == (want), "%s returned %d, expected %d", #call, got_, (int)(want));                              \
    } while (0)

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static float uniform(void) { /* in [-1, 1), never exactly 0 */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    float v = (float)((rng_state >> 40) / (double)(1ull << 24)) * 2.0f - 1.0f;
    return v == 0.0f ? 0.5f : v;
}

static float *alloc_fill(size_t n, float value) {
    float *p = malloc((n > 0 ? n : 1) * sizeof *p);
    if (p == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    for (size_t i = 0; i < n; i++) {
        p[i] = value;
    }
    return p;
}

/* |got - want| within FP32 rounding of the result, plus double-accumulation noise relative to sum |terms|. */
static int close_to(double got, double want, double absSum) {
    return fabs(got - want) <= 1.2e-7 * fabs(want) + 1e-9 * absSum + 1e-30;
}

static const float SENTINEL = -777.0f;

/* ------------------------------------------------------------------ cuBLAS */

/* One strided-batched GEMM against a naive double loop. Column-major op(A) m x k, op(B) k x n, C m x n.
 * A and B are NaN outside their logical elements (reading padding poisons the result); C's padding and the
 * gaps between batches hold SENTINEL, which must survive; with beta == 0, C's elements start as NaN. */
static void gemm_case(cublasHandle_t h, int opA, int opB, int m, int n, int k, int batch, float alpha, float beta,
                      int compute) {
    int tA = opA != OP_N, tB = opB != OP_N;
    int rowsA = tA ? k : m, colsA = tA ? m : k, rowsB = tB ? n : k, colsB = tB ? k : n;
    int lda = (rowsA > 0 ? rowsA : 1) + 3, ldb = (rowsB > 0 ? rowsB : 1) + 2, ldc = (m > 0 ? m : 1) + 1;
    long long sA = (long long)lda * colsA + 5, sB = (long long)ldb * colsB + 7, sC = (long long)ldc * n + 4;
    float *A = alloc_fill((size_t)(sA * batch), NAN), *B = alloc_fill((size_t)(sB * batch), NAN);
    float *C = alloc_fill((size_t)(sC * batch), SENTINEL), *C0 = NULL;
    for (int b = 0; b < batch; b++) {
        for (int j = 0; j < colsA; j++)
            for (int i = 0; i < rowsA; i++) A[b * sA + (long long)j * lda + i] = uniform();
        for (int j = 0; j < colsB; j++)
            for (int i = 0; i < rowsB; i++) B[b * sB + (long long)j * ldb + i] = uniform();
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++) C[b * sC + (long long)j * ldc + i] = beta == 0.0f ? NAN : uniform();
    }
    C0 = alloc_fill((size_t)(sC * batch), 0);
    memcpy(C0, C, (size_t)(sC * batch) * sizeof *C);

    int st = cublasGemmStridedBatchedEx(h, opA, opB, m, n, k, &alpha, A, CUDA_R_32F, lda, sA, B, CUDA_R_32F, ldb, sB,
                                        &beta, C, CUDA_R_32F, ldc, sC, batch, compute, GEMM_DEFAULT);
    CHECK(st == CUBLAS_STATUS_SUCCESS, "gemm op %d/%d %dx%dx%d batch %d: status %d", opA, opB, m, n, k, batch, st);

    int bad = 0, badSentinel = 0;
    for (int b = 0; b < batch; b++) {
        for (long long e = 0; e < sC; e++) {
            long long j = e / ldc, i = e % ldc;
            float got = C[b * sC + e];
            if (j >= n || i >= m) { /* padding or gap */
                badSentinel += got != SENTINEL;
                continue;
            }
            double want = 0, absSum = 0;
            for (int l = 0; l < k; l++) {
                double a = tA ? A[b * sA + i * lda + l] : A[b * sA + (long long)l * lda + i];
                double bb = tB ? B[b * sB + (long long)l * ldb + j] : B[b * sB + j * ldb + l];
                want += a * bb;
                absSum += fabs(a * bb);
            }
            want *= alpha;
            absSum *= fabs(alpha);
            if (beta != 0.0f) {
                want += (double)beta * C0[b * sC + e];
                absSum += fabs((double)beta * C0[b * sC + e]);
            }
            /* TF32 rounds each input to 11 significant bits: |error| <= ~2^-10 of the absolute sum */
            int ok = compute == COMPUTE_32F_FAST_TF32 ? fabs(got - want) <= 1.1e-3 * absSum + 1e-30
                                                      : close_to(got, want, absSum);
            if (!ok) {
                if (bad++ < 3) printf("  C[b=%d,i=%lld,j=%lld] = %.9g, expected %.9g\n", b, i, j, got, want);
            }
        }
    }
    CHECK(bad == 0, "gemm op %d/%d %dx%dx%d batch %d beta %g compute %d: %d wrong elements", opA, opB, m, n, k, batch,
          beta, compute, bad);
    CHECK(badSentinel == 0, "gemm op %d/%d %dx%dx%d: %d writes outside C's elements", opA, opB, m, n, k, badSentinel);
    free(A), free(B), free(C), free(C0);
}

static void test_cublas(void) {
    cublasHandle_t h = NULL;
    EXPECT_STATUS(cublasCreate_v2(&h), CUBLAS_STATUS_SUCCESS);
    int v = 0;
    EXPECT_STATUS(cublasGetVersion_v2(h, &v), CUBLAS_STATUS_SUCCESS);
    CHECK(v / 10000 == 13 && v >= 130000 && v < 140000, "cublasGetVersion: %d, expected 13xxyy", v);
    int major = -1, minor = -1, patch = -1;
    EXPECT_STATUS(cublasGetProperty(0, &major), CUBLAS_STATUS_SUCCESS);
    EXPECT_STATUS(cublasGetProperty(1, &minor), CUBLAS_STATUS_SUCCESS);
    EXPECT_STATUS(cublasGetProperty(2, &patch), CUBLAS_STATUS_SUCCESS);
    CHECK(major * 10000 + minor * 100 + patch == v, "properties %d.%d.%d vs version %d", major, minor, patch, v);
    EXPECT_STATUS(cublasGetProperty(3, &major), CUBLAS_STATUS_INVALID_VALUE);
    CHECK(cublasGetCudartVersion() == 13000, "cublasGetCudartVersion %zu", cublasGetCudartVersion());
    void *stream = (void *)0x1234, *got = NULL;
    EXPECT_STATUS(cublasSetStream_v2(h, stream), CUBLAS_STATUS_SUCCESS);
    EXPECT_STATUS(cublasGetStream_v2(h, &got), CUBLAS_STATUS_SUCCESS);
    CHECK(got == stream, "cublasGetStream gave %p", got);
    int mode = -1;
    EXPECT_STATUS(cublasGetMathMode(h, &mode), CUBLAS_STATUS_SUCCESS);
    CHECK(mode == 0, "default math mode %d", mode);
    EXPECT_STATUS(cublasSetMathMode(h, 3), CUBLAS_STATUS_SUCCESS);
    EXPECT_STATUS(cublasGetMathMode(h, &mode), CUBLAS_STATUS_SUCCESS);
    CHECK(mode == 3, "math mode after set 3: %d", mode);
    EXPECT_STATUS(cublasSetMathMode(h, 7), CUBLAS_STATUS_INVALID_VALUE);
    EXPECT_STATUS(cublasSetMathMode(h, 0), CUBLAS_STATUS_SUCCESS);
    CHECK(strcmp(cublasGetStatusName(15), "CUBLAS_STATUS_NOT_SUPPORTED") == 0, "status name");
    CHECK(cublasGetStatusString(7) != NULL, "status string");

    /* every op combination, odd sizes, padded leading dimensions, strided batches, beta 0 (NaN C) and not */
    static const int sizes[][4] = {{7, 5, 3, 3}, {1, 9, 4, 2}, {13, 1, 17, 1}, {33, 29, 31, 2}, {5, 6, 0, 2},
                                   {1, 1, 1, 1}, {64, 48, 40, 3}};
    static const int ops[][2] = {{OP_N, OP_N}, {OP_N, OP_T}, {OP_T, OP_N}, {OP_T, OP_T}, {OP_C, OP_N}};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        for (size_t o = 0; o < sizeof ops / sizeof *ops; o++) {
            gemm_case(h, ops[o][0], ops[o][1], sizes[s][0], sizes[s][1], sizes[s][2], sizes[s][3], 1.25f, 0.0f,
                      COMPUTE_32F);
            gemm_case(h, ops[o][0], ops[o][1], sizes[s][0], sizes[s][1], sizes[s][2], sizes[s][3], -0.5f, -0.75f,
                      COMPUTE_32F_FAST_TF32);
        }
    }

    /* TF32 really rounds: 1 + 2^-20 keeps its low bit in FP32 and loses it in TF32 */
    {
        float A[1] = {1.0f + 0x1p-20f}, B[1] = {1.0f}, C[1] = {NAN}, one = 1, zero = 0;
        EXPECT_STATUS(cublasGemmStridedBatchedEx(h, OP_N, OP_N, 1, 1, 1, &one, A, CUDA_R_32F, 1, 0, B, CUDA_R_32F, 1, 0,
                                                 &zero, C, CUDA_R_32F, 1, 0, 1, COMPUTE_32F_FAST_TF32, GEMM_DEFAULT),
                      CUBLAS_STATUS_SUCCESS);
        CHECK(C[0] == 1.0f, "TF32 gemm: %.9g, expected 1 (input rounded to TF32)", C[0]);
        EXPECT_STATUS(cublasGemmStridedBatchedEx(h, OP_N, OP_N, 1, 1, 1, &one, A, CUDA_R_32F, 1, 0, B, CUDA_R_32F, 1, 0,
                                                 &zero, C, CUDA_R_32F, 1, 0, 1, COMPUTE_32F, GEMM_DEFAULT),
                      CUBLAS_STATUS_SUCCESS);
        CHECK(C[0] == A[0], "FP32 gemm: %.9g, expected %.9g", C[0], A[0]);
    }

    /* the plain entry points share the core: one check each */
    {
        float A[6] = {1, 2, 3, 4, 5, 6}; /* 2 x 3, column-major */
        float B[3] = {1, 0, -1};         /* 3 x 1 */
        float C[2] = {NAN, NAN}, one = 1, zero = 0;
        EXPECT_STATUS(cublasSgemm_v2(h, OP_N, OP_N, 2, 1, 3, &one, A, 2, B, 3, &zero, C, 2), CUBLAS_STATUS_SUCCESS);
        CHECK(C[0] == -4 && C[1] == -4, "Sgemm: C = (%g, %g), expected (-4, -4)", C[0], C[1]);
        float D[2] = {NAN, NAN};
        EXPECT_STATUS(cublasGemmEx(h, OP_T, OP_N, 1, 1, 2, &one, B, CUDA_R_32F, 2, B, CUDA_R_32F, 2, &zero, D,
                                   CUDA_R_32F, 1, COMPUTE_32F, GEMM_DEFAULT), CUBLAS_STATUS_SUCCESS);
        CHECK(D[0] == 1 && isnan(D[1]), "GemmEx 1x1: %g (and %g untouched)", D[0], D[1]);
    }

    /* argument checks, in cuBLAS's statuses; C must stay untouched */
    {
        float A[64], B[64], C[64], one = 1, zero = 0;
        for (int i = 0; i < 64; i++) A[i] = B[i] = 1, C[i] = SENTINEL;
#define GEMM(h_, ta, tb, m, n, k, lda, ldb, ldc, at, ct, comp, algo, batch)                                         \
    cublasGemmStridedBatchedEx(h_, ta, tb, m, n, k, &one, A, at, lda, 16, B, CUDA_R_32F, ldb, 16, &zero, C, ct, ldc,  \
                               16, batch, comp, algo)
        EXPECT_STATUS(GEMM(NULL, OP_N, OP_N, 2, 2, 2, 2, 2, 2, CUDA_R_32F, CUDA_R_32F, COMPUTE_32F, -1, 1),
                      CUBLAS_STATUS_NOT_INITIALIZED);
        EXPECT_STATUS(GEMM(h, OP_N, OP_N, -1, 2, 2, 2, 2, 2, CUDA_R_32F, CUDA_R_32F, COMPUTE_32F, -1, 1),
                      CUBLAS_STATUS_INVALID_VALUE);
        EXPECT_STATUS(GEMM(h, OP_N, OP_N, 2, -1, 2, 2, 2, 2, CUDA_R_32F, CUDA_R_32F, COMPUTE_32F, -1, 1),
                      CUBLAS_STATUS_INVALID_VALUE);
        EXPECT_STATUS(GEMM(h, OP_N, OP_N, 2, 2, -1, 2, 2, 2, CUDA_R_32F, CUDA_R_32F, COMPUTE_32F, -1, 1),
                      CUBLAS_STATUS_INVALID_VALUE);
        EXPECT_STATUS(GEMM(h, 7, OP_N, 2, 2, 2, 2, 2, 2, CUDA_R_32F, CUDA_R_32F, COMPUTE_32F, -1, 1),
                      CUBLAS_STATUS_INVALID_VALUE);
        EXPECT_STATUS(GEMM(h, OP_N, OP_N, 3, 2, 2, 2, 2, 3, CUDA_R_32F, CUDA_R_32F, COMPUTE_32F, -1, 1),
                      CUBLAS_STATUS_INVALID_VALUE); /* lda 2 < m 3 */
        EXPECT_STATUS(GEMM(h, OP_T, OP_N, 2, 2, 3, 2, 3, 2, CUDA_R_32F, CUDA_R_32F, COMPUTE_32F, -1, 1),
                      CUBLAS_STATUS_INVALID_VALUE); /* transposed: lda 2 < k 3 */
        EXPECT_STATUS(GEMM(h, OP_N, OP_T, 2, 3, 2, 2, 2, 2, CUDA_R_32F, CUDA_R_32F, COMPUTE_32F, -1, 1),
                      CUBLAS_STATUS_INVALID_VALUE); /* transposed: ldb 2 < n 3 */
        EXPECT_STATUS(GEMM(h, OP_N, OP_N, 3, 2, 2, 3, 2, 2, CUDA_R_32F, CUDA_R_32F, COMPUTE_32F, -1, 1),
                      CUBLAS_STATUS_INVALID_VALUE); /* ldc 2 < m 3 */
        EXPECT_STATUS(GEMM(h, OP_N, OP_N, 2, 2, 2, 2, 2, 2, CUDA_R_32F, CUDA_R_32F, COMPUTE_32F, -1, -1),
                      CUBLAS_STATUS_INVALID_VALUE); /* batchCount < 0 */
        EXPECT_STATUS(GEMM(h, OP_N, OP_N, 2, 2, 2, 2, 2, 2, CUDA_R_64F, CUDA_R_32F, COMPUTE_32F, -1, 1),
                      CUBLAS_STATUS_NOT_SUPPORTED);
        EXPECT_STATUS(GEMM(h, OP_N, OP_N, 2, 2, 2, 2, 2, 2, CUDA_R_32F, CUDA_R_64F, COMPUTE_32F, -1, 1),
                      CUBLAS_STATUS_NOT_SUPPORTED);
        EXPECT_STATUS(GEMM(h, OP_N, OP_N, 2, 2, 2, 2, 2, 2, CUDA_R_32F, CUDA_R_32F, COMPUTE_64F, -1, 1),
                      CUBLAS_STATUS_NOT_SUPPORTED);
        /* a legacy cudaDataType (CUDA_R_32F == 0) where a cublasComputeType_t belongs */
        EXPECT_STATUS(GEMM(h, OP_N, OP_N, 2, 2, 2, 2, 2, 2, CUDA_R_32F, CUDA_R_32F, CUDA_R_32F, -1, 1),
                      CUBLAS_STATUS_NOT_SUPPORTED);
        EXPECT_STATUS(GEMM(h, OP_N, OP_N, 2, 2, 2, 2, 2, 2, CUDA_R_32F, CUDA_R_32F, COMPUTE_32F, 50, 1),
                      CUBLAS_STATUS_NOT_SUPPORTED);
        int untouched = 1;
        for (int i = 0; i < 64; i++) untouched &= C[i] == SENTINEL;
        CHECK(untouched, "a failed gemm wrote C");
        /* empty problems succeed and write nothing */
        EXPECT_STATUS(GEMM(h, OP_N, OP_N, 0, 2, 2, 1, 2, 1, CUDA_R_32F, CUDA_R_32F, COMPUTE_32F, -1, 1),
                      CUBLAS_STATUS_SUCCESS);
        EXPECT_STATUS(GEMM(h, OP_N, OP_N, 2, 2, 2, 2, 2, 2, CUDA_R_32F, CUDA_R_32F, COMPUTE_32F, -1, 0),
                      CUBLAS_STATUS_SUCCESS);
        untouched = 1;
        for (int i = 0; i < 64; i++) untouched &= C[i] == SENTINEL;
        CHECK(untouched, "an empty gemm wrote C");
#undef GEMM
    }
    EXPECT_STATUS(cublasDestroy_v2(h), CUBLAS_STATUS_SUCCESS);
}

/* ------------------------------------------------------------------ cuDNN helpers */

static cudnnTensorDescriptor_t tensor(int format, int dataType, int n, int c, int h, int w) {
    cudnnTensorDescriptor_t d;
    cudnnCreateTensorDescriptor(&d);
    EXPECT_STATUS(cudnnSetTensor4dDescriptor(d, format, dataType, n, c, h, w), CUDNN_STATUS_SUCCESS);
    return d;
}

static cudnnFilterDescriptor_t filter(int format, int dataType, int k, int c, int r, int s) {
    cudnnFilterDescriptor_t d;
    cudnnCreateFilterDescriptor(&d);
    EXPECT_STATUS(cudnnSetFilter4dDescriptor(d, dataType, format, k, c, r, s), CUDNN_STATUS_SUCCESS);
    return d;
}

static cudnnConvolutionDescriptor_t convolution(int ph, int pw, int sh, int sw, int dh, int dw, int mode) {
    cudnnConvolutionDescriptor_t d;
    cudnnCreateConvolutionDescriptor(&d);
    EXPECT_STATUS(cudnnSetConvolution2dDescriptor(d, ph, pw, sh, sw, dh, dw, mode, DATA_FLOAT), CUDNN_STATUS_SUCCESS);
    /* exact FP32: the default math type lets the stand-in round inputs to TF32, as cuDNN may on a GPU */
    EXPECT_STATUS(cudnnSetConvolutionMathType(d, FMA_MATH), CUDNN_STATUS_SUCCESS);
    return d;
}

/* Offset of element (n, c, h, w) of an N x C x H x W tensor stored NCHW or NHWC. */
static size_t at(int format, int C, int H, int W, int n, int c, int h, int w) {
    return format == NCHW ? (((size_t)n * C + c) * H + h) * W + w : (((size_t)n * H + h) * W + w) * C + c;
}

/* The algorithm a careful caller (sagan4j's CudnnConv) picks: the first deterministic, successful one within
 * 1 GiB of workspace. */
static int pick(const AlgoPerf *perf, int count, size_t *workspace) {
    for (int i = 0; i < count; i++) {
        if (perf[i].status == CUDNN_STATUS_SUCCESS && perf[i].determinism == DETERMINISTIC
            && perf[i].memory <= ((size_t)1 << 30)) {
            *workspace = perf[i].memory;
            return perf[i].algo;
        }
    }
    return -1;
}

/* Checks what the _v7 heuristics report for the careful caller's sake; returns the picked algorithm. */
static int check_menu(const char *what, const AlgoPerf *perf, int count, size_t *workspace) {
    CHECK(count == 4, "%s: %d algorithms reported", what, count);
    CHECK(count > 0 && perf[0].determinism == NON_DETERMINISTIC && perf[0].status == CUDNN_STATUS_SUCCESS,
          "%s: first entry should be a successful non-deterministic algorithm", what);
    int huge = 0, unsupported = 0;
    for (int i = 0; i < count; i++) {
        huge |= perf[i].status == CUDNN_STATUS_SUCCESS && perf[i].memory > ((size_t)1 << 30);
        unsupported |= perf[i].status == CUDNN_STATUS_NOT_SUPPORTED;
        CHECK(perf[i].mathType == FMA_MATH, "%s: entry %d reports math type %d", what, i, perf[i].mathType);
    }
    CHECK(huge && unsupported, "%s: expected an entry over 1 GiB and an unsupported one", what);
    int algo = pick(perf, count, workspace);
    CHECK(algo >= 0 && *workspace > 0, "%s: the deterministic pick should need a workspace (algo %d, %zu bytes)",
          what, algo, *workspace);
    return algo;
}

/* ------------------------------------------------------------------ cuDNN: hand-computed cases */

static void test_cudnn_by_hand(cudnnHandle_t h) {
    /* x = 1 x 1 x 3 x 3 [1 2 3; 4 5 6; 7 8 9], w = 1 x 1 x 2 x 2 [1 2; 3 4] */
    float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[4] = {1, 2, 3, 4}, one = 1, zero = 0;
    cudnnTensorDescriptor_t xd = tensor(NCHW, DATA_FLOAT, 1, 1, 3, 3);
    cudnnFilterDescriptor_t wd = filter(NCHW, DATA_FLOAT, 1, 1, 2, 2);
    struct {
        int pad, stride, mode;
        float want[4];
    } cases[] = {
        {0, 1, CROSS_CORRELATION, {37, 47, 67, 77}}, /* y00 = 1*1 + 2*2 + 4*3 + 5*4 */
        {0, 1, CONVOLUTION, {23, 33, 53, 63}},       /* flipped: y00 = 1*4 + 2*3 + 4*2 + 5*1 */
        {1, 2, CROSS_CORRELATION, {4, 18, 36, 77}},  /* y00 = x00*w11, y01 = x01*w10 + x02*w11, ... */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cudnnConvolutionDescriptor_t cd =
            convolution(cases[i].pad, cases[i].pad, cases[i].stride, cases[i].stride, 1, 1, cases[i].mode);
        int n, c, ho, wo;
        EXPECT_STATUS(cudnnGetConvolution2dForwardOutputDim(cd, xd, wd, &n, &c, &ho, &wo), CUDNN_STATUS_SUCCESS);
        CHECK(n == 1 && c == 1 && ho == 2 && wo == 2, "hand case %zu: output %dx%dx%dx%d", i, n, c, ho, wo);
        cudnnTensorDescriptor_t yd = tensor(NCHW, DATA_FLOAT, 1, 1, 2, 2);
        float y[4] = {NAN, NAN, NAN, NAN};
        EXPECT_STATUS(cudnnConvolutionForward(h, &one, xd, x, wd, w, cd, 0, NULL, 0, &zero, yd, y),
                      CUDNN_STATUS_SUCCESS);
        CHECK(memcmp(y, cases[i].want, sizeof y) == 0, "hand case %zu: y = [%g %g; %g %g], expected [%g %g; %g %g]",
              i, y[0], y[1], y[2], y[3], cases[i].want[0], cases[i].want[1], cases[i].want[2], cases[i].want[3]);
        /* alpha and beta: y = 2 * conv + 0.5 * y */
        float two = 2, half = 0.5f;
        EXPECT_STATUS(cudnnConvolutionForward(h, &two, xd, x, wd, w, cd, 0, NULL, 0, &half, yd, y),
                      CUDNN_STATUS_SUCCESS);
        CHECK(y[0] == 2.5f * cases[i].want[0] && y[3] == 2.5f * cases[i].want[3],
              "hand case %zu with alpha 2 beta 0.5: y00 = %g, expected %g", i, y[0], 2.5f * cases[i].want[0]);
        cudnnDestroyTensorDescriptor(yd);
        cudnnDestroyConvolutionDescriptor(cd);
    }
    cudnnDestroyTensorDescriptor(xd);
    cudnnDestroyFilterDescriptor(wd);

    /* dilation 2: x = 1 x 1 x 5 x 5 with x[i][j] = 5i + j, w [1 2; 3 4] -> 3 x 3;
     * y00 = x00*1 + x02*2 + x20*3 + x22*4 = 82, y12 = x12 + 2*x14 + 3*x32 + 4*x34 = 152 */
    float x5[25], y3[9];
    for (int i = 0; i < 25; i++) x5[i] = (float)i;
    for (int i = 0; i < 9; i++) y3[i] = NAN;
    xd = tensor(NCHW, DATA_FLOAT, 1, 1, 5, 5);
    wd = filter(NCHW, DATA_FLOAT, 1, 1, 2, 2);
    cudnnTensorDescriptor_t yd = tensor(NCHW, DATA_FLOAT, 1, 1, 3, 3);
    cudnnConvolutionDescriptor_t cd = convolution(0, 0, 1, 1, 2, 2, CROSS_CORRELATION);
    EXPECT_STATUS(cudnnConvolutionForward(h, &one, xd, x5, wd, w, cd, 0, NULL, 0, &zero, yd, y3), CUDNN_STATUS_SUCCESS);
    CHECK(y3[0] == 82 && y3[5] == 152, "dilated hand case: y00 = %g (82), y12 = %g (152)", y3[0], y3[5]);
    cudnnDestroyTensorDescriptor(xd), cudnnDestroyTensorDescriptor(yd);
    cudnnDestroyFilterDescriptor(wd), cudnnDestroyConvolutionDescriptor(cd);

    /* backward bias: dy = 2 x 3 x 2 x 2 with dy[n,k,..] = k + 1 -> db[k] = 8 (k + 1) */
    float dy[24], db[3] = {NAN, NAN, NAN};
    for (int i = 0; i < 24; i++) dy[i] = (float)((i / 4) % 3 + 1);
    cudnnTensorDescriptor_t dyd = tensor(NCHW, DATA_FLOAT, 2, 3, 2, 2), dbd = tensor(NCHW, DATA_FLOAT, 1, 3, 1, 1);
    EXPECT_STATUS(cudnnConvolutionBackwardBias(h, &one, dyd, dy, &zero, dbd, db), CUDNN_STATUS_SUCCESS);
    CHECK(db[0] == 8 && db[1] == 16 && db[2] == 24, "backward bias: %g %g %g, expected 8 16 24", db[0], db[1], db[2]);
    cudnnDestroyTensorDescriptor(dyd), cudnnDestroyTensorDescriptor(dbd);
}

/* ------------------------------------------------------------------ cuDNN: against naive loops, adjoints */

typedef struct {
    int n, c, h, w, k, r, s, ph, pw, sh, sw, dh, dw, mode, format;
} conv_case;

/* How many of the n outputs miss their double reference by more than FP32 rounding (see close_to). */
static int count_wrong(const char *what, const float *got, const double *want, const double *absSum, size_t n) {
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (!close_to(got[i], want[i], absSum[i])) {
            if (bad++ < 3) printf("  %s[%zu] = %.9g, expected %.9g\n", what, i, got[i], want[i]);
        }
    }
    return bad;
}

/* The reference for out = 0.5 * result + 2 * out0, from the reference of result. */
static void scale_reference(double *ref, double *absSum, const float *out0, size_t n) {
    for (size_t i = 0; i < n; i++) {
        ref[i] = 0.5 * ref[i] + 2.0 * out0[i];
        absSum[i] = 0.5 * absSum[i] + fabs(2.0 * out0[i]);
    }
}

static void conv_case_run(cudnnHandle_t h, const conv_case *t) {
    int N = t->n, C = t->c, H = t->h, W = t->w, K = t->k, R = t->r, S = t->s;
    int Ho = (H + 2 * t->ph - t->dh * (R - 1) - 1) / t->sh + 1, Wo = (W + 2 * t->pw - t->dw * (S - 1) - 1) / t->sw + 1;
    size_t nx = (size_t)N * C * H * W, nw = (size_t)K * C * R * S, ny = (size_t)N * K * Ho * Wo;
    float *x = alloc_fill(nx, 0), *w = alloc_fill(nw, 0), *dy = alloc_fill(ny, 0);
    for (size_t i = 0; i < nx; i++) x[i] = uniform();
    for (size_t i = 0; i < nw; i++) w[i] = uniform();
    for (size_t i = 0; i < ny; i++) dy[i] = uniform();

    /* the naive reference, in the tensors' own layout: every (n, k, oh, ow, c, r, s) with its input in bounds */
    double *y_ref = calloc(ny, sizeof(double)), *y_abs = calloc(ny, sizeof(double));
    double *dx_ref = calloc(nx, sizeof(double)), *dx_abs = calloc(nx, sizeof(double));
    double *dw_ref = calloc(nw, sizeof(double)), *dw_abs = calloc(nw, sizeof(double));
    for (int n = 0; n < N; n++)
        for (int k = 0; k < K; k++)
            for (int oh = 0; oh < Ho; oh++)
                for (int ow = 0; ow < Wo; ow++)
                    for (int c = 0; c < C; c++)
                        for (int r = 0; r < R; r++)
                            for (int s = 0; s < S; s++) {
                                int ih = oh * t->sh - t->ph + r * t->dh, iw = ow * t->sw - t->pw + s * t->dw;
                                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                                int fr = t->mode == CONVOLUTION ? R - 1 - r : r;
                                int fs = t->mode == CONVOLUTION ? S - 1 - s : s;
                                size_t yi = at(t->format, K, Ho, Wo, n, k, oh, ow);
                                size_t xi = at(t->format, C, H, W, n, c, ih, iw);
                                size_t wi = at(t->format, C, R, S, k, c, fr, fs); /* KCRS or KRSC */
                                y_ref[yi] += (double)x[xi] * w[wi], y_abs[yi] += fabs((double)x[xi] * w[wi]);
                                dx_ref[xi] += (double)dy[yi] * w[wi], dx_abs[xi] += fabs((double)dy[yi] * w[wi]);
                                dw_ref[wi] += (double)dy[yi] * x[xi], dw_abs[wi] += fabs((double)dy[yi] * x[xi]);
                            }

    cudnnTensorDescriptor_t xd = tensor(t->format, DATA_FLOAT, N, C, H, W);
    cudnnTensorDescriptor_t yd = tensor(t->format, DATA_FLOAT, N, K, Ho, Wo);
    cudnnFilterDescriptor_t wd = filter(t->format, DATA_FLOAT, K, C, R, S);
    cudnnConvolutionDescriptor_t cd = convolution(t->ph, t->pw, t->sh, t->sw, t->dh, t->dw, t->mode);
    EXPECT_STATUS(cudnnSetConvolutionMathType(cd, FMA_MATH), CUDNN_STATUS_SUCCESS);
    int dims[4];
    EXPECT_STATUS(cudnnGetConvolution2dForwardOutputDim(cd, xd, wd, &dims[0], &dims[1], &dims[2], &dims[3]),
                  CUDNN_STATUS_SUCCESS);
    CHECK(dims[0] == N && dims[1] == K && dims[2] == Ho && dims[3] == Wo,
          "output dim %dx%dx%dx%d, expected %dx%dx%dx%d", dims[0], dims[1], dims[2], dims[3], N, K, Ho, Wo);

    /* algorithms as the careful caller picks them, with the workspace they ask for */
    AlgoPerf perf[16];
    int count = 0;
    size_t wsF = 0, wsD = 0, wsW = 0, wsQuery = 0;
    EXPECT_STATUS(cudnnGetConvolutionForwardAlgorithm_v7(h, xd, wd, cd, yd, 16, &count, perf), CUDNN_STATUS_SUCCESS);
    int fwdAlgo = check_menu("forward", perf, count, &wsF);
    EXPECT_STATUS(cudnnGetConvolutionForwardWorkspaceSize(h, xd, wd, cd, yd, fwdAlgo, &wsQuery), CUDNN_STATUS_SUCCESS);
    CHECK(wsQuery == wsF, "forward workspace size %zu vs reported %zu", wsQuery, wsF);
    EXPECT_STATUS(cudnnGetConvolutionBackwardDataAlgorithm_v7(h, wd, yd, cd, xd, 16, &count, perf),
                  CUDNN_STATUS_SUCCESS);
    int bwdDataAlgo = check_menu("backward data", perf, count, &wsD);
    EXPECT_STATUS(cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, xd, yd, cd, wd, 16, &count, perf),
                  CUDNN_STATUS_SUCCESS);
    int bwdFilterAlgo = check_menu("backward filter", perf, count, &wsW);
    size_t wsBytes = wsF > wsD ? wsF : wsD;
    wsBytes = wsBytes > wsW ? wsBytes : wsW;
    void *ws = malloc(wsBytes);

    /* beta == 0: outputs start as NaN and must come out right */
    float one = 1, zero = 0;
    float *y = alloc_fill(ny, NAN), *dx = alloc_fill(nx, NAN), *dw = alloc_fill(nw, NAN);
    EXPECT_STATUS(cudnnConvolutionForward(h, &one, xd, x, wd, w, cd, fwdAlgo, ws, wsBytes, &zero, yd, y),
                  CUDNN_STATUS_SUCCESS);
    EXPECT_STATUS(cudnnConvolutionBackwardData(h, &one, wd, w, yd, dy, cd, bwdDataAlgo, ws, wsBytes, &zero, xd, dx),
                  CUDNN_STATUS_SUCCESS);
    EXPECT_STATUS(cudnnConvolutionBackwardFilter(h, &one, xd, x, yd, dy, cd, bwdFilterAlgo, ws, wsBytes, &zero, wd, dw),
                  CUDNN_STATUS_SUCCESS);
    char label[160];
    snprintf(label, sizeof label, "%dx%dx%dx%d k%d %dx%d pad %d,%d stride %d,%d dil %d,%d %s %s", N, C, H, W, K, R, S,
             t->ph, t->pw, t->sh, t->sw, t->dh, t->dw, t->mode == CONVOLUTION ? "CONVOLUTION" : "CROSS_CORRELATION",
             t->format == NCHW ? "NCHW" : "NHWC");
    CHECK(count_wrong("y", y, y_ref, y_abs, ny) == 0, "forward vs naive loops: %s", label);
    CHECK(count_wrong("dx", dx, dx_ref, dx_abs, nx) == 0, "backward data vs naive loops: %s", label);
    CHECK(count_wrong("dw", dw, dw_ref, dw_abs, nw) == 0, "backward filter vs naive loops: %s", label);

    /* the adjoint identities <conv(x,w), dy> = <x, bwdData(dy,w)> = <w, bwdFilter(x,dy)> */
    double ydy = 0, xdx = 0, wdw = 0;
    for (size_t i = 0; i < ny; i++) ydy += (double)y[i] * dy[i];
    for (size_t i = 0; i < nx; i++) xdx += (double)x[i] * dx[i];
    for (size_t i = 0; i < nw; i++) wdw += (double)w[i] * dw[i];
    double scale = fabs(ydy) > 1e-3 ? fabs(ydy) : 1e-3;
    CHECK(fabs(ydy - xdx) <= 1e-5 * scale && fabs(ydy - wdw) <= 1e-5 * scale,
          "adjoints: <y,dy> %.9g <x,dx> %.9g <w,dw> %.9g: %s", ydy, xdx, wdw, label);

    /* every successful algorithm computes the same */
    int algos[] = {0, 1, 2, 3, 5, 6};
    for (size_t i = 0; i < sizeof algos / sizeof *algos; i++) {
        size_t need = 0;
        if (cudnnGetConvolutionForwardWorkspaceSize(h, xd, wd, cd, yd, algos[i], &need) != CUDNN_STATUS_SUCCESS
            || need > wsBytes) {
            continue;
        }
        float *y2 = alloc_fill(ny, NAN);
        EXPECT_STATUS(cudnnConvolutionForward(h, &one, xd, x, wd, w, cd, algos[i], ws, wsBytes, &zero, yd, y2),
                      CUDNN_STATUS_SUCCESS);
        CHECK(memcmp(y, y2, ny * sizeof *y) == 0, "forward algorithm %d differs from %d", algos[i], fwdAlgo);
        free(y2);
    }

    /* beta != 0: out = 0.5 * result + 2 * out, for all three */
    float half = 0.5f, two = 2;
    float *y0 = alloc_fill(ny, 0), *dx0 = alloc_fill(nx, 0), *dw0 = alloc_fill(nw, 0);
    for (size_t i = 0; i < ny; i++) y[i] = y0[i] = uniform();
    for (size_t i = 0; i < nx; i++) dx[i] = dx0[i] = uniform();
    for (size_t i = 0; i < nw; i++) dw[i] = dw0[i] = uniform();
    EXPECT_STATUS(cudnnConvolutionForward(h, &half, xd, x, wd, w, cd, fwdAlgo, ws, wsBytes, &two, yd, y),
                  CUDNN_STATUS_SUCCESS);
    EXPECT_STATUS(cudnnConvolutionBackwardData(h, &half, wd, w, yd, dy, cd, bwdDataAlgo, ws, wsBytes, &two, xd, dx),
                  CUDNN_STATUS_SUCCESS);
    EXPECT_STATUS(cudnnConvolutionBackwardFilter(h, &half, xd, x, yd, dy, cd, bwdFilterAlgo, ws, wsBytes, &two, wd, dw),
                  CUDNN_STATUS_SUCCESS);
    scale_reference(y_ref, y_abs, y0, ny);
    scale_reference(dx_ref, dx_abs, dx0, nx);
    scale_reference(dw_ref, dw_abs, dw0, nw);
    CHECK(count_wrong("y", y, y_ref, y_abs, ny) == 0, "forward with alpha 0.5 beta 2: %s", label);
    CHECK(count_wrong("dx", dx, dx_ref, dx_abs, nx) == 0, "backward data with alpha 0.5 beta 2: %s", label);
    CHECK(count_wrong("dw", dw, dw_ref, dw_abs, nw) == 0, "backward filter with alpha 0.5 beta 2: %s", label);

    /* workspace and algorithm checks on the real shapes */
    if (wsF > 0) {
        EXPECT_STATUS(cudnnConvolutionForward(h, &one, xd, x, wd, w, cd, fwdAlgo, ws, wsF - 1, &zero, yd, y),
                      CUDNN_STATUS_BAD_PARAM);
    }
    EXPECT_STATUS(cudnnConvolutionForward(h, &one, xd, x, wd, w, cd, 99, ws, wsBytes, &zero, yd, y),
                  CUDNN_STATUS_BAD_PARAM);
    EXPECT_STATUS(cudnnConvolutionForward(h, &one, xd, x, wd, w, cd, 7 /* listed NOT_SUPPORTED */, ws, wsBytes, &zero,
                                          yd, y), CUDNN_STATUS_NOT_SUPPORTED);
    int nullStatus = cudnnConvolutionForward(h, &one, xd, NULL, wd, w, cd, fwdAlgo, ws, wsBytes, &zero, yd, y);
    CHECK(nullStatus / 1000 * 1000 == CUDNN_STATUS_BAD_PARAM, "NULL x: status %d, expected a BAD_PARAM", nullStatus);

    cudnnDestroyTensorDescriptor(xd), cudnnDestroyTensorDescriptor(yd);
    cudnnDestroyFilterDescriptor(wd), cudnnDestroyConvolutionDescriptor(cd);
    free(x), free(w), free(dy), free(y), free(dx), free(dw), free(y0), free(dx0), free(dw0), free(ws);
    free(y_ref), free(y_abs), free(dx_ref), free(dx_abs), free(dw_ref), free(dw_abs);
}

/* ------------------------------------------------------------------ cuDNN: descriptor errors */

static void test_cudnn_errors(cudnnHandle_t h) {
    cudnnTensorDescriptor_t t;
    cudnnFilterDescriptor_t f;
    cudnnConvolutionDescriptor_t c;
    cudnnCreateTensorDescriptor(&t);
    cudnnCreateFilterDescriptor(&f);
    cudnnCreateConvolutionDescriptor(&c);
    EXPECT_STATUS(cudnnSetTensor4dDescriptor(t, NCHW, DATA_FLOAT, 0, 1, 1, 1), CUDNN_STATUS_BAD_PARAM);
    EXPECT_STATUS(cudnnSetTensor4dDescriptor(t, NCHW, DATA_FLOAT, 1, 1, -1, 1), CUDNN_STATUS_BAD_PARAM);
    EXPECT_STATUS(cudnnSetTensor4dDescriptor(t, 9, DATA_FLOAT, 1, 1, 1, 1), CUDNN_STATUS_BAD_PARAM);
    EXPECT_STATUS(cudnnSetTensor4dDescriptor(t, NCHW, 99, 1, 1, 1, 1), CUDNN_STATUS_BAD_PARAM);
    EXPECT_STATUS(cudnnSetTensor4dDescriptorEx(t, DATA_FLOAT, 1, 1, 2, 2, 4, 4, 0, 1), CUDNN_STATUS_BAD_PARAM);
    EXPECT_STATUS(cudnnSetFilter4dDescriptor(f, DATA_FLOAT, NCHW, 0, 1, 3, 3), CUDNN_STATUS_BAD_PARAM);
    EXPECT_STATUS(cudnnSetConvolution2dDescriptor(c, -1, 0, 1, 1, 1, 1, CROSS_CORRELATION, DATA_FLOAT),
                  CUDNN_STATUS_BAD_PARAM);
    EXPECT_STATUS(cudnnSetConvolution2dDescriptor(c, 0, 0, 0, 1, 1, 1, CROSS_CORRELATION, DATA_FLOAT),
                  CUDNN_STATUS_BAD_PARAM);
    EXPECT_STATUS(cudnnSetConvolution2dDescriptor(c, 0, 0, 1, 1, 1, 0, CROSS_CORRELATION, DATA_FLOAT),
                  CUDNN_STATUS_BAD_PARAM);
    EXPECT_STATUS(cudnnSetConvolution2dDescriptor(c, 0, 0, 1, 1, 1, 1, 5, DATA_FLOAT), CUDNN_STATUS_BAD_PARAM);
    EXPECT_STATUS(cudnnSetConvolutionMathType(c, 9), CUDNN_STATUS_BAD_PARAM);

    /* never-set descriptors */
    float buf[4096], one = 1, zero = 0;
    int n, ch, hh, ww, count;
    AlgoPerf perf[8];
    EXPECT_STATUS(cudnnConvolutionForward(h, &one, t, buf, f, buf, c, 0, NULL, 0, &zero, t, buf),
                  CUDNN_STATUS_BAD_PARAM);
    EXPECT_STATUS(cudnnGetConvolution2dForwardOutputDim(c, t, f, &n, &ch, &hh, &ww), CUDNN_STATUS_BAD_PARAM);
    cudnnDestroyTensorDescriptor(t), cudnnDestroyFilterDescriptor(f), cudnnDestroyConvolutionDescriptor(c);

    /* x 2 x 3 x 8 x 8, w 4 x 3 x 3 x 3, pad 1 -> y 2 x 4 x 8 x 8; then inconsistent y, x, w */
    cudnnTensorDescriptor_t x = tensor(NCHW, DATA_FLOAT, 2, 3, 8, 8), y = tensor(NCHW, DATA_FLOAT, 2, 4, 8, 8);
    cudnnFilterDescriptor_t w = filter(NCHW, DATA_FLOAT, 4, 3, 3, 3);
    cudnnConvolutionDescriptor_t cv = convolution(1, 1, 1, 1, 1, 1, CROSS_CORRELATION);
    for (int i = 0; i < 4096; i++) buf[i] = 1;
    EXPECT_STATUS(cudnnConvolutionForward(h, &one, x, buf, w, buf, cv, 0, NULL, 0, &zero, y, buf + 2048),
                  CUDNN_STATUS_SUCCESS);
    struct {
        const char *what;
        int yn, yc, yh, yw, xc, wk;
    } bad[] = {
        {"y height (7, expected 8)", 2, 4, 7, 8, 3, 4}, {"y width (9, expected 8)", 2, 4, 8, 9, 3, 4},
        {"y channels != filter k", 2, 5, 8, 8, 3, 4},   {"y batch != x batch", 1, 4, 8, 8, 3, 4},
        {"x channels != filter c", 2, 4, 8, 8, 2, 4},   {"filter k != y channels", 2, 4, 8, 8, 3, 3},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cudnnTensorDescriptor_t xb = tensor(NCHW, DATA_FLOAT, 2, bad[i].xc, 8, 8);
        cudnnTensorDescriptor_t yb = tensor(NCHW, DATA_FLOAT, bad[i].yn, bad[i].yc, bad[i].yh, bad[i].yw);
        cudnnFilterDescriptor_t wb = filter(NCHW, DATA_FLOAT, bad[i].wk, 3, 3, 3);
        int s1 = cudnnConvolutionForward(h, &one, xb, buf, wb, buf, cv, 0, NULL, 0, &zero, yb, buf + 2048);
        int s2 = cudnnConvolutionBackwardData(h, &one, wb, buf, yb, buf, cv, 0, NULL, 0, &zero, xb, buf + 2048);
        int s3 = cudnnConvolutionBackwardFilter(h, &one, xb, buf, yb, buf, cv, 0, NULL, 0, &zero, wb, buf + 2048);
        int s4 = cudnnGetConvolutionForwardAlgorithm_v7(h, xb, wb, cv, yb, 8, &count, perf);
        int s5 = cudnnGetConvolutionBackwardDataAlgorithm_v7(h, wb, yb, cv, xb, 8, &count, perf);
        int s6 = cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, xb, yb, cv, wb, 8, &count, perf);
        CHECK(s1 == CUDNN_STATUS_BAD_PARAM && s2 == CUDNN_STATUS_BAD_PARAM && s3 == CUDNN_STATUS_BAD_PARAM
                  && s4 == CUDNN_STATUS_BAD_PARAM && s5 == CUDNN_STATUS_BAD_PARAM && s6 == CUDNN_STATUS_BAD_PARAM,
              "%s: statuses %d %d %d %d %d %d, expected BAD_PARAM (2000)", bad[i].what, s1, s2, s3, s4, s5, s6);
        cudnnDestroyTensorDescriptor(xb), cudnnDestroyTensorDescriptor(yb), cudnnDestroyFilterDescriptor(wb);
    }
    /* a dilated filter larger than the padded input has no output */
    cudnnFilterDescriptor_t big = filter(NCHW, DATA_FLOAT, 4, 3, 11, 11);
    EXPECT_STATUS(cudnnGetConvolution2dForwardOutputDim(cv, x, big, &n, &ch, &hh, &ww), CUDNN_STATUS_BAD_PARAM);
    cudnnDestroyFilterDescriptor(big);
    EXPECT_STATUS(cudnnGetConvolutionForwardAlgorithm_v7(h, x, w, cv, y, 0, &count, perf), CUDNN_STATUS_BAD_PARAM);
    EXPECT_STATUS(cudnnGetConvolutionForwardAlgorithm_v7(h, x, w, cv, y, 2, &count, perf), CUDNN_STATUS_SUCCESS);
    CHECK(count == 2, "requested 2 algorithms, got %d", count);
    /* FP64 is not emulated: NOT_SUPPORTED, not a wrong answer */
    cudnnTensorDescriptor_t xd64 = tensor(NCHW, DATA_DOUBLE, 2, 3, 8, 8), yd64 = tensor(NCHW, DATA_DOUBLE, 2, 4, 8, 8);
    cudnnFilterDescriptor_t wd64 = filter(NCHW, DATA_DOUBLE, 4, 3, 3, 3);
    EXPECT_STATUS(cudnnConvolutionForward(h, &one, xd64, buf, wd64, buf, cv, 0, NULL, 0, &zero, yd64, buf + 2048),
                  CUDNN_STATUS_NOT_SUPPORTED);
    /* mixed data types are inconsistent */
    EXPECT_STATUS(cudnnConvolutionForward(h, &one, x, buf, w, buf, cv, 0, NULL, 0, &zero, yd64, buf + 2048),
                  CUDNN_STATUS_BAD_PARAM);
    cudnnDestroyTensorDescriptor(xd64), cudnnDestroyTensorDescriptor(yd64), cudnnDestroyFilterDescriptor(wd64);
    cudnnDestroyTensorDescriptor(x), cudnnDestroyTensorDescriptor(y);
    cudnnDestroyFilterDescriptor(w), cudnnDestroyConvolutionDescriptor(cv);
}

/* ------------------------------------------------------------------ cuDNN: timing of a realistic layer */

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void time_layer(cudnnHandle_t h, int N, int C, int HW, int K) {
    cudnnTensorDescriptor_t xd = tensor(NCHW, DATA_FLOAT, N, C, HW, HW), yd = tensor(NCHW, DATA_FLOAT, N, K, HW, HW);
    cudnnFilterDescriptor_t wd = filter(NCHW, DATA_FLOAT, K, C, 3, 3);
    cudnnConvolutionDescriptor_t cd = convolution(1, 1, 1, 1, 1, 1, CROSS_CORRELATION);
    size_t nx = (size_t)N * C * HW * HW, ny = (size_t)N * K * HW * HW, nw = (size_t)K * C * 9;
    float *x = alloc_fill(nx, 0.25f), *y = alloc_fill(ny, 0.5f), *w = alloc_fill(nw, 0.125f), one = 1, zero = 0;
    double t0 = now();
    EXPECT_STATUS(cudnnConvolutionForward(h, &one, xd, x, wd, w, cd, 0, NULL, 0, &zero, yd, y), CUDNN_STATUS_SUCCESS);
    double t1 = now();
    EXPECT_STATUS(cudnnConvolutionBackwardData(h, &one, wd, w, yd, y, cd, 0, NULL, 0, &zero, xd, x),
                  CUDNN_STATUS_SUCCESS);
    double t2 = now();
    EXPECT_STATUS(cudnnConvolutionBackwardFilter(h, &one, xd, x, yd, y, cd, 0, NULL, 0, &zero, wd, w),
                  CUDNN_STATUS_SUCCESS);
    double t3 = now();
    printf("timing: conv %dx%dx%dx%d -> k%d 3x3: forward %.2f s, backward data %.2f s, backward filter %.2f s\n", N, C,
           HW, HW, K, t1 - t0, t2 - t1, t3 - t2);
    cudnnDestroyTensorDescriptor(xd), cudnnDestroyTensorDescriptor(yd);
    cudnnDestroyFilterDescriptor(wd), cudnnDestroyConvolutionDescriptor(cd);
    free(x), free(y), free(w);
}

static void test_cudnn(void) {
    CHECK(cudnnGetVersion() == 91000, "cudnnGetVersion %zu, expected 91000", cudnnGetVersion());
    CHECK(cudnnGetCudartVersion() == 13000, "cudnnGetCudartVersion %zu", cudnnGetCudartVersion());
    int major = -1, minor = -1;
    EXPECT_STATUS(cudnnGetProperty(0, &major), CUDNN_STATUS_SUCCESS);
    EXPECT_STATUS(cudnnGetProperty(1, &minor), CUDNN_STATUS_SUCCESS);
    CHECK(major == 9 && minor == 10, "cudnnGetProperty: %d.%d", major, minor);
    CHECK(strcmp(cudnnGetErrorString(CUDNN_STATUS_BAD_PARAM), "CUDNN_STATUS_BAD_PARAM") == 0, "error string");

    cudnnHandle_t h = NULL;
    EXPECT_STATUS(cudnnCreate(&h), CUDNN_STATUS_SUCCESS);
    void *stream = (void *)0x42, *got = NULL;
    EXPECT_STATUS(cudnnSetStream(h, stream), CUDNN_STATUS_SUCCESS);
    EXPECT_STATUS(cudnnGetStream(h, &got), CUDNN_STATUS_SUCCESS);
    CHECK(got == stream, "cudnnGetStream gave %p", got);

    test_cudnn_by_hand(h);
    static const conv_case cases[] = {
        /* n  c   h   w  k  r  s ph pw sh sw dh dw mode               format */
        {2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, CROSS_CORRELATION, NCHW},
        {1, 2, 9, 8, 3, 3, 2, 0, 1, 2, 2, 1, 1, CROSS_CORRELATION, NCHW},
        {2, 2, 10, 11, 2, 3, 3, 2, 2, 1, 1, 2, 2, CONVOLUTION, NCHW},
        {1, 3, 11, 9, 2, 2, 3, 1, 0, 3, 2, 2, 1, CONVOLUTION, NHWC},
        {3, 1, 5, 5, 1, 5, 5, 2, 2, 1, 1, 1, 1, CROSS_CORRELATION, NCHW},
        {1, 4, 6, 7, 5, 1, 1, 0, 0, 2, 3, 1, 1, CROSS_CORRELATION, NCHW},
        {2, 3, 8, 8, 2, 3, 3, 3, 3, 2, 2, 2, 2, CROSS_CORRELATION, NHWC},
        {2, 16, 12, 12, 8, 3, 3, 1, 1, 1, 1, 1, 1, CROSS_CORRELATION, NCHW},
        {1, 2, 4, 4, 3, 4, 4, 0, 0, 1, 1, 1, 1, CONVOLUTION, NCHW}, /* 1 x 1 output */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        conv_case_run(h, &cases[i]);
    }
    test_cudnn_errors(h);
    time_layer(h, 4, 64, 32, 64);
    if (getenv("SELFTEST_BIG") != NULL) {
        time_layer(h, 4, 256, 32, 256);
    }
    EXPECT_STATUS(cudnnDestroy(h), CUDNN_STATUS_SUCCESS);
}

int main(void) {
    test_cublas();
    int afterBlas = checks, failedBlas = failures;
    printf("cuBLAS: %d checks, %d failed\n", afterBlas, failedBlas);
    test_cudnn();
    printf("cuDNN: %d checks, %d failed\n", checks - afterBlas, failures - failedBlas);
    printf("%s: %d checks, %d failed\n", failures == 0 ? "PASS" : "FAIL", checks, failures);
    return failures == 0 ? 0 : 1;
}
