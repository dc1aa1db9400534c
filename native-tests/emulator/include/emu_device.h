// emu_device.h — the CUDA C++ device dialect as ordinary host C++, for sagan4j's CPU emulator.
//
// kernels/*.cu are compiled twice: by nvcc into the fatbins the Java side loads, and by g++ with this
// header (through include/cuda_runtime.h) into the fake libcuda.so.1, where every CUDA thread is a fiber
// (emu_runtime.cpp). The translation:
//   __global__ / __device__ / __host__         plain (static inline) host functions
//   __shared__ T x[N];                         static thread_local: one copy per OS thread, and an OS
//                                              thread runs one block at a time, so one copy per block;
//                                              filled with 0xFF bytes (NaN) when the block's first thread
//                                              reaches the declaration (gen_registry.py adds the call)
//   extern __shared__ T x[];                   rewritten by build.sh to a pointer from emu_dynamic_smem()
//   threadIdx, blockIdx, blockDim, gridDim     the running fiber's values
//   __syncthreads, __shfl_*_sync, grid.sync()  fiber barriers (block, warp, whole cooperative grid)
// Nothing here is fast; it is meant to be right, and to fail loudly where the hardware's behaviour would
// be undefined (divergent barriers, shuffles naming lanes that have exited).
#pragma once

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <type_traits>

#include "emu_abi.h"

#ifdef EMU_SCAN  // build.sh's pass that lists the kernels: keep the markers visible after preprocessing
#define __global__ __emu_global__
#define __launch_bounds__(...) __emu_lb__(__VA_ARGS__)
#else
#define __global__
#define __launch_bounds__(...)
#endif
#define __device__ static
#define __host__
#define __forceinline__ inline
#define __noinline__
#define __restrict__ __restrict
#define __shared__ static thread_local
#define __align__(n) __attribute__((aligned(n)))

struct dim3 { unsigned int x = 1, y = 1, z = 1; };
struct __attribute__((aligned(16))) float4 { float x, y, z, w; };
struct __attribute__((aligned(8))) float2 { float x, y; };
static inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }
static inline float2 make_float2(float x, float y) { return float2{x, y}; }

#define threadIdx (emu_ids->threadIdx)
#define blockIdx (emu_ids->blockIdx)
#define blockDim (emu_ids->blockDim)
#define gridDim (emu_ids->gridDim)
#define warpSize 32


static inline void __syncthreads() { emu_syncthreads(); }
[[noreturn]] static inline void __trap() { emu_fail_launch("__trap() (a device-side assertion failed)"); }
#define SAGAN_EMULATOR 1   // kernels/common.cuh reports a wrong launch shape through emu_fail_launch

template <class T>
static inline T emu_shfl(unsigned mask, T v, int src) {
    static_assert(sizeof(T) <= 8 && std::is_trivially_copyable<T>::value, "shuffle of a type over 8 bytes");
    uint64_t bits = 0;
    memcpy(&bits, &v, sizeof(T));
    bits = emu_warp_exchange(mask, bits, src);
    T out;
    memcpy(&out, &bits, sizeof(T));
    return out;
}
static inline int emu_lane() { return (int)(threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z)) & 31; }

// As documented for __shfl_xor_sync: a lane may read from earlier width-groups, not later ones.
template <class T>
static inline T __shfl_xor_sync(unsigned mask, T v, int laneMask, int width = 32) {
    int lane = emu_lane();
    int src = lane ^ laneMask;
    if (src >= ((lane / width) + 1) * width) src = -1;
    return emu_shfl(mask, v, src);
}
template <class T>
static inline T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32) {
    int lane = emu_lane();
    int src = ((lane % width) + (int)delta < width) ? lane + (int)delta : -1;
    return emu_shfl(mask, v, src);
}
template <class T>
static inline T __shfl_up_sync(unsigned mask, T v, unsigned delta, int width = 32) {
    int lane = emu_lane();
    int src = ((lane % width) - (int)delta >= 0) ? lane - (int)delta : -1;
    return emu_shfl(mask, v, src);
}
template <class T>
static inline T __shfl_sync(unsigned mask, T v, int srcLane, int width = 32) {
    int lane = emu_lane();
    return emu_shfl(mask, v, (lane / width) * width + (srcLane % width));
}

static inline float __int_as_float(int i) { float f; memcpy(&f, &i, 4); return f; }
static inline int __float_as_int(float f) { int i; memcpy(&i, &f, 4); return i; }
static inline float __fdividef(float a, float b) { return a / b; }
static inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }

// CUDA's integer min/max overloads (float code uses fminf/fmaxf).
template <class A, class B>
static inline typename std::common_type<A, B>::type min(A a, B b) {
    typedef typename std::common_type<A, B>::type C;
    return (C)a < (C)b ? (C)a : (C)b;
}
template <class A, class B>
static inline typename std::common_type<A, B>::type max(A a, B b) {
    typedef typename std::common_type<A, B>::type C;
    return (C)a > (C)b ? (C)a : (C)b;
}
