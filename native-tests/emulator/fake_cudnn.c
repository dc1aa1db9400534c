/*
 * fake_cudnn.c -- a CPU stand-in for cuDNN 9 (libcudnn.so.9), legacy convolution API, for running sagan4j's
 * native tests (native-tests/java, JUnit tag `native`) on a machine without a GPU.
 *
 * It is one part of a CPU emulation of the CUDA stack: the fake driver (libcuda.so.1, driver*.c* beside
 * this file) hands out ordinary host memory from cuMemAlloc, so every "device pointer" that reaches this
 * library (x, w, y, workspace) is a host address and is dereferenced directly. A convolution runs before it
 * returns, unless the handle's stream is capturing a CUDA graph: then it is recorded (its scalars and
 * descriptors copied) and runs when the graph is replayed (emu_capture.h).
 *
 * What sagan4j reaches through JCuda's libJCudnn (which needs version `libcudnn.so.9` of libcudnn.so.9:
 * see cudnn.map):
 *   conv/CudnnConv.java: cudnnCreate, cudnnSetStream, cudnnDestroy,
 *     cudnnCreate/Destroy{Tensor,Filter,Convolution}Descriptor, cudnnSetTensor4dDescriptor,
 *     cudnnSetFilter4dDescriptor, cudnnSetConvolution2dDescriptor, cudnnSetConvolutionMathType,
 *     cudnnGetConvolution{Forward,BackwardData,BackwardFilter}Algorithm_v7,
 *     cudnnConvolutionForward, cudnnConvolutionBackwardData, cudnnConvolutionBackwardFilter
 *   natives/CudaNatives.java: cudnnGetVersion
 * The rest are cheap companions (getters, workspace sizes, output dims, backward bias, version queries,
 * error strings) so that a new caller gets an answer instead of a "symbol lookup error" that ends the JVM.
 *
 * Semantics are cuDNN's, for FP32 data and compute:
 *   x: N x C x H x W, w: K x C x R x S, y: N x K x Ho x Wo, any tensor strides (NCHW, NHWC, ...Ex),
 *   filters KCRS (NCHW) or KRSC (NHWC), Ho = (H + 2*pad_h - dil_h*(R-1) - 1) / stride_h + 1 (same for W),
 *   CUDNN_CROSS_CORRELATION, or CUDNN_CONVOLUTION (the filter flipped in R and S),
 *   out = alpha * result + beta * out with alpha/beta read as floats from host pointers, and when
 *   beta == 0 the old output is never read (callers poison outputs with NaN, and NaN * 0 is NaN).
 * Sums are accumulated in double. Every algorithm computes the same, exact, deterministic result; what
 * differs between them is only what the _v7 heuristics report (status, determinism, workspace), chosen so
 * that a caller's filtering is exercised: see the menus below. Shape inconsistencies return
 * CUDNN_STATUS_BAD_PARAM, unsupported data types or layouts CUDNN_STATUS_NOT_SUPPORTED (cuDNN 9's
 * numbering: 2000, 3000, ... not cuDNN 8's 3, 9, ...).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "open_handles.h"
#include "emu_capture.h"

#include "tf32.h"

/* ------------------------------------------------------------------ types and constants of cudnn_graph.h */

typedef enum {
    CUDNN_STATUS_SUCCESS = 0,
    CUDNN_STATUS_NOT_INITIALIZED = 1001,
    CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH = 1002,
    CUDNN_STATUS_SERIALIZATION_VERSION_MISMATCH = 1003,
    CUDNN_STATUS_DEPRECATED = 1004,
    CUDNN_STATUS_LICENSE_ERROR = 1005,
    CUDNN_STATUS_RUNTIME_IN_PROGRESS = 1006,
    CUDNN_STATUS_RUNTIME_FP_OVERFLOW = 1007,
    CUDNN_STATUS_SUBLIBRARY_LOADING_FAILED = 1008,
    CUDNN_STATUS_BAD_PARAM = 2000,
    CUDNN_STATUS_INVALID_VALUE = 2001,
    CUDNN_STATUS_BAD_PARAM_NULL_POINTER = 2002,
    CUDNN_STATUS_BAD_PARAM_MISALIGNED_POINTER = 2003,
    CUDNN_STATUS_BAD_PARAM_NOT_FINALIZED = 2004,
    CUDNN_STATUS_BAD_PARAM_OUT_OF_BOUND = 2005,
    CUDNN_STATUS_BAD_PARAM_SIZE_INSUFFICIENT = 2006,
    CUDNN_STATUS_BAD_PARAM_STREAM_MISMATCH = 2007,
    CUDNN_STATUS_BAD_PARAM_SHAPE_MISMATCH = 2008,
    CUDNN_STATUS_NOT_SUPPORTED = 3000,
    CUDNN_STATUS_NOT_SUPPORTED_SHAPE = 3002,
    CUDNN_STATUS_NOT_SUPPORTED_DATA_TYPE = 3003,
    CUDNN_STATUS_NOT_SUPPORTED_LAYOUT = 3004,
    CUDNN_STATUS_INTERNAL_ERROR = 4000,
    CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED = 4003,
    CUDNN_STATUS_EXECUTION_FAILED = 5000
} cudnnStatus_t;

typedef enum {
    CUDNN_DATA_FLOAT = 0,
    CUDNN_DATA_DOUBLE = 1,
    CUDNN_DATA_HALF = 2,
    CUDNN_DATA_INT8 = 3,
    CUDNN_DATA_INT32 = 4,
    CUDNN_DATA_INT8x4 = 5,
    CUDNN_DATA_UINT8 = 6,
    CUDNN_DATA_UINT8x4 = 7,
    CUDNN_DATA_INT8x32 = 8,
    CUDNN_DATA_BFLOAT16 = 9,
    CUDNN_DATA_INT64 = 10,
    CUDNN_DATA_BOOLEAN = 11,
    CUDNN_DATA_FP8_E4M3 = 12,
    CUDNN_DATA_FP8_E5M2 = 13
} cudnnDataType_t;

typedef enum { CUDNN_TENSOR_NCHW = 0, CUDNN_TENSOR_NHWC = 1, CUDNN_TENSOR_NCHW_VECT_C = 2 } cudnnTensorFormat_t;
typedef enum { CUDNN_CONVOLUTION = 0, CUDNN_CROSS_CORRELATION = 1 } cudnnConvolutionMode_t;
typedef enum {
    CUDNN_DEFAULT_MATH = 0,
    CUDNN_TENSOR_OP_MATH = 1,
    CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION = 2,
    CUDNN_FMA_MATH = 3
} cudnnMathType_t;
typedef enum { CUDNN_NON_DETERMINISTIC = 0, CUDNN_DETERMINISTIC = 1 } cudnnDeterminism_t;
typedef enum { CUDNN_DEFAULT_REORDER = 0, CUDNN_NO_REORDER = 1 } cudnnReorderType_t;
typedef enum { CUDNN_ERRQUERY_RAWCODE = 0, CUDNN_ERRQUERY_NONBLOCKING = 1, CUDNN_ERRQUERY_BLOCKING = 2 }
    cudnnErrQueryMode_t;

/* cudnnConvolutionFwdAlgo_t / BwdDataAlgo_t / BwdFilterAlgo_t */
enum {
    CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM = 0,
    CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM = 1,
    CUDNN_CONVOLUTION_FWD_ALGO_GEMM = 2,
    CUDNN_CONVOLUTION_FWD_ALGO_DIRECT = 3,
    CUDNN_CONVOLUTION_FWD_ALGO_FFT = 4,
    CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING = 5,
    CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD = 6,
    CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED = 7,
    CUDNN_CONVOLUTION_FWD_ALGO_COUNT = 8
};
enum {
    CUDNN_CONVOLUTION_BWD_DATA_ALGO_0 = 0,
    CUDNN_CONVOLUTION_BWD_DATA_ALGO_1 = 1,
    CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT = 2,
    CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING = 3,
    CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD = 4,
    CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED = 5,
    CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT = 6
};
enum {
    CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0 = 0,
    CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1 = 1,
    CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT = 2,
    CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3 = 3,
    CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD = 4,
    CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED = 5,
    CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT_TILING = 6,
    CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT = 7
};
typedef int cudnnConvolutionFwdAlgo_t;
typedef int cudnnConvolutionBwdDataAlgo_t;
typedef int cudnnConvolutionBwdFilterAlgo_t;

/* cudnnConvolution{Fwd,BwdData,BwdFilter}AlgoPerf_t: one layout for all three (cuDNN 7 to 9), 48 bytes:
 * algo@0 status@4 time@8 memory@16 determinism@24 mathType@28 reserved@32. JCudnn's JNI reads exactly these
 * offsets with a 48-byte stride. */
typedef struct {
    int algo;
    cudnnStatus_t status;
    float time;
    size_t memory;
    cudnnDeterminism_t determinism;
    cudnnMathType_t mathType;
    int reserved[3];
} cudnnConvolutionAlgoPerf_t;
_Static_assert(sizeof(cudnnConvolutionAlgoPerf_t) == 48, "cuDNN perf struct is 48 bytes");
_Static_assert(offsetof(cudnnConvolutionAlgoPerf_t, memory) == 16, "perf.memory at offset 16");
_Static_assert(offsetof(cudnnConvolutionAlgoPerf_t, determinism) == 24, "perf.determinism at offset 24");

typedef enum { MAJOR_VERSION = 0, MINOR_VERSION = 1, PATCH_LEVEL = 2 } libraryPropertyType;
typedef void *cudaStream_t;

/* The version this fake claims: cuDNN 9.10.0 (cudnnGetVersion: 9 * 10000 + 10 * 100 + 0), for CUDA 13.0. */
#define FAKE_CUDNN_MAJOR 9
#define FAKE_CUDNN_MINOR 10
#define FAKE_CUDNN_PATCH 0
#define FAKE_CUDART_VERSION 13000
#define FAKE_MAX_DEVICE_VERSION 1200

