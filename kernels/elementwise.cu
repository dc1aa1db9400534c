/*
Element-wise kernels on float32 tensors, viewed as flat arrays of n elements (n: 64-bit count).

Launch: block (256,1,1), any grid (x); every kernel walks [0, n) with a grid-stride loop, so the
launcher may cap the grid (e.g. at a few waves of blocks per SM). All pointers are device pointers;
in-place use (y == x, dx == dy) is allowed for every kernel below: each element is read and then
written by the same thread only.

Kernels (bytes moved per element, reads + writes, float32):
fill_f32                 x[i] = value                                   4 B/elem  (write x)
axpy_f32                 y[i] += alpha * x[i]                          12 B/elem  (read x, y; write y)
scale_f32                x[i] *= alpha                                  8 B/elem  (read x; write x)
relu_forward_f32         y[i] = max(x[i], 0)                            8 B/elem  (read x; write y)
relu_backward_f32        dx[i] = x[i] > 0 ? dy[i] : 0                  12 B/elem  (read dy, x; write dx)
leaky_relu_forward_f32   y[i] = x[i] > 0 ? x[i] : slope * x[i]          8 B/elem  (read x; write y)
leaky_relu_backward_f32  dx[i] = x[i] > 0 ? dy[i] : slope * dy[i]      12 B/elem  (read dy, x; write dx)
tanh_forward_f32         y[i] = tanh(x[i])                              8 B/elem  (read x; write y)
tanh_backward_f32        dx[i] = dy[i] * (1 - y[i]^2), y = tanh output 12 B/elem  (read dy, y; write dx)

All are memory-bound: time ~ n * bytes/elem / DRAM bandwidth (e.g. ~3 TB/s on an H100).
The derivative at x == 0 is taken as 0 for relu and as slope for leaky relu (the x > 0 test).
*/
#include "common.cuh"

// x: (n,)
extern "C" __global__ void fill_f32(float* x, float value, long long n) {
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        x[i] = value;
    }
}

// y: (n,), x: (n,)
extern "C" __global__ void axpy_f32(float* y, const float* x, float alpha, long long n) {
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        y[i] = fmaf(alpha, x[i], y[i]);
    }
}

// x: (n,)
extern "C" __global__ void scale_f32(float* x, float alpha, long long n) {
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        x[i] *= alpha;
    }
}

// y: (n,), x: (n,)
extern "C" __global__ void relu_forward_f32(float* y, const float* x, long long n) {
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        float v = x[i];
        y[i] = v > 0.0f ? v : 0.0f;   // NaN -> 0 (the comparison is false)
    }
}

// dx: (n,), dy: (n,), x: (n,) the forward input
extern "C" __global__ void relu_backward_f32(float* dx, const float* dy, const float* x, long long n) {
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
    }
}

// y: (n,), x: (n,)
extern "C" __global__ void leaky_relu_forward_f32(float* y, const float* x, float slope, long long n) {
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        float v = x[i];
        y[i] = v > 0.0f ? v : slope * v;
    }
}

// dx: (n,), dy: (n,), x: (n,) the forward input
extern "C" __global__ void leaky_relu_backward_f32(float* dx, const float* dy, const float* x, float slope,
                                                   long long n) {
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        float g = dy[i];
        dx[i] = x[i] > 0.0f ? g : slope * g;
    }
}

// y: (n,), x: (n,)
extern "C" __global__ void tanh_forward_f32(float* y, const float* x, long long n) {
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        y[i] = tanhf(x[i]);
    }
}

// dx: (n,), dy: (n,), y: (n,) the forward output tanh(x)
extern "C" __global__ void tanh_backward_f32(float* dx, const float* dy, const float* y, long long n) {
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        float t = y[i];
        dx[i] = dy[i] * (1.0f - t * t);
    }
}
