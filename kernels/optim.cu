/*
optim.cu — the optimiser updates (issue #8), one launch per parameter tensor, viewed as a flat array of n
float32 elements. The CPU reference is sagan4j.cpu.CpuOptim; the checked entry points are
sagan4j.backend.OptimOps.

Launch: block (SAGAN_BLOCK = 256, 1, 1), any grid (x): grid-stride loops, so the launcher caps the grid.
Each element is read and written by one thread only: no atomics, bitwise-identical from run to run.

Versions (one each; both are bandwidth-bound, bytes per element in brackets, float32):
  adam_f32   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  p ← p − lr·(m/bc1)/(√(v/bc2) + eps)
             with bc1 = 1 − β1^t, bc2 = 1 − β2^t formed once on the host     [28 B: read p, g, m, v; write p, m, v]
  ema_f32    ema ← decay·ema + (1 − decay)·x                                  [12 B: read x, ema; write ema]

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