/* ------------------------------------------------------------------ handles and descriptors */

#define MAGIC_HANDLE 0x444e4e48u /* "DNNH" */
#define MAGIC_TENSOR 0x444e4e54u /* "DNNT" */
#define MAGIC_FILTER 0x444e4e46u /* "DNNF" */
#define MAGIC_CONV 0x444e4e43u   /* "DNNC" */

struct cudnnContext {
    uint32_t magic;
    cudaStream_t stream; /* a convolution on a capturing stream is recorded, else it runs at once */
};

/* A 4-d tensor: n x c x h x w with element strides. */
struct cudnnTensorStruct {
    uint32_t magic;
    int set;
    cudnnDataType_t dataType;
    int n, c, h, w;
    int ns, cs, hs, ws;
};

/* A 4-d filter: k x c x h(R) x w(S), packed KCRS (NCHW) or KRSC (NHWC). */
struct cudnnFilterStruct {
    uint32_t magic;
    int set;
    cudnnDataType_t dataType;
    cudnnTensorFormat_t format;
    int k, c, h, w;
};

struct cudnnConvolutionStruct {
    uint32_t magic;
    int set;
    int padH, padW, strideH, strideW, dilH, dilW;
    cudnnConvolutionMode_t mode;
    cudnnDataType_t computeType;
    cudnnMathType_t mathType;
    int groupCount;
    cudnnReorderType_t reorder;
};

typedef struct cudnnContext *cudnnHandle_t;
typedef struct cudnnTensorStruct *cudnnTensorDescriptor_t;
typedef struct cudnnFilterStruct *cudnnFilterDescriptor_t;
typedef struct cudnnConvolutionStruct *cudnnConvolutionDescriptor_t;

static int live_handle(const struct cudnnContext *h) {
    return h != NULL && h->magic == MAGIC_HANDLE;
}

/* Last error message, for cudnnGetLastErrorString. */
static _Thread_local char last_error[256];

static cudnnStatus_t fail(cudnnStatus_t status, const char *fn, const char *why) {
    snprintf(last_error, sizeof last_error, "%s: %s", fn, why);
    return status;
}

/* ------------------------------------------------------------------ version, errors, handle */

size_t cudnnGetVersion(void) {
    return (size_t)FAKE_CUDNN_MAJOR * 10000 + FAKE_CUDNN_MINOR * 100 + FAKE_CUDNN_PATCH;
}

size_t cudnnGetMaxDeviceVersion(void) {
    return FAKE_MAX_DEVICE_VERSION;
}

size_t cudnnGetCudartVersion(void) {
    return FAKE_CUDART_VERSION;
}

cudnnStatus_t cudnnGetProperty(libraryPropertyType type, int *value) {
    if (value == NULL) {
        return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
    }
    switch (type) {
    case MAJOR_VERSION: *value = FAKE_CUDNN_MAJOR; return CUDNN_STATUS_SUCCESS;
    case MINOR_VERSION: *value = FAKE_CUDNN_MINOR; return CUDNN_STATUS_SUCCESS;
    case PATCH_LEVEL: *value = FAKE_CUDNN_PATCH; return CUDNN_STATUS_SUCCESS;
    default: return CUDNN_STATUS_BAD_PARAM;
    }
}

/* The sub-libraries (ops, cnn, adv, graph) are all this one library: always the same version. */
cudnnStatus_t cudnnGraphVersionCheck(void) { return CUDNN_STATUS_SUCCESS; }
cudnnStatus_t cudnnOpsVersionCheck(void) { return CUDNN_STATUS_SUCCESS; }
cudnnStatus_t cudnnCnnVersionCheck(void) { return CUDNN_STATUS_SUCCESS; }
cudnnStatus_t cudnnAdvVersionCheck(void) { return CUDNN_STATUS_SUCCESS; }

const char *cudnnGetErrorString(cudnnStatus_t status) {
    switch (status) {
    case CUDNN_STATUS_SUCCESS: return "CUDNN_STATUS_SUCCESS";
    case CUDNN_STATUS_NOT_INITIALIZED: return "CUDNN_STATUS_NOT_INITIALIZED";
    case CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH: return "CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH";
    case CUDNN_STATUS_SERIALIZATION_VERSION_MISMATCH: return "CUDNN_STATUS_SERIALIZATION_VERSION_MISMATCH";
    case CUDNN_STATUS_DEPRECATED: return "CUDNN_STATUS_DEPRECATED";
    case CUDNN_STATUS_LICENSE_ERROR: return "CUDNN_STATUS_LICENSE_ERROR";
    case CUDNN_STATUS_RUNTIME_IN_PROGRESS: return "CUDNN_STATUS_RUNTIME_IN_PROGRESS";
    case CUDNN_STATUS_RUNTIME_FP_OVERFLOW: return "CUDNN_STATUS_RUNTIME_FP_OVERFLOW";
    case CUDNN_STATUS_SUBLIBRARY_LOADING_FAILED: return "CUDNN_STATUS_SUBLIBRARY_LOADING_FAILED";
    case CUDNN_STATUS_BAD_PARAM: return "CUDNN_STATUS_BAD_PARAM";
    case CUDNN_STATUS_INVALID_VALUE: return "CUDNN_STATUS_INVALID_VALUE";
    case CUDNN_STATUS_BAD_PARAM_NULL_POINTER: return "CUDNN_STATUS_BAD_PARAM_NULL_POINTER";
    case CUDNN_STATUS_BAD_PARAM_MISALIGNED_POINTER: return "CUDNN_STATUS_BAD_PARAM_MISALIGNED_POINTER";
    case CUDNN_STATUS_BAD_PARAM_NOT_FINALIZED: return "CUDNN_STATUS_BAD_PARAM_NOT_FINALIZED";
    case CUDNN_STATUS_BAD_PARAM_OUT_OF_BOUND: return "CUDNN_STATUS_BAD_PARAM_OUT_OF_BOUND";
    case CUDNN_STATUS_BAD_PARAM_SIZE_INSUFFICIENT: return "CUDNN_STATUS_BAD_PARAM_SIZE_INSUFFICIENT";
    case CUDNN_STATUS_BAD_PARAM_STREAM_MISMATCH: return "CUDNN_STATUS_BAD_PARAM_STREAM_MISMATCH";
    case CUDNN_STATUS_BAD_PARAM_SHAPE_MISMATCH: return "CUDNN_STATUS_BAD_PARAM_SHAPE_MISMATCH";
    case CUDNN_STATUS_NOT_SUPPORTED: return "CUDNN_STATUS_NOT_SUPPORTED";
    case CUDNN_STATUS_NOT_SUPPORTED_SHAPE: return "CUDNN_STATUS_NOT_SUPPORTED_SHAPE";
    case CUDNN_STATUS_NOT_SUPPORTED_DATA_TYPE: return "CUDNN_STATUS_NOT_SUPPORTED_DATA_TYPE";
    case CUDNN_STATUS_NOT_SUPPORTED_LAYOUT: return "CUDNN_STATUS_NOT_SUPPORTED_LAYOUT";
    case CUDNN_STATUS_INTERNAL_ERROR: return "CUDNN_STATUS_INTERNAL_ERROR";
    case CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED:
        return "CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED";
    case CUDNN_STATUS_EXECUTION_FAILED: return "CUDNN_STATUS_EXECUTION_FAILED";
    }
    return "CUDNN_STATUS_UNKNOWN";
}

void cudnnGetLastErrorString(char *message, size_t max_size) {
    if (message != NULL && max_size > 0) {
        snprintf(message, max_size, "%s", last_error);
        last_error[0] = '\0';
    }
}

cudnnStatus_t cudnnQueryRuntimeError(cudnnHandle_t handle, cudnnStatus_t *rstatus, cudnnErrQueryMode_t mode,
                                     void *tag) {
    (void)mode, (void)tag;
    if (!live_handle(handle) || rstatus == NULL) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    *rstatus = CUDNN_STATUS_SUCCESS; /* no kernel ever runs asynchronously here */
    return CUDNN_STATUS_SUCCESS;
}

/* Handles and descriptors created and destroyed (open_handles.h): reported at exit when any is left open. */
enum { H_HANDLE, H_TENSOR, H_FILTER, H_CONV };
static EmuHandleCount emu_handles[] = {{"cuDNN handle", 0, 0}, {"tensor descriptor", 0, 0},
                                       {"filter descriptor", 0, 0},
                                       {"convolution descriptor", 0, 0}};
EMU_HANDLE_REPORT_AT_EXIT("libcudnn.so.9")

