// common.cuh — small helpers shared by the sagan4j kernels (kernels/*.cu).
//
// Conventions used by every kernel file:
// - kernels are extern "C" so the Java side (sagan4j.cuda) finds them by their plain name
//   with cuModuleGetFunction; argument order is the order the Java backend packs with Pointer.to;
// - element counts are 64-bit (long long), never int: tensors may exceed 2^31 elements;
// - element-wise kernels are launched with SAGAN_BLOCK threads per block and any grid size:
//   they walk the whole range with a grid-stride loop, so a grid capped by the launcher is fine.
#pragma once

#include <cuda_runtime.h>

// 64-bit index / element count type (matches Java's long).
typedef long long idx_t;

// Threads per block the Java launcher uses for element-wise kernels.
#define SAGAN_BLOCK 256

// First index this thread handles and the stride between its indices (whole grid, x dimension).
__device__ __forceinline__ idx_t sagan_global_index() {
    return (idx_t)blockIdx.x * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ idx_t sagan_grid_stride() {
    return (idx_t)blockDim.x * gridDim.x;
}

// for (idx_t i = first index; i < n; i += whole grid) — usage: SAGAN_GRID_STRIDE_LOOP(i, n) { ... }
#define SAGAN_GRID_STRIDE_LOOP(i, n) \
    for (idx_t i = sagan_global_index(), i##_stride = sagan_grid_stride(); i < (n); i += i##_stride)

// ceil(a / b) for positive operands.
__host__ __device__ __forceinline__ idx_t sagan_ceil_div(idx_t a, idx_t b) {
    return (a + b - 1) / b;
}
