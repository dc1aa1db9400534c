// emu_abi.h — what the kernels compiled for the host and the emulator's scheduler share (no macros here,
// so emu_runtime.cpp can include it).
#pragma once
#include <stdint.h>

struct uint3 { unsigned int x, y, z; };

// The running CUDA thread, set by the scheduler before it switches to a fiber.
struct EmuThreadIds {
    uint3 threadIdx, blockIdx, blockDim, gridDim;
};
extern thread_local const EmuThreadIds* emu_ids;

// Barriers and shuffles, implemented by the scheduler (emu_runtime.cpp).
extern "C" void emu_syncthreads(void);
extern "C" void emu_grid_sync(void);
extern "C" void* emu_dynamic_smem(void);
// Called where a static __shared__ array is declared (gen_registry.py adds the call): the first thread of each
// block to get there fills it with 0xFF bytes (NaN), so a read before any write of this block shows.
extern "C" void emu_static_smem(void* p, unsigned long bytes);
// Exchanges 8 bytes among the lanes of a warp: every lane in mask publishes `value`, waits for the whole
// mask, and gets the value published by lane `src` (its own when src < 0).
extern "C" uint64_t emu_warp_exchange(unsigned mask, uint64_t value, int src);
// Fails the running launch from inside a kernel with CUDA_ERROR_LAUNCH_FAILED and `message` (plus where: kernel,
// block, thread); the block stops here. What __trap() and kernels/common.cuh's SAGAN_REQUIRE_BLOCK come to.
extern "C" [[noreturn]] void emu_fail_launch(const char* message);