cudnnStatus_t cudnnCreate(cudnnHandle_t *handle) {
    if (handle == NULL) {
        return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
    }
    struct cudnnContext *h = calloc(1, sizeof *h);
    if (h == NULL) {
        return CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED;
    }
    h->magic = MAGIC_HANDLE;
    *handle = h;
    EMU_HANDLE_CREATED(H_HANDLE);
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnDestroy(cudnnHandle_t handle) {
    if (!live_handle(handle)) {
        return fail(CUDNN_STATUS_BAD_PARAM, "cudnnDestroy", "not a live handle");
    }
    handle->magic = 0;
    free(handle);
    EMU_HANDLE_DESTROYED(H_HANDLE);
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetStream(cudnnHandle_t handle, cudaStream_t streamId) {
    if (!live_handle(handle)) {
        return fail(CUDNN_STATUS_BAD_PARAM, "cudnnSetStream", "not a live handle");
    }
    handle->stream = streamId;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetStream(cudnnHandle_t handle, cudaStream_t *streamId) {
    if (!live_handle(handle) || streamId == NULL) {
        return fail(CUDNN_STATUS_BAD_PARAM, "cudnnGetStream", "not a live handle, or streamId is NULL");
    }
    *streamId = handle->stream;
    return CUDNN_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ tensor descriptors */

static size_t element_size(cudnnDataType_t t) {
    switch (t) {
    case CUDNN_DATA_FLOAT: case CUDNN_DATA_INT32: case CUDNN_DATA_INT8x4: case CUDNN_DATA_UINT8x4: return 4;
    case CUDNN_DATA_DOUBLE: case CUDNN_DATA_INT64: return 8;
    case CUDNN_DATA_HALF: case CUDNN_DATA_BFLOAT16: return 2;
    case CUDNN_DATA_INT8: case CUDNN_DATA_UINT8: case CUDNN_DATA_BOOLEAN: case CUDNN_DATA_FP8_E4M3:
    case CUDNN_DATA_FP8_E5M2: return 1;
    case CUDNN_DATA_INT8x32: return 32;
    }
    return 0; /* not a data type */
}

#define MAX_ELEMENTS 0x7fffffffL /* cuDNN's legacy API indexes with 32-bit ints */

static int dims_ok(int a, int b, int c, int d) {
    return a > 0 && b > 0 && c > 0 && d > 0 && (long long)a * b * c * d <= MAX_ELEMENTS;
}

cudnnStatus_t cudnnCreateTensorDescriptor(cudnnTensorDescriptor_t *tensorDesc) {
    if (tensorDesc == NULL) {
        return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
    }
    struct cudnnTensorStruct *t = calloc(1, sizeof *t);
    if (t == NULL) {
        return CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED;
    }
    t->magic = MAGIC_TENSOR;
    *tensorDesc = t;
    EMU_HANDLE_CREATED(H_TENSOR);
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnDestroyTensorDescriptor(cudnnTensorDescriptor_t tensorDesc) {
    if (tensorDesc == NULL) {
        return CUDNN_STATUS_SUCCESS; /* cuDNN accepts NULL here */
    }
    if (tensorDesc->magic != MAGIC_TENSOR) {
        return fail(CUDNN_STATUS_BAD_PARAM, "cudnnDestroyTensorDescriptor", "not a tensor descriptor");
    }
    tensorDesc->magic = 0;
    free(tensorDesc);
    EMU_HANDLE_DESTROYED(H_TENSOR);
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetTensor4dDescriptorEx(cudnnTensorDescriptor_t desc, cudnnDataType_t dataType, int n, int c,
                                           int h, int w, int nStride, int cStride, int hStride, int wStride) {
    static const char fn[] = "cudnnSetTensor4dDescriptorEx";
    if (desc == NULL || desc->magic != MAGIC_TENSOR) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "not a tensor descriptor");
    }
    if (element_size(dataType) == 0) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "unknown data type");
    }
    if (!dims_ok(n, c, h, w) || nStride <= 0 || cStride <= 0 || hStride <= 0 || wStride <= 0) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "dimensions and strides must be positive");
    }
    long long last = (long long)(n - 1) * nStride + (long long)(c - 1) * cStride + (long long)(h - 1) * hStride
                     + (long long)(w - 1) * wStride;
    if (last >= MAX_ELEMENTS) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "tensor spans more than 2^31 elements");
    }
    desc->dataType = dataType;
    desc->n = n, desc->c = c, desc->h = h, desc->w = w;
    desc->ns = nStride, desc->cs = cStride, desc->hs = hStride, desc->ws = wStride;
    desc->set = 1;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetTensor4dDescriptor(cudnnTensorDescriptor_t desc, cudnnTensorFormat_t format,
                                         cudnnDataType_t dataType, int n, int c, int h, int w) {
    static const char fn[] = "cudnnSetTensor4dDescriptor";
    if (desc == NULL || desc->magic != MAGIC_TENSOR) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "not a tensor descriptor");
    }
    if (!dims_ok(n, c, h, w)) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "dimensions must be positive");
    }
    switch (format) {
    case CUDNN_TENSOR_NCHW: /* w fastest, then h, c, n */
        return cudnnSetTensor4dDescriptorEx(desc, dataType, n, c, h, w, c * h * w, h * w, w, 1);
    case CUDNN_TENSOR_NHWC: /* c fastest, then w, h, n */
        return cudnnSetTensor4dDescriptorEx(desc, dataType, n, c, h, w, c * h * w, 1, w * c, c);
    case CUDNN_TENSOR_NCHW_VECT_C:
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "NCHW_VECT_C needs a vector data type (not emulated)");
    }
    return fail(CUDNN_STATUS_BAD_PARAM, fn, "unknown tensor format");
}

