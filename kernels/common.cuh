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

// ---------------------------------------------------------------- fixed-order reductions
//
// The one definition of the block reductions every kernel file uses (layers.cu, spectral_norm.cu,
// cond_batchnorm.cu). Deterministic by construction: a xor butterfly inside each warp (every lane ends with
// the same bits, since each step adds the same two values in both lanes), then every thread adds the warp
// totals in warp order. No atomics, so the same inputs give the same bits run to run.

#define SAGAN_FULL_MASK 0xffffffffu
#define SAGAN_MAX_WARPS 32   // warps per block at most (1024 threads): the size of a reduction's scratch

// Sum over the 32 lanes of a warp (all lanes must call it); every lane gets the total.
template <typename T>
__device__ __forceinline__ T sagan_warp_sum(T v) {
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) v += __shfl_xor_sync(SAGAN_FULL_MASK, v, off);
    return v;
}

// Sum over the block of one value per thread; every thread of the block must call it and gets the total.
// blockDim.x must be a multiple of 32 (the kernels' launchers use 128 or 256). red: blockDim.x / 32 (at most
// SAGAN_MAX_WARPS) elements of shared memory, free for reuse as soon as the call returns (it ends with a barrier).
template <typename T>
__device__ __forceinline__ T sagan_block_sum(T v, T* red) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
    v = sagan_warp_sum(v);
    if (lane == 0) red[warp] = v;
    __syncthreads();
    T total = red[0];
    for (int w = 1; w < nwarps; w++) total += red[w];
    __syncthreads();   // red may be reused right after
    return total;
}

// ---------------------------------------------------------------- launch-shape checks
//
// A kernel whose indexing assumes one block shape (a tile of rows per warp, a fixed thread-to-element map)
// starts with SAGAN_REQUIRE_BLOCK(n) (block (n,1,1)) or SAGAN_REQUIRE_BLOCK_XY(nx, ny): a launch with another
// block traps: the launch fails with CUDA_ERROR_LAUNCH_FAILED (a sticky error: the context is lost, as it
// should be for a launcher bug); the emulator fails the same launch with that error and one line naming
// the kernel, the block it got and the one it needs. Larger blocks are also refused up front by the
// kernel's __launch_bounds__(n), which the driver and the emulator enforce.
#define SAGAN_REQUIRE_BLOCK(n) SAGAN_REQUIRE_BLOCK_XY(n, 1)
#define SAGAN_REQUIRE_BLOCK_XY(nx, ny)                                                                         \
    do {                                                                                                       \
        if (blockDim.x != (unsigned)(nx) || blockDim.y != (unsigned)(ny) || blockDim.z != 1u)                  \
            sagan_block_size_fault(__func__, blockDim.x, blockDim.y, blockDim.z, (nx), (ny));                  \
    } while (0)

#ifdef SAGAN_EMULATOR   // the CPU emulator (native-tests/emulator): fail this launch with the line
__device__ __noinline__ void sagan_block_size_fault(const char* kernel, unsigned x, unsigned y, unsigned z, int nx,
                                                    int ny) {
    char line[240];
    snprintf(line, sizeof line, "sagan4j kernel %s: launched with block (%u,%u,%u), it needs exactly (%d,%d,1)", kernel,
             x, y, z, nx, ny);
    emu_fail_launch(line);
}
#else
// On a GPU only the trap: a printf (or any call) here costs the kernel a stack frame and, at the register
// counts of the fused attention kernels, spills (ptxas 13.0, sm_90). The emulator run of the same launch names it.
#define sagan_block_size_fault(kernel, x, y, z, nx, ny) __trap()
#endif
