/*
epilogue.cu — fused epilogues (issue #10): work that used to be its own launch after a convolution, done in
the same pass as the op before it. At SAGAN-32 sizes a launch costs more than the arithmetic of these
elementwise ops, so each fusion saves one launch and one round trip of the tensor through device memory.
The CPU reference is the unfused composition (sagan4j.backend.LayerOps#addChannelBiasActivation: the bias add
of layers.cu, then the activation of elementwise.cu); the checked entry point is
sagan4j.backend.Backend#addChannelBiasActivation.

Launch: block (SAGAN_BLOCK = 256, 1, 1), any grid (x): grid-stride loop. One thread per element: no atomics.

Versions (one):
  bias_activation_f32   x[b,c,..] += bias[c]; y = f(x), f = relu | leaky relu(slope) | tanh, formulas as in
                        elementwise.cu (so the fused and unfused paths give the same bits)
                        [12 B/elem: read x, write x and y; unfused: 8 B (bias) + 8 B (activation)]
The pre-activation x is still written: the activation's backward reads it (relu, leaky relu).

Roofline: n · 12 B / DRAM bandwidth.
*/
#include "common.cuh"

// The activation codes (sagan4j.cuda.Epilogues.code).
#define EPI_RELU 0
#define EPI_LEAKY_RELU 1
#define EPI_TANH 2

__device__ __forceinline__ float epi_activation(int act, float v, float slope) {
    if (act == EPI_RELU) return v > 0.0f ? v : 0.0f;
    if (act == EPI_LEAKY_RELU) return v > 0.0f ? v : slope * v;
    return tanhf(v);
}

// x: (B, C, inner) updated in place; bias: (C,); y: (B, C, inner). n = B·C·inner.
extern "C" __global__ void bias_activation_f32(float* x, const float* bias, float* y, int act, float slope, int C,
                                               idx_t inner, idx_t n) {
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        float v = x[i] + bias[(i / inner) % C];
        x[i] = v;
        y[i] = epi_activation(act, v, slope);
    }
}