cudnnStatus_t cudnnGetTensor4dDescriptor(const cudnnTensorDescriptor_t desc, cudnnDataType_t *dataType, int *n,
                                         int *c, int *h, int *w, int *nStride, int *cStride, int *hStride,
                                         int *wStride) {
    if (desc == NULL || desc->magic != MAGIC_TENSOR || !desc->set) {
        return fail(CUDNN_STATUS_BAD_PARAM, "cudnnGetTensor4dDescriptor", "not a set tensor descriptor");
    }
    if (dataType == NULL || n == NULL || c == NULL || h == NULL || w == NULL || nStride == NULL || cStride == NULL
        || hStride == NULL || wStride == NULL) {
        return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
    }
    *dataType = desc->dataType;
    *n = desc->n, *c = desc->c, *h = desc->h, *w = desc->w;
    *nStride = desc->ns, *cStride = desc->cs, *hStride = desc->hs, *wStride = desc->ws;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetTensorSizeInBytes(const cudnnTensorDescriptor_t desc, size_t *size) {
    if (desc == NULL || desc->magic != MAGIC_TENSOR || !desc->set || size == NULL) {
        return fail(CUDNN_STATUS_BAD_PARAM, "cudnnGetTensorSizeInBytes", "not a set tensor descriptor");
    }
    size_t last = (size_t)(desc->n - 1) * desc->ns + (size_t)(desc->c - 1) * desc->cs
                  + (size_t)(desc->h - 1) * desc->hs + (size_t)(desc->w - 1) * desc->ws;
    *size = (last + 1) * element_size(desc->dataType);
    return CUDNN_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ filter descriptors */

cudnnStatus_t cudnnCreateFilterDescriptor(cudnnFilterDescriptor_t *filterDesc) {
    if (filterDesc == NULL) {
        return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
    }
    struct cudnnFilterStruct *f = calloc(1, sizeof *f);
    if (f == NULL) {
        return CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED;
    }
    f->magic = MAGIC_FILTER;
    *filterDesc = f;
    EMU_HANDLE_CREATED(H_FILTER);
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnDestroyFilterDescriptor(cudnnFilterDescriptor_t filterDesc) {
    if (filterDesc == NULL) {
        return CUDNN_STATUS_SUCCESS;
    }
    if (filterDesc->magic != MAGIC_FILTER) {
        return fail(CUDNN_STATUS_BAD_PARAM, "cudnnDestroyFilterDescriptor", "not a filter descriptor");
    }
    filterDesc->magic = 0;
    free(filterDesc);
    EMU_HANDLE_DESTROYED(H_FILTER);
    return CUDNN_STATUS_SUCCESS;
}

/* k output channels, c input channels, h x w kernel (R x S). */
cudnnStatus_t cudnnSetFilter4dDescriptor(cudnnFilterDescriptor_t filterDesc, cudnnDataType_t dataType,
                                         cudnnTensorFormat_t format, int k, int c, int h, int w) {
    static const char fn[] = "cudnnSetFilter4dDescriptor";
    if (filterDesc == NULL || filterDesc->magic != MAGIC_FILTER) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "not a filter descriptor");
    }
    if (element_size(dataType) == 0) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "unknown data type");
    }
    if (format != CUDNN_TENSOR_NCHW && format != CUDNN_TENSOR_NHWC) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "format must be NCHW (KCRS) or NHWC (KRSC)");
    }
    if (!dims_ok(k, c, h, w)) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "dimensions must be positive");
    }
    filterDesc->dataType = dataType;
    filterDesc->format = format;
    filterDesc->k = k, filterDesc->c = c, filterDesc->h = h, filterDesc->w = w;
    filterDesc->set = 1;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetFilter4dDescriptor(const cudnnFilterDescriptor_t filterDesc, cudnnDataType_t *dataType,
                                         cudnnTensorFormat_t *format, int *k, int *c, int *h, int *w) {
    if (filterDesc == NULL || filterDesc->magic != MAGIC_FILTER || !filterDesc->set) {
        return fail(CUDNN_STATUS_BAD_PARAM, "cudnnGetFilter4dDescriptor", "not a set filter descriptor");
    }
    if (dataType == NULL || format == NULL || k == NULL || c == NULL || h == NULL || w == NULL) {
        return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
    }
    *dataType = filterDesc->dataType;
    *format = filterDesc->format;
    *k = filterDesc->k, *c = filterDesc->c, *h = filterDesc->h, *w = filterDesc->w;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetFilterSizeInBytes(const cudnnFilterDescriptor_t filterDesc, size_t *size) {
    if (filterDesc == NULL || filterDesc->magic != MAGIC_FILTER || !filterDesc->set || size == NULL) {
        return fail(CUDNN_STATUS_BAD_PARAM, "cudnnGetFilterSizeInBytes", "not a set filter descriptor");
    }
    *size = (size_t)filterDesc->k * filterDesc->c * filterDesc->h * filterDesc->w * element_size(filterDesc->dataType);
    return CUDNN_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ convolution descriptors */

cudnnStatus_t cudnnCreateConvolutionDescriptor(cudnnConvolutionDescriptor_t *convDesc) {
    if (convDesc == NULL) {
        return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
    }
    struct cudnnConvolutionStruct *d = calloc(1, sizeof *d);
    if (d == NULL) {
        return CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED;
    }
    d->magic = MAGIC_CONV;
    d->mathType = CUDNN_DEFAULT_MATH;
    d->groupCount = 1;
    d->reorder = CUDNN_DEFAULT_REORDER;
    *convDesc = d;
    EMU_HANDLE_CREATED(H_CONV);
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnDestroyConvolutionDescriptor(cudnnConvolutionDescriptor_t convDesc) {
    if (convDesc == NULL) {
        return CUDNN_STATUS_SUCCESS;
    }
    if (convDesc->magic != MAGIC_CONV) {
        return fail(CUDNN_STATUS_BAD_PARAM, "cudnnDestroyConvolutionDescriptor", "not a convolution descriptor");
    }
    convDesc->magic = 0;
    free(convDesc);
    EMU_HANDLE_DESTROYED(H_CONV);
    return CUDNN_STATUS_SUCCESS;
}

static int live_conv(const struct cudnnConvolutionStruct *d) {
    return d != NULL && d->magic == MAGIC_CONV;
}

/* pad >= 0, stride (u, v) >= 1, dilation >= 1. */
cudnnStatus_t cudnnSetConvolution2dDescriptor(cudnnConvolutionDescriptor_t convDesc, int pad_h, int pad_w, int u,
                                              int v, int dilation_h, int dilation_w, cudnnConvolutionMode_t mode,
                                              cudnnDataType_t computeType) {
    static const char fn[] = "cudnnSetConvolution2dDescriptor";
    if (!live_conv(convDesc)) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "not a convolution descriptor");
    }
    if (pad_h < 0 || pad_w < 0 || u <= 0 || v <= 0 || dilation_h <= 0 || dilation_w <= 0) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "expected pad >= 0, stride >= 1, dilation >= 1");
    }
    if (mode != CUDNN_CONVOLUTION && mode != CUDNN_CROSS_CORRELATION) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "unknown mode");
    }
    if (element_size(computeType) == 0) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "unknown compute type");
    }
    convDesc->padH = pad_h, convDesc->padW = pad_w;
    convDesc->strideH = u, convDesc->strideW = v;
    convDesc->dilH = dilation_h, convDesc->dilW = dilation_w;
    convDesc->mode = mode;
    convDesc->computeType = computeType;
    convDesc->set = 1;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolution2dDescriptor(const cudnnConvolutionDescriptor_t convDesc, int *pad_h, int *pad_w,
                                              int *u, int *v, int *dilation_h, int *dilation_w,
                                              cudnnConvolutionMode_t *mode, cudnnDataType_t *computeType) {
    if (!live_conv(convDesc) || !convDesc->set) {
        return fail(CUDNN_STATUS_BAD_PARAM, "cudnnGetConvolution2dDescriptor", "not a set convolution descriptor");
    }
    if (pad_h == NULL || pad_w == NULL || u == NULL || v == NULL || dilation_h == NULL || dilation_w == NULL
        || mode == NULL || computeType == NULL) {
        return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
    }
    *pad_h = convDesc->padH, *pad_w = convDesc->padW;
    *u = convDesc->strideH, *v = convDesc->strideW;
    *dilation_h = convDesc->dilH, *dilation_w = convDesc->dilW;
    *mode = convDesc->mode;
    *computeType = convDesc->computeType;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetConvolutionMathType(cudnnConvolutionDescriptor_t convDesc, cudnnMathType_t mathType) {
    if (!live_conv(convDesc)) {
        return fail(CUDNN_STATUS_BAD_PARAM, "cudnnSetConvolutionMathType", "not a convolution descriptor");
    }
    if (mathType < CUDNN_DEFAULT_MATH || mathType > CUDNN_FMA_MATH) {
        return fail(CUDNN_STATUS_BAD_PARAM, "cudnnSetConvolutionMathType", "unknown math type");
    }
    convDesc->mathType = mathType; /* anything but CUDNN_FMA_MATH lets FP32 convolutions round inputs to TF32 */
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolutionMathType(cudnnConvolutionDescriptor_t convDesc, cudnnMathType_t *mathType) {
    if (!live_conv(convDesc) || mathType == NULL) {
        return fail(CUDNN_STATUS_BAD_PARAM, "cudnnGetConvolutionMathType", "not a convolution descriptor");
    }
    *mathType = convDesc->mathType;
    return CUDNN_STATUS_SUCCESS;
}

/* Grouped convolution is not emulated: only groupCount 1 is accepted. */
cudnnStatus_t cudnnSetConvolutionGroupCount(cudnnConvolutionDescriptor_t convDesc, int groupCount) {
    if (!live_conv(convDesc) || groupCount < 1) {
        return fail(CUDNN_STATUS_BAD_PARAM, "cudnnSetConvolutionGroupCount", "expected groupCount >= 1");
    }
    if (groupCount != 1) {
        return fail(CUDNN_STATUS_NOT_SUPPORTED, "cudnnSetConvolutionGroupCount",
                    "grouped convolution is not emulated by this fake cuDNN");
    }
    convDesc->groupCount = groupCount;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolutionGroupCount(cudnnConvolutionDescriptor_t convDesc, int *groupCount) {
    if (!live_conv(convDesc) || groupCount == NULL) {
        return fail(CUDNN_STATUS_BAD_PARAM, "cudnnGetConvolutionGroupCount", "not a convolution descriptor");
    }
    *groupCount = convDesc->groupCount;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetConvolutionReorderType(cudnnConvolutionDescriptor_t convDesc, cudnnReorderType_t reorderType) {
    if (!live_conv(convDesc) || (reorderType != CUDNN_DEFAULT_REORDER && reorderType != CUDNN_NO_REORDER)) {
        return fail(CUDNN_STATUS_BAD_PARAM, "cudnnSetConvolutionReorderType", "bad descriptor or reorder type");
    }
    convDesc->reorder = reorderType;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolutionReorderType(cudnnConvolutionDescriptor_t convDesc, cudnnReorderType_t *reorderType) {
    if (!live_conv(convDesc) || reorderType == NULL) {
        return fail(CUDNN_STATUS_BAD_PARAM, "cudnnGetConvolutionReorderType", "not a convolution descriptor");
    }
    *reorderType = convDesc->reorder;
    return CUDNN_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ geometry and shape checks */

/* One 2-d convolution's shapes, checked against each other:
 *   input  x (or dx): N x C x H x W
 *   filter w (or dw): K x C x R x S
 *   output y (or dy): N x K x Ho x Wo */
typedef struct {
    int n, c, h, w;
    int k, r, s;
    int ho, wo;
    int padH, padW, strideH, strideW, dilH, dilW;
    int flip; /* CUDNN_CONVOLUTION: the filter is applied flipped in R and S */
} geometry;

/* (in + 2*pad - dil*(k-1) - 1) / stride + 1, or <= 0 when the (dilated) kernel does not fit. */
static int out_dim(int in, int pad, int k, int stride, int dil) {
    long long span = (long long)in + 2LL * pad - (long long)dil * (k - 1) - 1;
    return span < 0 ? 0 : (int)(span / stride + 1);
}

static int set_tensor(const struct cudnnTensorStruct *t) {
    return t != NULL && t->magic == MAGIC_TENSOR && t->set;
}

static int set_filter(const struct cudnnFilterStruct *f) {
    return f != NULL && f->magic == MAGIC_FILTER && f->set;
}

/* Checks x, w and the convolution, and computes the geometry up to the output shape. */
static cudnnStatus_t input_geometry(const char *fn, const struct cudnnTensorStruct *x,
                                    const struct cudnnFilterStruct *w, const struct cudnnConvolutionStruct *conv,
                                    geometry *g) {
    if (!set_tensor(x) || !set_filter(w) || !live_conv(conv) || !conv->set) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "a descriptor is NULL, destroyed or never set");
    }
    if (x->c != w->c * conv->groupCount) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "input channels differ from the filter's");
    }
    g->n = x->n, g->c = x->c, g->h = x->h, g->w = x->w;
    g->k = w->k, g->r = w->h, g->s = w->w;
    g->padH = conv->padH, g->padW = conv->padW;
    g->strideH = conv->strideH, g->strideW = conv->strideW;
    g->dilH = conv->dilH, g->dilW = conv->dilW;
    g->flip = conv->mode == CUDNN_CONVOLUTION;
    g->ho = out_dim(g->h, g->padH, g->r, g->strideH, g->dilH);
    g->wo = out_dim(g->w, g->padW, g->s, g->strideW, g->dilW);
    if (g->ho <= 0 || g->wo <= 0) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "the dilated filter is larger than the padded input");
    }
    return CUDNN_STATUS_SUCCESS;
}

