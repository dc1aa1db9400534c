/*
optim.cu — the optimiser updates (issue #8): one launch per parameter tensor, viewed as a flat array of n
float32 elements, or (issue #10) one launch for every tensor of a network (multi-tensor apply). The CPU
reference is sagan4j.host.HostOptim.adam/ema (double, the reference backend's); the checked entry points
are sagan4j.backend.OptimOps.

Launch: block (SAGAN_BLOCK = 256, 1, 1), any grid (x): grid-stride loops, so the launcher caps the grid.
Each element is read and written by one thread only: no atomics, bitwise-identical from run to run.

Multi-tensor apply (adam_multi_f32, ema_multi_f32): a device table holds one entry per tensor (its pointers
and n, written once by *_write_entry) and a chunk list splits every tensor into OPTIM_CHUNK-element chunks
that never cross a tensor's end: chunk c = (tensor index, chunk number inside it). Block b walks chunks b,
b + gridDim.x, ...: the per-element work is the single-tensor kernels' exactly, so both give the same bits.
Adam's step count t lives on the device, one copy per chunk (steps[c]): the block that owns chunk c reads
it, and after a barrier its thread 0 writes t + 1. No other block touches steps[c], so no atomics and no
second launch are needed, and a captured CUDA graph replays with the right bias corrections (formed per
chunk in double from t, as OptimOps does on the host: bc = (float)(1 − β^t)).

Versions (one each; both are bandwidth-bound, bytes per element in brackets, float32):
  adam_f32   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  p ← p − lr·(m/bc1)/(√(v/bc2) + eps)
             with bc1 = 1 − β1^t, bc2 = 1 − β2^t formed once on the host     [28 B: read p, g, m, v; write p, m, v]
  ema_f32    ema ← decay·ema + (1 − decay)·x                                  [12 B: read x, ema; write ema]

  adam_multi_f32  adam_f32 over every tensor of the table in one launch     [28 B/elem + 16 B per chunk]
  ema_multi_f32   ema_f32 over every tensor, or a copy (ema ← x) for the entries marked copy or for all
                  with copy_all                                            [12 B (ema) or 8 B (copy)]
  zero_multi_f32  x ← 0 for every tensor of the table (a network's gradients)  [4 B]

Roofline: time ≈ n · bytes/elem / DRAM bandwidth (an H100's ~3 TB/s: Adam over BigGAN-128's ~160 M
parameters of G and D ≈ 4.5 GB ≈ 1.5 ms). The arithmetic is float32 with IEEE division and square root
(no fast-math); the CPU reference does it in double, so the two differ by float rounding only.
*/
#include "common.cuh"

// p, g, m, v: (n,). g is read only; p, m, v are updated in place.
extern "C" __global__ void adam_f32(float* p, const float* g, float* m, float* v, float lr, float beta1, float beta2,
                                    float eps, float bc1, float bc2, idx_t n) {
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        float gi = g[i];
        float mi = fmaf(beta1, m[i], (1.f - beta1) * gi);
        float vi = fmaf(beta2, v[i], (1.f - beta2) * gi * gi);
        m[i] = mi;
        v[i] = vi;
        p[i] -= lr * (mi / bc1) / (sqrtf(vi / bc2) + eps);
    }
}

// x, ema: (n,). ema is updated in place.
extern "C" __global__ void ema_f32(const float* x, float* ema, float decay, idx_t n) {
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        ema[i] = fmaf(decay, ema[i], (1.f - decay) * x[i]);
    }
}

// ---------------------------------------------------------------- multi-tensor apply

// Elements per chunk: one block's work item (16 elements per thread at SAGAN_BLOCK).
#define OPTIM_CHUNK 4096

// One tensor of an Adam table: param, grad, first and second moment, element count.
struct AdamEntry {
    float* p;
    const float* g;
    float* m;
    float* v;
    idx_t n;
};

// One tensor of an EMA table: the source x, its average, element count, and whether it is copied (1) rather
// than averaged (0) — the buffers (spectral-norm u, v; batch-norm statistics) follow the source exactly.
struct EmaEntry {
    const float* x;
    float* ema;
    idx_t n;
    idx_t copy;
};

// One tensor of a zeroing table (a gradient): pointer and element count.
struct ZeroEntry {
    float* x;
    idx_t n;
};

// table[k] ← (x, n). Launched once per entry when a group is made (grid 1, block 1).
extern "C" __global__ void zero_write_entry(ZeroEntry* table, int k, float* x, idx_t n) {
    if (threadIdx.x == 0 && blockIdx.x == 0) {
        table[k].x = x;
        table[k].n = n;
    }
}

