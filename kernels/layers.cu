// layers.cu — the small NCHW primitives the SAGAN/BigGAN layers are built from (issue #4).
//
// Every kernel is a grid-stride loop over its OUTPUT elements (each output written by exactly one
// thread, so no atomics and bitwise-identical results from run to run), or a fixed-order tree
// reduction. Launch: 256 threads per block unless the kernel's comment says otherwise.
//
// Versions (one each; these are bandwidth-bound one-pass kernels, bytes per element in brackets):
//   add_channel_bias_f32        x[b,c,..] += bias[c]                            [8 B: read + write x]
//   channel_bias_grad_partial_f32 (+ _final_f32)  dbias[c] = Σ_b,hw dy — S blocks per channel, each a fixed
//                               chunk of the channel's planes, then S partials per channel in order   [4 B: read dy]
//   upsample2x_f32 / _backward  nearest 2×: y[.., h, w] = x[.., h/2, w/2]       [5 B per y / 20 B per dx]
//   avgpool2x2_f32 / _backward  mean of each 2×2 block                          [20 B per y / 5 B per dx]
//   maxpool2x2_f32 / _backward  max of each 2×2 block + argmax (0..3) for the backward
//   sum_hw_f32                  y[b,c] = Σ_hw x — one warp per (b, c)           [4 B: read x]
//   sum_hw_backward_f32         dx[b,c,h,w] = dy[b,c]                           [4 B: write dx]
//   copy_rows_f32               strided row copy: concat / split along dim 1    [8 B]
//   gather_rows_f32             out[b,:] = table[labels[b],:]                   [8 B per out]
//   scatter_add_rows_sorted_f32 dtable[k,:] += Σ_{b: labels[b]=k} dout[b,:], batch order, one thread per (k, d),
//                               walking only class k's samples (cbn_labels_by_class's sorted order)
//                               [4 B per dout element read, + 8 B per dtable element: read + write once]
//   transpose_f32               y[b] = x[b]ᵀ through 32×32 shared-memory tiles (coalesced both ways)   [8 B]
//   zero_diagonal_f32           m[b, i, i] = 0 in place, one thread per diagonal element   [4 B per N]
//   axpy_scalar_f32             y += s[0]·x, s read on the device               [12 B]
//   dot_partial_f32 + dot_final_f32  Σ a·b: fixed grid of partial sums, then one block sums them in order

#include "common.cuh"

// ---------------------------------------------------------------- bias

extern "C" __global__ void add_channel_bias_f32(float* x, const float* bias, int C, idx_t inner, idx_t n) {
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        x[i] += bias[(i / inner) % C];
    }
}

// dbias[c] = sum over b in [0, B) and j in [0, inner) of dy[(b*C + c)*inner + j] — the channel's B planes of
// `inner` contiguous values. Few channels (3 for the output conv at 128x128) would give few blocks, so each
// channel's sequence t = b*inner + j (length B*inner) is cut into S equal chunks, one block each:
// grid (S, C), block LAYERS_REDUCE_THREADS. Block (s, c) sums its chunk (each thread in t order, then the
// fixed-order block sum) into partial[c*S + s]; with S == 1 `partial` is dbias itself and this is the only
// pass, else channel_bias_grad_final_f32 adds the S partials of each channel in s order. Deterministic: the
// grid depends only on the shape and the GPU's SM count (CudaLayers), never on timing; no atomics.
#define LAYERS_REDUCE_THREADS 256
extern "C" __global__ void __launch_bounds__(LAYERS_REDUCE_THREADS)
channel_bias_grad_partial_f32(const float* dy, float* partial, int B, int C, idx_t inner) {
    SAGAN_REQUIRE_BLOCK(LAYERS_REDUCE_THREADS);
    __shared__ float red[SAGAN_MAX_WARPS];
    const int c = blockIdx.y, S = gridDim.x, s = blockIdx.x;
    const idx_t per = (idx_t)B * inner, chunk = sagan_ceil_div(per, S);
    const idx_t t0 = s * chunk, t1 = t0 + chunk < per ? t0 + chunk : per;
    float acc = 0.f;
    for (idx_t t = t0 + threadIdx.x; t < t1; t += LAYERS_REDUCE_THREADS) {
        const idx_t b = t / inner, j = t - b * inner;
        acc += dy[(b * C + c) * inner + j];
    }
    const float total = sagan_block_sum(acc, red);
    if (threadIdx.x == 0) partial[(idx_t)c * S + s] = total;
}

// dbias[c] = sum over s < S of partial[c*S + s], in s order; one thread per channel (grid-stride).
extern "C" __global__ void channel_bias_grad_final_f32(const float* partial, float* dbias, int C, int S) {
    SAGAN_GRID_STRIDE_LOOP(c, C) {
        const float* p = partial + c * S;
        float acc = 0.f;
        for (int s = 0; s < S; s++) acc += p[s];
        dbias[c] = acc;
    }
}