/* Full check of a convolution's four descriptors, as every compute and query call does it. */
static cudnnStatus_t conv_geometry(const char *fn, const struct cudnnTensorStruct *x,
                                   const struct cudnnFilterStruct *w, const struct cudnnConvolutionStruct *conv,
                                   const struct cudnnTensorStruct *y, geometry *g) {
    cudnnStatus_t st = input_geometry(fn, x, w, conv, g);
    if (st != CUDNN_STATUS_SUCCESS) {
        return st;
    }
    if (!set_tensor(y)) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "the output descriptor is NULL, destroyed or never set");
    }
    if (y->n != x->n || y->c != w->k || y->h != g->ho || y->w != g->wo) {
        char why[160];
        snprintf(why, sizeof why, "output is %dx%dx%dx%d, expected %dx%dx%dx%d", y->n, y->c, y->h, y->w, x->n, w->k,
                 g->ho, g->wo);
        return fail(CUDNN_STATUS_BAD_PARAM, fn, why);
    }
    if (x->dataType != w->dataType || y->dataType != x->dataType) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "x, w and y data types differ");
    }
    if (x->dataType != CUDNN_DATA_FLOAT || conv->computeType != CUDNN_DATA_FLOAT) {
        return fail(CUDNN_STATUS_NOT_SUPPORTED, fn, "this fake cuDNN computes FP32 data with FP32 compute only");
    }
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolution2dForwardOutputDim(const cudnnConvolutionDescriptor_t convDesc,
                                                    const cudnnTensorDescriptor_t inputTensorDesc,
                                                    const cudnnFilterDescriptor_t filterDesc, int *n, int *c, int *h,
                                                    int *w) {
    geometry g;
    cudnnStatus_t st = input_geometry("cudnnGetConvolution2dForwardOutputDim", inputTensorDesc, filterDesc, convDesc,
                                      &g);
    if (st != CUDNN_STATUS_SUCCESS) {
        return st;
    }
    if (n == NULL || c == NULL || h == NULL || w == NULL) {
        return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
    }
    *n = g.n, *c = g.k, *h = g.ho, *w = g.wo;
    return CUDNN_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ algorithms: what the heuristics report */

/* What an algorithm needs and how the _v7 heuristics describe it. Every algorithm computes the same result
 * here; the menus are chosen so that a caller that keeps the first deterministic, successful algorithm
 * within its workspace cap (sagan4j's CudnnConv: cap 1 GiB) meets, in order:
 *   1. a non-deterministic algorithm (as cuDNN's backward ALGO_0s are; the forward entry is marked
 *      non-deterministic on purpose, to exercise the same filter),
 *   2. a deterministic one that wants more than 1 GiB of workspace (FFT),
 *   3. a deterministic one that wants a workspace of the size of one image's im2col matrix -- the one such a
 *      caller picks, so that its workspace allocation and passing are exercised,
 *   4. one reported with status CUDNN_STATUS_NOT_SUPPORTED (listed last, as cuDNN does).
 * Algorithms that are valid enum values but not on a menu run with no workspace. */
typedef enum { WS_NONE, WS_IM2COL, WS_HUGE, WS_UNSUPPORTED } workspace_kind;

typedef struct {
    int algo;
    cudnnDeterminism_t determinism;
    workspace_kind workspace;
} menu_entry;

#define HUGE_WORKSPACE ((size_t)3 << 30) /* 3 GiB */

static const menu_entry FWD_MENU[] = {
    {CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, CUDNN_NON_DETERMINISTIC, WS_NONE},
    {CUDNN_CONVOLUTION_FWD_ALGO_FFT, CUDNN_DETERMINISTIC, WS_HUGE},
    {CUDNN_CONVOLUTION_FWD_ALGO_GEMM, CUDNN_DETERMINISTIC, WS_IM2COL},
    {CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED, CUDNN_DETERMINISTIC, WS_UNSUPPORTED},
};
static const menu_entry BWD_DATA_MENU[] = {
    {CUDNN_CONVOLUTION_BWD_DATA_ALGO_0, CUDNN_NON_DETERMINISTIC, WS_NONE},
    {CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT, CUDNN_DETERMINISTIC, WS_HUGE},
    {CUDNN_CONVOLUTION_BWD_DATA_ALGO_1, CUDNN_DETERMINISTIC, WS_IM2COL},
    {CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED, CUDNN_DETERMINISTIC, WS_UNSUPPORTED},
};
static const menu_entry BWD_FILTER_MENU[] = {
    {CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0, CUDNN_NON_DETERMINISTIC, WS_NONE},
    {CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT, CUDNN_DETERMINISTIC, WS_HUGE},
    {CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1, CUDNN_DETERMINISTIC, WS_IM2COL},
    {CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD, CUDNN_DETERMINISTIC, WS_UNSUPPORTED},
};
#define MENU_LENGTH 4

typedef struct {
    const menu_entry *entries;
    int algoCount; /* CUDNN_CONVOLUTION_*_ALGO_COUNT */
} menu;

static const menu FWD = {FWD_MENU, CUDNN_CONVOLUTION_FWD_ALGO_COUNT};
static const menu BWD_DATA = {BWD_DATA_MENU, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT};
static const menu BWD_FILTER = {BWD_FILTER_MENU, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT};

/* The workspace `algo` needs for geometry g: SUCCESS and *bytes, NOT_SUPPORTED, or BAD_PARAM (no such algo). */
static cudnnStatus_t algo_workspace(const menu *m, int algo, const geometry *g, size_t *bytes,
                                    cudnnDeterminism_t *determinism) {
    if (algo < 0 || algo >= m->algoCount) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    workspace_kind kind = WS_NONE;
    *determinism = CUDNN_DETERMINISTIC;
    for (int i = 0; i < MENU_LENGTH; i++) {
        if (m->entries[i].algo == algo) {
            kind = m->entries[i].workspace;
            *determinism = m->entries[i].determinism;
        }
    }
    switch (kind) {
    case WS_NONE: *bytes = 0; return CUDNN_STATUS_SUCCESS;
    case WS_IM2COL: /* C*R*S x Ho*Wo floats: one image's im2col matrix */
        *bytes = (size_t)g->c * g->r * g->s * g->ho * g->wo * sizeof(float);
        return CUDNN_STATUS_SUCCESS;
    case WS_HUGE: *bytes = HUGE_WORKSPACE; return CUDNN_STATUS_SUCCESS;
    case WS_UNSUPPORTED: *bytes = 0; return CUDNN_STATUS_NOT_SUPPORTED;
    }
    return CUDNN_STATUS_INTERNAL_ERROR;
}

static cudnnStatus_t heuristics(const menu *m, const struct cudnnConvolutionStruct *conv, const geometry *g,
                                int requestedAlgoCount, int *returnedAlgoCount, cudnnConvolutionAlgoPerf_t *perf) {
    if (requestedAlgoCount < 1) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    if (returnedAlgoCount == NULL || perf == NULL) {
        return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
    }
    int count = requestedAlgoCount < MENU_LENGTH ? requestedAlgoCount : MENU_LENGTH;
    for (int i = 0; i < count; i++) {
        cudnnConvolutionAlgoPerf_t *p = &perf[i];
        memset(p, 0, sizeof *p);
        p->algo = m->entries[i].algo;
        p->status = algo_workspace(m, p->algo, g, &p->memory, &p->determinism);
        p->time = -1.0f; /* heuristics, not measurements: cuDNN reports -1 too */
        p->mathType = conv->mathType;
    }
    *returnedAlgoCount = count;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolutionForwardAlgorithmMaxCount(cudnnHandle_t handle, int *count) {
    if (!live_handle(handle) || count == NULL) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    *count = CUDNN_CONVOLUTION_FWD_ALGO_COUNT;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolutionBackwardDataAlgorithmMaxCount(cudnnHandle_t handle, int *count) {
    if (!live_handle(handle) || count == NULL) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    *count = CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(cudnnHandle_t handle, int *count) {
    if (!live_handle(handle) || count == NULL) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    *count = CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT;
    return CUDNN_STATUS_SUCCESS;
}

/* The three cudnnGet*Algorithm_v7 below, with their descriptors in forward terms (x, w, y). */
static cudnnStatus_t algorithms_v7(const char *fn, cudnnHandle_t handle, const menu *m,
                                   const struct cudnnTensorStruct *x, const struct cudnnFilterStruct *w,
                                   const struct cudnnConvolutionStruct *conv, const struct cudnnTensorStruct *y,
                                   int requestedAlgoCount, int *returnedAlgoCount, cudnnConvolutionAlgoPerf_t *perfResults) {
    if (!live_handle(handle)) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "not a live handle");
    }
    geometry g;
    cudnnStatus_t st = conv_geometry(fn, x, w, conv, y, &g);
    return st != CUDNN_STATUS_SUCCESS ? st : heuristics(m, conv, &g, requestedAlgoCount, returnedAlgoCount, perfResults);
}

cudnnStatus_t cudnnGetConvolutionForwardAlgorithm_v7(cudnnHandle_t handle, const cudnnTensorDescriptor_t srcDesc,
                                                     const cudnnFilterDescriptor_t filterDesc,
                                                     const cudnnConvolutionDescriptor_t convDesc,
                                                     const cudnnTensorDescriptor_t destDesc,
                                                     const int requestedAlgoCount, int *returnedAlgoCount,
                                                     cudnnConvolutionAlgoPerf_t *perfResults) {
    return algorithms_v7("cudnnGetConvolutionForwardAlgorithm_v7", handle, &FWD, srcDesc, filterDesc, convDesc, destDesc, requestedAlgoCount, returnedAlgoCount,
                         perfResults);
}

cudnnStatus_t cudnnGetConvolutionBackwardDataAlgorithm_v7(cudnnHandle_t handle,
                                                          const cudnnFilterDescriptor_t filterDesc,
                                                          const cudnnTensorDescriptor_t diffDesc,
                                                          const cudnnConvolutionDescriptor_t convDesc,
                                                          const cudnnTensorDescriptor_t gradDesc,
                                                          const int requestedAlgoCount, int *returnedAlgoCount,
                                                          cudnnConvolutionAlgoPerf_t *perfResults) {
    return algorithms_v7("cudnnGetConvolutionBackwardDataAlgorithm_v7", handle, &BWD_DATA, gradDesc, filterDesc, convDesc, diffDesc, requestedAlgoCount, returnedAlgoCount,
                         perfResults);
}

cudnnStatus_t cudnnGetConvolutionBackwardFilterAlgorithm_v7(cudnnHandle_t handle,
                                                            const cudnnTensorDescriptor_t srcDesc,
                                                            const cudnnTensorDescriptor_t diffDesc,
                                                            const cudnnConvolutionDescriptor_t convDesc,
                                                            const cudnnFilterDescriptor_t gradDesc,
                                                            const int requestedAlgoCount, int *returnedAlgoCount,
                                                            cudnnConvolutionAlgoPerf_t *perfResults) {
    return algorithms_v7("cudnnGetConvolutionBackwardFilterAlgorithm_v7", handle, &BWD_FILTER, srcDesc, gradDesc, convDesc, diffDesc, requestedAlgoCount, returnedAlgoCount,
                         perfResults);
}

static cudnnStatus_t workspace_size(const char *fn, cudnnHandle_t handle, const menu *m, int algo,
                                    const struct cudnnTensorStruct *x, const struct cudnnFilterStruct *w,
                                    const struct cudnnConvolutionStruct *conv, const struct cudnnTensorStruct *y,
                                    size_t *sizeInBytes) {
    if (!live_handle(handle)) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "not a live handle");
    }
    if (sizeInBytes == NULL) {
        return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
    }
    geometry g;
    cudnnStatus_t st = conv_geometry(fn, x, w, conv, y, &g);
    if (st != CUDNN_STATUS_SUCCESS) {
        return st;
    }
    cudnnDeterminism_t determinism;
    st = algo_workspace(m, algo, &g, sizeInBytes, &determinism);
    return st == CUDNN_STATUS_SUCCESS ? st : fail(st, fn, "algorithm unknown or not supported");
}

