// emu_runtime.h — between the fake driver (fake_driver.cpp) and the thread scheduler (emu_runtime.cpp).
#pragma once
#include <stddef.h>
#include <string>

// One extern "C" kernel of kernels/*.cu compiled for the host; registered by the generated
// <name>_reg.cpp files (build.sh) before main runs.
struct EmuKernel {
    const char* name;
    const char* file;            // kernels/<file>.cu
    void (*invoke)(void** args); // unpacks cuLaunchKernel's kernelParams into the typed call
    int maxThreads;              // from __launch_bounds__, 1024 when absent
    int argCount;                // the C signature's parameters, and each one's size in bytes: what stream
    const size_t* argSizes;      // capture copies out of kernelParams when it records a launch
};
extern "C" void emu_register_kernel(const EmuKernel* k);
const EmuKernel* emu_find_kernel(const char* name);

struct EmuLaunch {
    const EmuKernel* kernel;
    unsigned grid[3], block[3];
    size_t dynamicSmem;
    void** params;
    bool cooperative;
};
// Runs the whole grid before returning. 0 on success, else a CUresult value with `error` set to one line.
int emu_launch(const EmuLaunch& l, std::string& error);

// Emulated device limits (an H100-like part with few multiprocessors, so grids stay small).
constexpr int EMU_SMS = 4;
constexpr int EMU_MAX_THREADS_PER_SM = 2048;
constexpr int EMU_SMEM_PER_BLOCK = 48 * 1024;
constexpr int EMU_SMEM_OPTIN = 232448;
