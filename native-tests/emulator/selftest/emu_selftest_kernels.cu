// emu_selftest_kernels.cu — kernels that exercise the emulator's execution model (emu_selftest.cpp):
// right ones whose result is known, and wrong ones the emulator must catch.
#include <cooperative_groups.h>
#include <cuda_runtime.h>

// out[block] = sum of in[block*256 .. +256), tree reduction in shared memory with a barrier per level.
extern "C" __global__ void __launch_bounds__(256) st_block_sum(const float* in, float* out) {
    __shared__ float s[256];
    s[threadIdx.x] = in[blockIdx.x * 256 + threadIdx.x];
    __syncthreads();
    for (int half = 128; half > 0; half >>= 1) {
        if (threadIdx.x < half) s[threadIdx.x] += s[threadIdx.x + half];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[blockIdx.x] = s[0];
}

// The same without the barriers between levels: a race the emulator exposes in one of its thread orders.
extern "C" __global__ void __launch_bounds__(256) st_block_sum_racy(const float* in, float* out) {
    __shared__ float s[256];
    s[threadIdx.x] = in[blockIdx.x * 256 + threadIdx.x];
    __syncthreads();
    for (int half = 128; half > 0; half >>= 1)
        if (threadIdx.x < half) s[threadIdx.x] += s[threadIdx.x + half];
    __syncthreads();
    if (threadIdx.x == 0) out[blockIdx.x] = s[0];
}

// Warp sums: out[i] = sum over the warp by xor butterfly; down[i] = lane 0's __shfl_down_sum (others partial).
extern "C" __global__ void st_warp_sums(const float* in, float* xor_out, float* down_out) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    float v = in[i], d = in[i];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    for (int o = 16; o > 0; o >>= 1) d += __shfl_down_sync(0xffffffffu, d, o);
    xor_out[i] = v;
    down_out[i] = d;
}

// Half the warp shuffles while the other half waits at __syncthreads: undefined on a GPU, a deadlock here.
extern "C" __global__ void st_divergent_shuffle(float* out) {
    float v = 1.0f;
    if (threadIdx.x < 16) v = __shfl_xor_sync(0xffffffffu, v, 1);
    else __syncthreads();
    out[threadIdx.x] = v;
}

// Reads one element past the end of `in`.
extern "C" __global__ void st_read_past_end(const float* in, int n, float* out) {
    float acc = 0;
    for (int i = 0; i <= n + 1024; i++) acc += in[i];
    out[0] = acc;
}

// Every block writes its id, the whole grid syncs, then each reads its right neighbour's.
extern "C" __global__ void st_grid_neighbour(int* slots, int* out) {
    cooperative_groups::grid_group grid = cooperative_groups::this_grid();
    if (threadIdx.x == 0) slots[blockIdx.x] = (int)blockIdx.x * 10;
    grid.sync();
    if (threadIdx.x == 0) out[blockIdx.x] = slots[(blockIdx.x + 1) % gridDim.x];
}

// Copies its dynamic shared memory's first word (uninitialised: the emulator fills it with 0xFF bytes).
extern "C" __global__ void st_dynamic_smem(unsigned* out) {
    extern __shared__ unsigned dyn[];
    if (threadIdx.x == 0) out[0] = dyn[0];
}

// Every thread writes 7 into a static shared array (write != 0), or thread 0 copies its first word without
// anyone of this block writing it (write == 0): after a writing launch on the same workers, that word must
// still read as the emulator's 0xFF fill, not the previous block's 7.
extern "C" __global__ void st_static_smem(unsigned* out, int write) {
    __shared__ unsigned st[32];
    if (write) st[threadIdx.x] = 7u;
    __syncthreads();
    if (!write && threadIdx.x == 0) out[blockIdx.x] = st[0];
}