cudnnStatus_t cudnnGetConvolutionForwardWorkspaceSize(cudnnHandle_t handle, const cudnnTensorDescriptor_t xDesc,
                                                      const cudnnFilterDescriptor_t wDesc,
                                                      const cudnnConvolutionDescriptor_t convDesc,
                                                      const cudnnTensorDescriptor_t yDesc,
                                                      cudnnConvolutionFwdAlgo_t algo, size_t *sizeInBytes) {
    return workspace_size("cudnnGetConvolutionForwardWorkspaceSize", handle, &FWD, algo, xDesc, wDesc, convDesc, yDesc,
                          sizeInBytes);
}

cudnnStatus_t cudnnGetConvolutionBackwardDataWorkspaceSize(cudnnHandle_t handle, const cudnnFilterDescriptor_t wDesc,
                                                           const cudnnTensorDescriptor_t dyDesc,
                                                           const cudnnConvolutionDescriptor_t convDesc,
                                                           const cudnnTensorDescriptor_t dxDesc,
                                                           cudnnConvolutionBwdDataAlgo_t algo, size_t *sizeInBytes) {
    return workspace_size("cudnnGetConvolutionBackwardDataWorkspaceSize", handle, &BWD_DATA, algo, dxDesc, wDesc,
                          convDesc, dyDesc, sizeInBytes);
}

cudnnStatus_t cudnnGetConvolutionBackwardFilterWorkspaceSize(cudnnHandle_t handle,
                                                             const cudnnTensorDescriptor_t xDesc,
                                                             const cudnnTensorDescriptor_t dyDesc,
                                                             const cudnnConvolutionDescriptor_t convDesc,
                                                             const cudnnFilterDescriptor_t gradDesc,
                                                             cudnnConvolutionBwdFilterAlgo_t algo,
                                                             size_t *sizeInBytes) {
    return workspace_size("cudnnGetConvolutionBackwardFilterWorkspaceSize", handle, &BWD_FILTER, algo, xDesc, gradDesc,
                          convDesc, dyDesc, sizeInBytes);
}

/* ------------------------------------------------------------------ data movement between layouts */

static int packed_nchw(const struct cudnnTensorStruct *t) {
    return t->ws == 1 && t->hs == t->w && t->cs == t->h * t->w && t->ns == t->c * t->h * t->w;
}

/* A packed N x C x H x W copy of tensor t at p, rounded to TF32 when tf32 is set; p itself when t is already
 * packed NCHW and no rounding is asked for (*owned = 0). */
static const float *packed_tensor(const struct cudnnTensorStruct *t, const float *p, int tf32, int *owned) {
    *owned = 0;
    if (packed_nchw(t) && !tf32) {
        return p;
    }
    float *out = malloc((size_t)t->n * t->c * t->h * t->w * sizeof *out);
    if (out == NULL) {
        return NULL;
    }
    float *o = out;
    for (int n = 0; n < t->n; n++) {
        for (int c = 0; c < t->c; c++) {
            for (int h = 0; h < t->h; h++) {
                for (int w = 0; w < t->w; w++) {
                    float v = p[(ptrdiff_t)n * t->ns + (ptrdiff_t)c * t->cs + (ptrdiff_t)h * t->hs + (ptrdiff_t)w * t->ws];
                    *o++ = tf32 ? tf32_round(v) : v;
                }
            }
        }
    }
    *owned = 1;
    return out;
}

/* A packed K x C x R x S (KCRS) copy of filter f at p, rounded to TF32 when tf32 is set; p itself when f is
 * NCHW-formatted and no rounding is asked for (*owned = 0). */
static const float *packed_filter(const struct cudnnFilterStruct *f, const float *p, int tf32, int *owned) {
    *owned = 0;
    if (f->format == CUDNN_TENSOR_NCHW && !tf32) {
        return p;
    }
    float *out = malloc((size_t)f->k * f->c * f->h * f->w * sizeof *out);
    if (out == NULL) {
        return NULL;
    }
    for (int k = 0; k < f->k; k++) {
        for (int r = 0; r < f->h; r++) {
            for (int s = 0; s < f->w; s++) {
                for (int c = 0; c < f->c; c++) {
                    /* the source is KRSC (NHWC format) or already KCRS */
                    size_t kcrs = (((size_t)k * f->c + c) * f->h + r) * f->w + s;
                    size_t src = f->format == CUDNN_TENSOR_NCHW ? kcrs : (((size_t)k * f->h + r) * f->w + s) * f->c + c;
                    out[kcrs] = tf32 ? tf32_round(p[src]) : p[src];
                }
            }
        }
    }
    *owned = 1;
    return out;
}

/* cuDNN 9 on compute capability 8.0 and later may round the inputs of FP32 convolutions to TF32 unless the
 * math type is CUDNN_FMA_MATH, so the stand-in does it too: FP32 tests then fail here as they would on a GPU
 * if a path left TF32 on by mistake, and TF32 tolerances are exercised for real. */
static int allows_tf32(const struct cudnnConvolutionStruct *conv) {
    return conv->mathType != CUDNN_FMA_MATH;
}

/* out = alpha * acc + beta * out for the H x W plane (n, c) of tensor t; with beta == 0 out is not read. */
static void store_plane(const struct cudnnTensorStruct *t, float *p, int n, int c, const double *acc, float alpha,
                        float beta) {
    float *base = p + (ptrdiff_t)n * t->ns + (ptrdiff_t)c * t->cs;
    for (int h = 0; h < t->h; h++) {
        for (int w = 0; w < t->w; w++) {
            float *o = base + (ptrdiff_t)h * t->hs + (ptrdiff_t)w * t->ws;
            double v = (double)alpha * acc[(size_t)h * t->w + w];
            if (beta != 0.0f) {
                v += (double)beta * *o;
            }
            *o = (float)v;
        }
    }
}

/* The filter element (k, c, r, s) of filter f, as an offset into its memory (KCRS or KRSC). */
static size_t filter_offset(const struct cudnnFilterStruct *f, int k, int c, int r, int s) {
    if (f->format == CUDNN_TENSOR_NCHW) {
        return (((size_t)k * f->c + c) * f->h + r) * f->w + s;
    }
    return (((size_t)k * f->h + r) * f->w + s) * f->c + c;
}

/* ------------------------------------------------------------------ the arithmetic */

/* For kernel tap offset `off` (= s*dil - pad) and stride `st`: the output positions o in [*lo, *hi) whose input
 * position o*st + off lies in [0, in). */
static void valid_range(int off, int st, int in, int out, int *lo, int *hi) {
    int first = off >= 0 ? 0 : (-off + st - 1) / st;
    int last = in - 1 - off < 0 ? -1 : (in - 1 - off) / st; /* largest o with o*st + off <= in - 1 */
    *lo = first;
    *hi = last + 1 < out ? last + 1 : out;
    if (*hi < *lo) {
        *hi = *lo;
    }
}

/* The filter tap applied at (r, s): (r, s) itself, or (R-1-r, S-1-s) for CUDNN_CONVOLUTION. */
static size_t tap(const geometry *g, int r, int s) {
    return g->flip ? (size_t)(g->r - 1 - r) * g->s + (g->s - 1 - s) : (size_t)r * g->s + s;
}

/* y[n,k,oh,ow] = sum_{c,r,s} x[n, c, oh*sh - ph + r*dh, ow*sw - pw + s*dw] * w[k, c, tap(r,s)]
 * x packed N x C x H x W, w packed K x C x R x S; acc is one Ho x Wo plane. */
static void forward_plane(const geometry *g, const float *x, const float *w, int n, int k, double *acc) {
    memset(acc, 0, (size_t)g->ho * g->wo * sizeof *acc);
    for (int c = 0; c < g->c; c++) {
        const float *xp = x + ((size_t)n * g->c + c) * g->h * g->w;
        const float *wp = w + ((size_t)k * g->c + c) * g->r * g->s;
        for (int r = 0; r < g->r; r++) {
            for (int s = 0; s < g->s; s++) {
                double wv = wp[tap(g, r, s)];
                int offW = s * g->dilW - g->padW, lo, hi;
                valid_range(offW, g->strideW, g->w, g->wo, &lo, &hi);
                if (lo == hi) {
                    continue;
                }
                for (int oh = 0; oh < g->ho; oh++) {
                    int ih = oh * g->strideH - g->padH + r * g->dilH;
                    if (ih < 0 || ih >= g->h) {
                        continue;
                    }
                    const float *xrow = xp + (size_t)ih * g->w; /* input column of output ow: ow*sw + offW */
                    double *arow = acc + (size_t)oh * g->wo;
                    if (g->strideW == 1) {
                        const float *xs = xrow + lo + offW;
                        double *as = arow + lo;
                        for (int i = 0; i < hi - lo; i++) {
                            as[i] += wv * xs[i];
                        }
                    } else {
                        for (int ow = lo; ow < hi; ow++) {
                            arow[ow] += wv * xrow[(ptrdiff_t)ow * g->strideW + offW];
                        }
                    }
                }
            }
        }
    }
}