// ---------------------------------------------------------------- resampling; H, W are the SMALL image's

extern "C" __global__ void upsample2x_f32(const float* x, float* y, int H, int W, idx_t n_out) {
    int W2 = 2 * W, H2 = 2 * H;
    SAGAN_GRID_STRIDE_LOOP(i, n_out) {
        idx_t bc = i / ((idx_t)H2 * W2);
        int r = (int)(i % ((idx_t)H2 * W2));
        int oh = r / W2, ow = r % W2;
        y[i] = x[(bc * H + oh / 2) * W + ow / 2];
    }
}

extern "C" __global__ void upsample2x_backward_f32(const float* dy, float* dx, int H, int W, idx_t n_in) {
    int W2 = 2 * W;
    SAGAN_GRID_STRIDE_LOOP(i, n_in) {
        idx_t bc = i / ((idx_t)H * W);
        int r = (int)(i % ((idx_t)H * W));
        int h = r / W, w = r % W;
        const float* p = dy + (bc * 2 * H + 2 * h) * W2 + 2 * w;
        dx[i] = (p[0] + p[1]) + (p[W2] + p[W2 + 1]);
    }
}

extern "C" __global__ void avgpool2x2_f32(const float* x, float* y, int H, int W, idx_t n_out) {
    int W2 = 2 * W;
    SAGAN_GRID_STRIDE_LOOP(i, n_out) {
        idx_t bc = i / ((idx_t)H * W);
        int r = (int)(i % ((idx_t)H * W));
        int h = r / W, w = r % W;
        const float* p = x + (bc * 2 * H + 2 * h) * W2 + 2 * w;
        y[i] = 0.25f * ((p[0] + p[1]) + (p[W2] + p[W2 + 1]));
    }
}

extern "C" __global__ void avgpool2x2_backward_f32(const float* dy, float* dx, int H, int W, idx_t n_in) {
    int W2 = 2 * W, H2 = 2 * H;
    SAGAN_GRID_STRIDE_LOOP(i, n_in) {
        idx_t bc = i / ((idx_t)H2 * W2);
        int r = (int)(i % ((idx_t)H2 * W2));
        dx[i] = 0.25f * dy[(bc * H + (r / W2) / 2) * W + (r % W2) / 2];
    }
}

extern "C" __global__ void maxpool2x2_f32(const float* x, float* y, int* argmax, int H, int W, idx_t n_out) {
    int W2 = 2 * W;
    SAGAN_GRID_STRIDE_LOOP(i, n_out) {
        idx_t bc = i / ((idx_t)H * W);
        int r = (int)(i % ((idx_t)H * W));
        int h = r / W, w = r % W;
        const float* p = x + (bc * 2 * H + 2 * h) * W2 + 2 * w;
        // Strict comparisons: the first maximum (row-major within the block) wins ties. Scalars, not
        // an array: a dynamically indexed array would live in local memory.
        float best = p[0];
        int at = 0;
        if (p[1] > best) { best = p[1]; at = 1; }
        if (p[W2] > best) { best = p[W2]; at = 2; }
        if (p[W2 + 1] > best) { best = p[W2 + 1]; at = 3; }
        y[i] = best;
        argmax[i] = at;
    }
}

extern "C" __global__ void maxpool2x2_backward_f32(const float* dy, const int* argmax, float* dx, int H, int W, idx_t n_in) {
    int W2 = 2 * W, H2 = 2 * H;
    SAGAN_GRID_STRIDE_LOOP(i, n_in) {
        idx_t bc = i / ((idx_t)H2 * W2);
        int r = (int)(i % ((idx_t)H2 * W2));
        int oh = r / W2, ow = r % W2;
        idx_t o = (bc * H + oh / 2) * W + ow / 2;
        int pos = (oh & 1) * 2 + (ow & 1);
        dx[i] = argmax[o] == pos ? dy[o] : 0.f;
    }
}

// ---------------------------------------------------------------- sum over H, W

// block 256 = 8 warps, one (b, c) row of length hw per warp; fixed-order shuffle reduction.
extern "C" __global__ void sum_hw_f32(const float* x, float* y, idx_t hw, idx_t rows) {
    idx_t row = blockIdx.x * (idx_t)(blockDim.x / 32) + threadIdx.x / 32;
    int lane = threadIdx.x % 32;
    if (row >= rows) return;
    const float* p = x + row * hw;
    float acc = 0.f;
    for (idx_t j = lane; j < hw; j += 32) acc += p[j];
    acc = sagan_warp_sum(acc);
    if (lane == 0) y[row] = acc;
}

extern "C" __global__ void sum_hw_backward_f32(const float* dy, float* dx, idx_t hw, idx_t n) {
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        dx[i] = dy[i / hw];
    }
}

// ---------------------------------------------------------------- concat / split along dimension 1