// table: (T,) entries; chunks: (n_chunks, 2) as for Adam. Every element of every tensor ← 0.
extern "C" __global__ void zero_multi_f32(const ZeroEntry* table, const int* chunks, int n_chunks) {
    for (int c = blockIdx.x; c < n_chunks; c += gridDim.x) {
        const ZeroEntry e = table[chunks[2 * c]];
        idx_t begin = (idx_t)chunks[2 * c + 1] * OPTIM_CHUNK;
        idx_t end = begin + OPTIM_CHUNK < e.n ? begin + OPTIM_CHUNK : e.n;
        for (idx_t i = begin + threadIdx.x; i < end; i += blockDim.x) {
            e.x[i] = 0.f;
        }
    }
}

// table[k] ← (p, g, m, v, n). Launched once per entry when a group is made (grid 1, block 1).
extern "C" __global__ void adam_write_entry(AdamEntry* table, int k, float* p, const float* g, float* m, float* v, idx_t n) {
    if (threadIdx.x == 0 && blockIdx.x == 0) {
        table[k].p = p;
        table[k].g = g;
        table[k].m = m;
        table[k].v = v;
        table[k].n = n;
    }
}

// table[k] ← (x, ema, n, copy). Launched once per entry when a group is made (grid 1, block 1).
extern "C" __global__ void ema_write_entry(EmaEntry* table, int k, const float* x, float* ema, idx_t n, int copy) {
    if (threadIdx.x == 0 && blockIdx.x == 0) {
        table[k].x = x;
        table[k].ema = ema;
        table[k].n = n;
        table[k].copy = copy;
    }
}

// steps: (n_chunks,), every entry ← t (a group's step count set, e.g. when a checkpoint is loaded).
extern "C" __global__ void optim_set_steps(idx_t* steps, int n_chunks, idx_t t) {
    SAGAN_GRID_STRIDE_LOOP(c, n_chunks) {
        steps[c] = t;
    }
}

// table: (T,) entries; chunks: (n_chunks, 2) int32 (tensor index, chunk number inside it); steps: (n_chunks,)
// the steps taken so far, each advanced by one here. Any grid; block SAGAN_BLOCK.
extern "C" __global__ void adam_multi_f32(const AdamEntry* table, const int* chunks, idx_t* steps, int n_chunks,
                                          float lr, float beta1, float beta2, float eps) {
    for (int c = blockIdx.x; c < n_chunks; c += gridDim.x) {   // the same trip count for every thread of a block
        const AdamEntry e = table[chunks[2 * c]];
        idx_t begin = (idx_t)chunks[2 * c + 1] * OPTIM_CHUNK;
        idx_t end = begin + OPTIM_CHUNK < e.n ? begin + OPTIM_CHUNK : e.n;
        idx_t t = steps[c] + 1;
        __syncthreads();   // every thread has read steps[c] before thread 0 overwrites it
        if (threadIdx.x == 0) {
            steps[c] = t;
        }
        float bc1 = (float)(1.0 - pow((double)beta1, (double)t));
        float bc2 = (float)(1.0 - pow((double)beta2, (double)t));
        for (idx_t i = begin + threadIdx.x; i < end; i += blockDim.x) {
            float gi = e.g[i];
            float mi = fmaf(beta1, e.m[i], (1.f - beta1) * gi);
            float vi = fmaf(beta2, e.v[i], (1.f - beta2) * gi * gi);
            e.m[i] = mi;
            e.v[i] = vi;
            e.p[i] -= lr * (mi / bc1) / (sqrtf(vi / bc2) + eps);
        }
    }
}

// table: (T,) entries; chunks: (n_chunks, 2) as for Adam. copy_all: every entry copied (EMA-G before its start).
extern "C" __global__ void ema_multi_f32(const EmaEntry* table, const int* chunks, int n_chunks, float decay, int copy_all) {
    for (int c = blockIdx.x; c < n_chunks; c += gridDim.x) {
        const EmaEntry e = table[chunks[2 * c]];
        idx_t begin = (idx_t)chunks[2 * c + 1] * OPTIM_CHUNK;
        idx_t end = begin + OPTIM_CHUNK < e.n ? begin + OPTIM_CHUNK : e.n;
        if (copy_all || e.copy) {
            for (idx_t i = begin + threadIdx.x; i < end; i += blockDim.x) {
                e.ema[i] = e.x[i];
            }
        } else {
            for (idx_t i = begin + threadIdx.x; i < end; i += blockDim.x) {
                e.ema[i] = fmaf(decay, e.ema[i], (1.f - decay) * e.x[i]);
            }
        }
    }
}