/* dx[n,c,ih,iw] = sum over (k, oh, ow, r, s) with ih = oh*sh - ph + r*dh, iw = ow*sw - pw + s*dw of
 *                 dy[n,k,oh,ow] * w[k, c, tap(r,s)]   (the adjoint of forward_plane in x)
 * dy packed N x K x Ho x Wo, w packed K x C x R x S; acc is one H x W plane. */
static void backward_data_plane(const geometry *g, const float *dy, const float *w, int n, int c, double *acc) {
    memset(acc, 0, (size_t)g->h * g->w * sizeof *acc);
    for (int k = 0; k < g->k; k++) {
        const float *dyp = dy + ((size_t)n * g->k + k) * g->ho * g->wo;
        const float *wp = w + ((size_t)k * g->c + c) * g->r * g->s;
        for (int r = 0; r < g->r; r++) {
            for (int s = 0; s < g->s; s++) {
                double wv = wp[tap(g, r, s)];
                int offW = s * g->dilW - g->padW, lo, hi;
                valid_range(offW, g->strideW, g->w, g->wo, &lo, &hi);
                if (lo == hi) {
                    continue;
                }
                for (int oh = 0; oh < g->ho; oh++) {
                    int ih = oh * g->strideH - g->padH + r * g->dilH;
                    if (ih < 0 || ih >= g->h) {
                        continue;
                    }
                    double *arow = acc + (size_t)ih * g->w; /* input column of output ow: ow*sw + offW */
                    const float *dyrow = dyp + (size_t)oh * g->wo;
                    if (g->strideW == 1) {
                        double *as = arow + lo + offW;
                        const float *ds = dyrow + lo;
                        for (int i = 0; i < hi - lo; i++) {
                            as[i] += wv * ds[i];
                        }
                    } else {
                        for (int ow = lo; ow < hi; ow++) {
                            arow[(ptrdiff_t)ow * g->strideW + offW] += wv * dyrow[ow];
                        }
                    }
                }
            }
        }
    }
}

/* dw[k,c,tap(r,s)] = sum_{n,oh,ow} dy[n,k,oh,ow] * x[n, c, oh*sh - ph + r*dh, ow*sw - pw + s*dw]
 * (the adjoint of forward_plane in w); x packed N x C x H x W, dy packed N x K x Ho x Wo; acc is R x S. */
static void backward_filter_plane(const geometry *g, const float *x, const float *dy, int k, int c, double *acc) {
    memset(acc, 0, (size_t)g->r * g->s * sizeof *acc);
    for (int n = 0; n < g->n; n++) {
        const float *xp = x + ((size_t)n * g->c + c) * g->h * g->w;
        const float *dyp = dy + ((size_t)n * g->k + k) * g->ho * g->wo;
        for (int r = 0; r < g->r; r++) {
            for (int s = 0; s < g->s; s++) {
                int offW = s * g->dilW - g->padW, lo, hi;
                valid_range(offW, g->strideW, g->w, g->wo, &lo, &hi);
                if (lo == hi) {
                    continue;
                }
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0; /* four chains: one would be latency-bound */
                for (int oh = 0; oh < g->ho; oh++) {
                    int ih = oh * g->strideH - g->padH + r * g->dilH;
                    if (ih < 0 || ih >= g->h) {
                        continue;
                    }
                    const float *xrow = xp + (size_t)ih * g->w; /* input column of output ow: ow*sw + offW */
                    const float *dyrow = dyp + (size_t)oh * g->wo;
                    if (g->strideW == 1) {
                        const float *xs = xrow + lo + offW, *ds = dyrow + lo;
                        int len = hi - lo, i = 0;
                        for (; i + 4 <= len; i += 4) {
                            s0 += (double)ds[i] * xs[i];
                            s1 += (double)ds[i + 1] * xs[i + 1];
                            s2 += (double)ds[i + 2] * xs[i + 2];
                            s3 += (double)ds[i + 3] * xs[i + 3];
                        }
                        for (; i < len; i++) {
                            s0 += (double)ds[i] * xs[i];
                        }
                    } else {
                        for (int ow = lo; ow < hi; ow++) {
                            s0 += (double)dyrow[ow] * xrow[(ptrdiff_t)ow * g->strideW + offW];
                        }
                    }
                }
                acc[tap(g, r, s)] += (s0 + s1) + (s2 + s3);
            }
        }
    }
}

/* ------------------------------------------------------------------ the three convolutions */

/* Checks shared by the three compute calls: handle, scalars, data pointers, algorithm and workspace. The
 * workspace the algorithm needs is filled with a pattern, so a caller that passes less than it asked for
 * writes out of bounds here as it would on the GPU (and a memory checker sees it). */
static cudnnStatus_t check_call(const char *fn, cudnnHandle_t handle, const void *alpha, const void *beta,
                                const void *in1, const void *in2, const void *out, const menu *m, int algo,
                                const geometry *g, void *workSpace, size_t workSpaceSizeInBytes) {
    if (!live_handle(handle)) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "not a live handle");
    }
    if (alpha == NULL || beta == NULL || in1 == NULL || in2 == NULL || out == NULL) {
        return fail(CUDNN_STATUS_BAD_PARAM_NULL_POINTER, fn, "alpha, beta or a data pointer is NULL");
    }
    size_t need;
    cudnnDeterminism_t determinism;
    cudnnStatus_t st = algo_workspace(m, algo, g, &need, &determinism);
    if (st != CUDNN_STATUS_SUCCESS) {
        return fail(st, fn, st == CUDNN_STATUS_NOT_SUPPORTED ? "algorithm not supported for this configuration"
                                                             : "unknown algorithm");
    }
    if (workSpaceSizeInBytes < need) {
        char why[128];
        snprintf(why, sizeof why, "the algorithm needs %zu bytes of workspace, got %zu", need, workSpaceSizeInBytes);
        return fail(CUDNN_STATUS_BAD_PARAM, fn, why);
    }
    if (need > 0) {
        if (workSpace == NULL) {
            return fail(CUDNN_STATUS_BAD_PARAM_NULL_POINTER, fn, "workspace is NULL");
        }
        memset(workSpace, 0x5a, need);
    }
    return CUDNN_STATUS_SUCCESS;
}

/* A validated convolution with its scalars read and its descriptors copied: what runs now, or what a
 * capture records and a replay runs (the caller's descriptors may be destroyed or reset before then). */
typedef enum { CONV_FORWARD, CONV_BACKWARD_DATA, CONV_BACKWARD_FILTER } conv_kind;
struct conv_call {
    conv_kind kind;
    geometry g;
    struct cudnnTensorStruct in;  /* x (forward, backward filter) or dy (backward data) */
    struct cudnnTensorStruct out; /* y (forward), dx (backward data), or dy (backward filter) */
    struct cudnnFilterStruct filter;
    int tf32;
    float alpha, beta;
    const void *a, *b; /* forward: x, w; backward data: dy, w; backward filter: x, dy */
    void *result;      /* y, dx or dw */
};

/* y = alpha * conv(x, w) + beta * y
 *   x: N x C x H x W, w: K x C x R x S, y: N x K x Ho x Wo */
static cudnnStatus_t run_forward(const struct conv_call *c) {
    const geometry *g = &c->g;
    int ownX, ownW;
    const float *xp = packed_tensor(&c->in, c->a, c->tf32, &ownX);
    const float *wp = packed_filter(&c->filter, c->b, c->tf32, &ownW);
    double *acc = malloc((size_t)g->ho * g->wo * sizeof *acc);
    cudnnStatus_t st = CUDNN_STATUS_SUCCESS;
    if (xp != NULL && wp != NULL && acc != NULL) {
        for (int n = 0; n < g->n; n++) {
            for (int k = 0; k < g->k; k++) {
                forward_plane(g, xp, wp, n, k, acc);
                store_plane(&c->out, c->result, n, k, acc, c->alpha, c->beta);
            }
        }
    } else {
        st = CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED;
    }
    if (ownX) free((void *)xp);
    if (ownW) free((void *)wp);
    free(acc);
    return st;
}

/* dx = alpha * conv^T(dy, w) + beta * dx
 *   w: K x C x R x S, dy: N x K x Ho x Wo, dx: N x C x H x W */
static cudnnStatus_t run_backward_data(const struct conv_call *c) {
    const geometry *g = &c->g;
    int ownDy, ownW;
    const float *dyp = packed_tensor(&c->in, c->a, c->tf32, &ownDy);
    const float *wp = packed_filter(&c->filter, c->b, c->tf32, &ownW);
    double *acc = malloc((size_t)g->h * g->w * sizeof *acc);
    cudnnStatus_t st = CUDNN_STATUS_SUCCESS;
    if (dyp != NULL && wp != NULL && acc != NULL) {
        for (int n = 0; n < g->n; n++) {
            for (int ch = 0; ch < g->c; ch++) {
                backward_data_plane(g, dyp, wp, n, ch, acc);
                store_plane(&c->out, c->result, n, ch, acc, c->alpha, c->beta);
            }
        }
    } else {
        st = CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED;
    }
    if (ownDy) free((void *)dyp);
    if (ownW) free((void *)wp);
    free(acc);
    return st;
}

/* dw = alpha * (dL/dw of conv)(x, dy) + beta * dw
 *   x: N x C x H x W, dy: N x K x Ho x Wo, dw: K x C x R x S */