// rows × row_len elements from src (row pitch src_pitch, starting at src_off) to dst (dst_pitch, dst_off).
extern "C" __global__ void copy_rows_f32(const float* src, idx_t src_pitch, idx_t src_off,
                                         float* dst, idx_t dst_pitch, idx_t dst_off,
                                         idx_t rows, idx_t row_len) {
    idx_t n = rows * row_len;
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        idx_t r = i / row_len, j = i % row_len;
        dst[dst_off + r * dst_pitch + j] = src[src_off + r * src_pitch + j];
    }
}

// ---------------------------------------------------------------- embedding rows

// A label outside [0, K) yields NaN rows: visible, never a wild read (callers validate labels first).
extern "C" __global__ void gather_rows_f32(const float* table, const int* labels, float* out, int K, int D, idx_t n) {
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        idx_t b = i / D;
        int d = (int)(i % D);
        int k = labels[b];
        out[i] = (k >= 0 && k < K) ? table[(idx_t)k * D + d] : __int_as_float(0x7fc00000);
    }
}

// dtable[k, :] += sum over the samples b of class k, ascending b, of dout[b, :]. class_start (K+1) and order (B)
// are the class-sorted sample list of cond_batchnorm.cu's cbn_labels_by_class (the samples of class k are
// order[class_start[k] .. class_start[k+1]), labels outside [0, K) left out), so each thread, one per (k, d)
// with d fastest (coalesced), reads only its class's rows: B*D reads in all instead of K*D*B label compares.
// Same order as the plain loop over b, so the same bits; deterministic, no atomics.
extern "C" __global__ void scatter_add_rows_sorted_f32(const float* dout, const int* class_start, const int* order,
                                                       float* dtable, int K, int D) {
    const idx_t n = (idx_t)K * D;
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        const int k = (int)(i / D), d = (int)(i % D);
        float acc = 0.f;
        for (int j = class_start[k], end = class_start[k + 1]; j < end; j++) acc += dout[(idx_t)order[j] * D + d];
        dtable[i] += acc;
    }
}

// ---------------------------------------------------------------- transpose

// x (B, R, C) → y (B, C, R); block (32, 8), grid (⌈C/32⌉, ⌈R/32⌉, B). The +1 column avoids bank conflicts.
extern "C" __global__ void __launch_bounds__(256) transpose_f32(const float* x, float* y, int R, int C) {
    SAGAN_REQUIRE_BLOCK_XY(32, 8);
    __shared__ float tile[32][33];
    const float* xb = x + (idx_t)blockIdx.z * R * C;
    float* yb = y + (idx_t)blockIdx.z * R * C;
    int c0 = blockIdx.x * 32, r0 = blockIdx.y * 32;
    for (int i = threadIdx.y; i < 32; i += 8) {
        int r = r0 + i, c = c0 + threadIdx.x;
        if (r < R && c < C) tile[i][threadIdx.x] = xb[(idx_t)r * C + c];
    }
    __syncthreads();
    for (int i = threadIdx.y; i < 32; i += 8) {
        int c = c0 + i, r = r0 + threadIdx.x;
        if (r < R && c < C) yb[(idx_t)c * R + r] = tile[threadIdx.x][i];
    }
}

// ---------------------------------------------------------------- diagonal

// m (B, N, N) in place: the count = B·N diagonal elements, element i is m[i / N][i % N][i % N].
extern "C" __global__ void zero_diagonal_f32(float* m, int N, idx_t count) {
    SAGAN_GRID_STRIDE_LOOP(i, count) {
        idx_t b = i / N, j = i % N;
        m[(b * N + j) * N + j] = 0.f;
    }
}

// ---------------------------------------------------------------- scalar-on-device ops

extern "C" __global__ void axpy_scalar_f32(const float* s, const float* x, float* y, idx_t n) {
    float a = s[0];
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        y[i] += a * x[i];
    }
}

// Stage 1, grid (G) × block 256: partial[g] = Σ of a·b over the elements g + k·G·256-strided.
extern "C" __global__ void dot_partial_f32(const float* a, const float* b, float* partial, idx_t n) {
    __shared__ float red[SAGAN_MAX_WARPS];
    float acc = 0.f;
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        acc += a[i] * b[i];
    }
    float total = sagan_block_sum(acc, red);
    if (threadIdx.x == 0) partial[blockIdx.x] = total;
}

// Stage 2, one block of 256: out[0] = Σ partial[0..G) in a fixed order.
extern "C" __global__ void dot_final_f32(const float* partial, float* out, int G) {
    __shared__ float red[SAGAN_MAX_WARPS];
    float acc = 0.f;
    for (int i = threadIdx.x; i < G; i += blockDim.x) acc += partial[i];
    float total = sagan_block_sum(acc, red);
    if (threadIdx.x == 0) out[0] = total;
}