static cudnnStatus_t run_backward_filter(const struct conv_call *c) {
    const geometry *g = &c->g;
    int ownX, ownDy;
    const float *xp = packed_tensor(&c->in, c->a, c->tf32, &ownX);
    const float *dyp = packed_tensor(&c->out, c->b, c->tf32, &ownDy);
    double *acc = malloc((size_t)g->r * g->s * sizeof *acc);
    cudnnStatus_t st = CUDNN_STATUS_SUCCESS;
    if (xp != NULL && dyp != NULL && acc != NULL) {
        float *out = c->result;
        for (int k = 0; k < g->k; k++) {
            for (int ch = 0; ch < g->c; ch++) {
                backward_filter_plane(g, xp, dyp, k, ch, acc);
                for (int r = 0; r < g->r; r++) {
                    for (int q = 0; q < g->s; q++) {
                        float *o = out + filter_offset(&c->filter, k, ch, r, q);
                        double v = (double)c->alpha * acc[(size_t)r * g->s + q];
                        if (c->beta != 0.0f) { /* beta == 0: dw is not read */
                            v += (double)c->beta * *o;
                        }
                        *o = (float)v;
                    }
                }
            }
        }
    } else {
        st = CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED;
    }
    if (ownX) free((void *)xp);
    if (ownDy) free((void *)dyp);
    free(acc);
    return st;
}

static cudnnStatus_t run_conv(const struct conv_call *c) {
    switch (c->kind) {
    case CONV_FORWARD: return run_forward(c);
    case CONV_BACKWARD_DATA: return run_backward_data(c);
    default: return run_backward_filter(c);
    }
}

static int conv_node(void *call) {
    return (int)run_conv(call);
}

/* Completes the validated call `c` (kind and geometry set) with copies of its descriptors and scalars, then runs
 * it now, or records it when the handle's stream is capturing. */
static cudnnStatus_t dispatch(const char *fn, cudnnHandle_t handle, struct conv_call *c,
                              const struct cudnnTensorStruct *in, const struct cudnnTensorStruct *out,
                              const struct cudnnFilterStruct *filter, const struct cudnnConvolutionStruct *conv,
                              const void *alpha, const void *beta, const void *a, const void *b, void *result) {
    c->in = *in;
    c->out = *out;
    c->filter = *filter;
    c->tf32 = allows_tf32(conv);
    c->alpha = *(const float *)alpha;
    c->beta = *(const float *)beta;
    c->a = a;
    c->b = b;
    c->result = result;
    switch (emu_capture_call(handle->stream, conv_node, c, sizeof *c, fn)) {
    case EMU_RECORDED:
        return CUDNN_STATUS_SUCCESS;
    case EMU_INVALIDATED:
        return fail(CUDNN_STATUS_EXECUTION_FAILED, fn, "the stream's capture was invalidated");
    case EMU_NO_MEMORY:
        return fail(CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED, fn, "out of host memory");
    default:
        return run_conv(c);
    }
}

cudnnStatus_t cudnnConvolutionForward(cudnnHandle_t handle, const void *alpha, const cudnnTensorDescriptor_t xDesc,
                                      const void *x, const cudnnFilterDescriptor_t wDesc, const void *w,
                                      const cudnnConvolutionDescriptor_t convDesc, cudnnConvolutionFwdAlgo_t algo,
                                      void *workSpace, size_t workSpaceSizeInBytes, const void *beta,
                                      const cudnnTensorDescriptor_t yDesc, void *y) {
    static const char fn[] = "cudnnConvolutionForward";
    struct conv_call c = {.kind = CONV_FORWARD};
    cudnnStatus_t st = conv_geometry(fn, xDesc, wDesc, convDesc, yDesc, &c.g);
    if (st == CUDNN_STATUS_SUCCESS) {
        st = check_call(fn, handle, alpha, beta, x, w, y, &FWD, algo, &c.g, workSpace, workSpaceSizeInBytes);
    }
    if (st != CUDNN_STATUS_SUCCESS) {
        return st;
    }
    return dispatch(fn, handle, &c, xDesc, yDesc, wDesc, convDesc, alpha, beta, x, w, y);
}

cudnnStatus_t cudnnConvolutionBackwardData(cudnnHandle_t handle, const void *alpha, const cudnnFilterDescriptor_t wDesc,
                                           const void *w, const cudnnTensorDescriptor_t dyDesc, const void *dy,
                                           const cudnnConvolutionDescriptor_t convDesc,
                                           cudnnConvolutionBwdDataAlgo_t algo, void *workSpace,
                                           size_t workSpaceSizeInBytes, const void *beta,
                                           const cudnnTensorDescriptor_t dxDesc, void *dx) {
    static const char fn[] = "cudnnConvolutionBackwardData";
    struct conv_call c = {.kind = CONV_BACKWARD_DATA};
    cudnnStatus_t st = conv_geometry(fn, dxDesc, wDesc, convDesc, dyDesc, &c.g);
    if (st == CUDNN_STATUS_SUCCESS) {
        st = check_call(fn, handle, alpha, beta, w, dy, dx, &BWD_DATA, algo, &c.g, workSpace, workSpaceSizeInBytes);
    }
    if (st != CUDNN_STATUS_SUCCESS) {
        return st;
    }
    return dispatch(fn, handle, &c, dyDesc, dxDesc, wDesc, convDesc, alpha, beta, dy, w, dx);
}

cudnnStatus_t cudnnConvolutionBackwardFilter(cudnnHandle_t handle, const void *alpha,
                                             const cudnnTensorDescriptor_t xDesc,
                                             const void *x, const cudnnTensorDescriptor_t dyDesc, const void *dy,
                                             const cudnnConvolutionDescriptor_t convDesc,
                                             cudnnConvolutionBwdFilterAlgo_t algo, void *workSpace,
                                             size_t workSpaceSizeInBytes, const void *beta,
                                             const cudnnFilterDescriptor_t dwDesc, void *dw) {
    static const char fn[] = "cudnnConvolutionBackwardFilter";
    struct conv_call c = {.kind = CONV_BACKWARD_FILTER};
    cudnnStatus_t st = conv_geometry(fn, xDesc, dwDesc, convDesc, dyDesc, &c.g);
    if (st == CUDNN_STATUS_SUCCESS) {
        st = check_call(fn, handle, alpha, beta, x, dy, dw, &BWD_FILTER, algo, &c.g, workSpace, workSpaceSizeInBytes);
    }
    if (st != CUDNN_STATUS_SUCCESS) {
        return st;
    }
    return dispatch(fn, handle, &c, xDesc, dyDesc, dwDesc, convDesc, alpha, beta, x, dy, dw);
}

/* A validated bias gradient, descriptors copied (see struct conv_call). */
struct bias_call {
    struct cudnnTensorStruct dyDesc, dbDesc;
    float alpha, beta;
    const float *dy;
    float *db;
};

static cudnnStatus_t run_bias(const struct bias_call *c) {
    const struct cudnnTensorStruct *dyDesc = &c->dyDesc, *dbDesc = &c->dbDesc;
    const float *g = c->dy;
    float *out = c->db;
    float a = c->alpha, b = c->beta;
    for (int k = 0; k < dyDesc->c; k++) {
        double sum = 0;
        for (int n = 0; n < dyDesc->n; n++) {
            for (int h = 0; h < dyDesc->h; h++) {
                for (int w = 0; w < dyDesc->w; w++) {
                    sum += g[(ptrdiff_t)n * dyDesc->ns + (ptrdiff_t)k * dyDesc->cs + (ptrdiff_t)h * dyDesc->hs
                             + (ptrdiff_t)w * dyDesc->ws];
                }
            }
        }
        float *o = out + (ptrdiff_t)k * dbDesc->cs;
        double v = (double)a * sum;
        if (b != 0.0f) {
            v += (double)b * *o;
        }
        *o = (float)v;
    }
    return CUDNN_STATUS_SUCCESS;
}

static int bias_node(void *call) {
    return (int)run_bias(call);
}

/* db = alpha * sum_{n,h,w} dy[n, k, h, w] + beta * db
 *   dy: N x K x H x W (dyDesc), db: 1 x K x 1 x 1 (dbDesc) */
cudnnStatus_t cudnnConvolutionBackwardBias(cudnnHandle_t handle, const void *alpha,
                                           const cudnnTensorDescriptor_t dyDesc,
                                           const void *dy, const void *beta, const cudnnTensorDescriptor_t dbDesc,
                                           void *db) {
    static const char fn[] = "cudnnConvolutionBackwardBias";
    if (!live_handle(handle)) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "not a live handle");
    }
    if (!set_tensor(dyDesc) || !set_tensor(dbDesc)) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "a descriptor is NULL, destroyed or never set");
    }
    if (dbDesc->n != 1 || dbDesc->c != dyDesc->c || dbDesc->h != 1 || dbDesc->w != 1) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "db must be 1 x K x 1 x 1 with K the channels of dy");
    }
    if (dyDesc->dataType != dbDesc->dataType) {
        return fail(CUDNN_STATUS_BAD_PARAM, fn, "dy and db data types differ");
    }
    if (dyDesc->dataType != CUDNN_DATA_FLOAT) {
        return fail(CUDNN_STATUS_NOT_SUPPORTED, fn, "this fake cuDNN computes FP32 only");
    }
    if (alpha == NULL || beta == NULL || dy == NULL || db == NULL) {
        return fail(CUDNN_STATUS_BAD_PARAM_NULL_POINTER, fn, "alpha, beta or a data pointer is NULL");
    }
    struct bias_call c = {*dyDesc, *dbDesc, *(const float *)alpha, *(const float *)beta, dy, db};
    switch (emu_capture_call(handle->stream, bias_node, &c, sizeof c, fn)) {
    case EMU_RECORDED:
        return CUDNN_STATUS_SUCCESS;
    case EMU_INVALIDATED:
        return fail(CUDNN_STATUS_EXECUTION_FAILED, fn, "the stream's capture was invalidated");
    case EMU_NO_MEMORY:
        return fail(CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED, fn, "out of host memory");
    default:
        return run_bias(&c);
    }
}
