/*
Attention softmax-matmul, the core of SAGAN's self-attention, forward and backward. Row-major float32:

    q (B, N, d) = theta, k (B, M, d) = phi, v (B, M, c) = g
    S = scale * q k^T (B, N, M);  lse[b, n] = log sum_m exp S[b, n, m] (B, N);  P = exp(S - lse)
    o = P v (B, N, c)
    backward from dO (B, N, c):  D = rowsum(dO * o) (B, N);  dP = dO v^T;  dS = P * (dP - D)
                                 dq = scale * dS k;  dk = scale * dS^T q;  dv = P^T dO

Shapes in the models: SAGAN 32x32 G (B 64, N 256, M 64, d 16, c 64), D (d 8, c 32); BigGAN 128x128
(N 4096, M 1024, d = C/8 in 12..24, c = C/2 in 48..96). d and c need not be powers of two.

What one call must move and do (float32, 4 bytes per element; the roofline `sagan4j bench attention`
divides by):
    forward   bytes  4 * (B*N*d + B*M*d + B*M*c + B*N*c + B*N)        read q, k, v; write o, lse
              FLOPs  2 * B*N*M*(d + c)                                 (plus B*N*M exp)
    backward  bytes  4 * (2*B*N*d + 2*B*M*d + 2*B*M*c + 3*B*N*c + B*N)
                     read q, k, v, o, dO, lse; write dq, dk, dv
              FLOPs  2 * B*N*M*(2*d + 2*c) + 2*B*N*M*d                 (S, dP, dv, dq, dk; plus B*N*M exp)
    On an H100 (~3.0 TB/s copy, ~60 TFLOP/s fp32 FMA) the SAGAN-32 G forward moves 6.6 MB (2.2 us) and
    does 0.17 GFLOP (2.8 us): the floor is ~3 us, compute and memory about even. BigGAN 128 (B 8, C 192:
    d 24, c 96) moves 20 MB (7 us) but does 8.1 GFLOP (135 us): compute-bound, the floor is the FLOPs.
    The baseline composition moves S and P through global memory as well: + 4 * 4 * B*N*M bytes forward
    (S written, read, P written, read), which for BigGAN 128 (B 8) is 537 MB, ~180 us at copy speed.

Versions (the Java side selects them by name: sagan4j.cuda.attention.AttentionKernels):
baseline  cuBLAS strided-batched GEMM S = scale q k^T into a (B, N, M) scratch -> attention_softmax_rows_f32
          (in place, writes lse) -> GEMM o = P v. Bytes: the floor above + 16*B*N*M (S and P, each written
          and read once). Backward: GEMM S, attention_probs_from_lse_f32, GEMMs dv = P^T dO and dP = dO v^T,
          attention_ds_f32 (dS in place of dP), GEMMs dq, dk: + ~7 passes over B*N*M floats.
simple    attention_forward_simple_f32: one block per (query row, 128 output columns), each thread owns one
          output column and walks all M keys with the online softmax (running max, two expf per key);
          the score is recomputed by every thread (q and k rows come from L1). Bytes: q, k, v read once
          per block from L2, o and lse written once. Any d, any c. Backward: one thread per element of
          dv, dk, dq (attention_backward_simple_*), each recomputing its P row/column: correct for any d, c,
          and slow (the S and dP dot products are redone d or c times).
fused     attention_forward_tiled_d{32,64}_c{32,64,96}_f32: flash-attention style. A block of 128 threads
          owns 64 query rows and CT output columns (grid.y = ceil(c / CT)); it walks M in tiles of 32 keys
          staged in shared memory: S tile (64x32) in registers (4x4 per thread), online softmax with shuffles
          within the 8 threads of a row, P through shared memory (swizzled: no bank conflict on its store),
          o accumulated in registers (4 x CT/8 per thread). q, k and P tiles are kept transposed so that
          every inner-loop operand is one 16-byte shared load (2 loads per 16 FMAs in S, 1 + CT/32 loads per
          CT/2 FMAs in P v). Scores and probabilities never reach global memory; one lse per row is written.
          The q/k tiles hold DM = 32 or 64 values of t (the smallest DM >= d). Bytes: the floor above (k, v
          re-read once per 64-row tile, mostly from L2). Needs d <= 64 (the Java side runs `simple` otherwise
          and says so once per shape).
          Backward: attention_rowdot_f32 (D), then attention_backward_dkdv_d*_c*_f32 (a block owns 32 keys of
          dk and dv and walks its split of N in tiles of 32 rows, recomputing P and dS into shared memory;
          when B*ceil(M/32) blocks would not fill the GPU, N is split over grid.y and
          attention_sum_splits_f32 adds the S partial sums in order: + 8*S*B*M*(d + c) bytes) and
          attention_backward_dq_d*_c*_f32 (a block owns 32 query rows of dq and walks all M); rows of the
          tiles are 16-byte aligned and zero-padded to DM (d) or CMAX (c), so dot products and accumulations
          use 16-byte loads. Bytes: the floor above (q, dO re-read once per 32-key tile and k, v once per
          32-row tile, mostly from L2). Every output element is owned by one thread (or one thread per split,
          then one thread of the second pass) and summed in a fixed order: no atomics, bitwise identical from
          run to run. Needs d <= 32 with c <= 96, or d <= 64 with c <= 64 ((64, 96) needs 52 KB of static
          shared memory, over the 48 KiB limit).

Accuracy: expf and logf with fast-math off; fp32 accumulation. Every version is checked against the
double-precision CPU reference to 1e-5 relative L2 (native-tests/java/sagan4j/cuda/attention).
Masking: keys past M get S = -inf (P = 0) and zero-filled k, v tiles; rows past N are computed on zeros and
never written.
*/
#include "common.cuh"
#include <math_constants.h>

#define ATT_FULL_MASK 0xffffffffu
#define ATT_ROW_THREADS 256   // threads of the row kernels below: 8 warps, one row each

// ------------------------------------------------------------------------------------------------ baseline

// S, P: (rows, M) row-major, rows = B*N; lse: (rows,). One warp per row, 8 rows per 256-thread block:
// P = exp(S - max) / sum, in place; lse = max + log(sum). Grid (ceil(rows/8)), block (256).
extern "C" __global__ void __launch_bounds__(ATT_ROW_THREADS)
attention_softmax_rows_f32(float* S, float* lse, long long rows, int M) {
    SAGAN_REQUIRE_BLOCK(ATT_ROW_THREADS);
    const int lane = threadIdx.x & 31;
    const idx_t row = (idx_t)blockIdx.x * 8 + (threadIdx.x >> 5);
    if (row >= rows) return;                       // whole warps leave together
    float* s = S + row * M;
    float mx = -CUDART_INF_F;
    for (int j = lane; j < M; j += 32) mx = fmaxf(mx, s[j]);
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) mx = fmaxf(mx, __shfl_xor_sync(ATT_FULL_MASK, mx, o));
    float sum = 0.0f;
    for (int j = lane; j < M; j += 32) sum += expf(s[j] - mx);
    sum = sagan_warp_sum(sum);
    const float inv = 1.0f / sum;
    for (int j = lane; j < M; j += 32) s[j] = expf(s[j] - mx) * inv;
    if (lane == 0) lse[row] = mx + logf(sum);
}

// S: (rows, M), lse: (rows,). P = exp(S - lse) in place (the backward's recomputation). Grid-stride.
extern "C" __global__ void attention_probs_from_lse_f32(float* S, const float* lse, long long rows, int M) {
    const idx_t n = rows * M;
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        S[i] = expf(S[i] - lse[i / M]);
    }
}

// dP -> dS in place: dS = P * (dP - D), D = sum_x dO[row, x] * O[row, x]. dP, P: (rows, M); dO, O: (rows, c).
// One warp per row, 8 rows per 256-thread block. Grid (ceil(rows/8)), block (256).
extern "C" __global__ void __launch_bounds__(ATT_ROW_THREADS)
attention_ds_f32(float* dP, const float* P, const float* dO, const float* O, long long rows, int M, int c) {
    SAGAN_REQUIRE_BLOCK(ATT_ROW_THREADS);
    const int lane = threadIdx.x & 31;
    const idx_t row = (idx_t)blockIdx.x * 8 + (threadIdx.x >> 5);
    if (row >= rows) return;
    float D = 0.0f;
    for (int x = lane; x < c; x += 32) D = fmaf(dO[row * c + x], O[row * c + x], D);
    D = sagan_warp_sum(D);
    for (int j = lane; j < M; j += 32) {
        idx_t e = row * M + j;
        dP[e] = P[e] * (dP[e] - D);
    }
}

// D[row] = sum_x dO[row, x] * O[row, x]; dO, O: (rows, c); D: (rows,). One warp per row, 8 per block.
extern "C" __global__ void __launch_bounds__(ATT_ROW_THREADS)
attention_rowdot_f32(float* D, const float* dO, const float* O, long long rows, int c) {
    SAGAN_REQUIRE_BLOCK(ATT_ROW_THREADS);
    const int lane = threadIdx.x & 31;
    const idx_t row = (idx_t)blockIdx.x * 8 + (threadIdx.x >> 5);
    if (row >= rows) return;
    float acc = 0.0f;
    for (int x = lane; x < c; x += 32) acc = fmaf(dO[row * c + x], O[row * c + x], acc);
    acc = sagan_warp_sum(acc);
    if (lane == 0) D[row] = acc;
}

// ------------------------------------------------------------------------------------------------ simple

#define ATT_SIMPLE_THREADS 128

// q (B,N,d), k (B,M,d), v (B,M,c), o (B,N,c), lse (B,N). Grid (N, ceil(c/128), B), block (128).
// Thread x of block (n, y, b) computes o[b, n, y*128 + x] with the online softmax over all M keys.
extern "C" __global__ void __launch_bounds__(ATT_SIMPLE_THREADS)
attention_forward_simple_f32(const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
                             float* __restrict__ o, float* __restrict__ lse, int N, int M, int d, int c, float scale) {
    const idx_t b = blockIdx.z;
    const int n = blockIdx.x;
    const int col = blockIdx.y * ATT_SIMPLE_THREADS + threadIdx.x;
    const float* qr = q + (b * N + n) * d;
    const float* kb = k + b * M * d;
    const float* vb = v + b * M * c;
    float m = -CUDART_INF_F, l = 0.0f, acc = 0.0f;
    for (int j = 0; j < M; j++) {
        float dot = 0.0f;
        for (int t = 0; t < d; t++) dot = fmaf(qr[t], kb[(idx_t)j * d + t], dot);
        const float s = dot * scale;
        const float mnew = fmaxf(m, s);
        const float corr = expf(m - mnew);           // 0 on the first key (m = -inf)
        const float p = expf(s - mnew);
        l = fmaf(l, corr, p);
        const float vj = col < c ? vb[(idx_t)j * c + col] : 0.0f;
        acc = fmaf(acc, corr, p * vj);
        m = mnew;
    }
    if (col < c) o[(b * N + n) * c + col] = acc / l;
    if (blockIdx.y == 0 && threadIdx.x == 0) lse[b * N + n] = m + logf(l);
}

// P[i, j] = exp(scale * q_i . k_j - lse_i) for one batch entry's pointers.
__device__ __forceinline__ float att_prob(const float* qi, const float* kj, int d, float scale, float lsei) {
    float dot = 0.0f;
    for (int t = 0; t < d; t++) dot = fmaf(qi[t], kj[t], dot);
    return expf(dot * scale - lsei);
}

__device__ __forceinline__ float att_dot(const float* a, const float* b, int n) {
    float s = 0.0f;
    for (int x = 0; x < n; x++) s = fmaf(a[x], b[x], s);
    return s;
}

// dv (B,M,c): dv[b,j,x] = sum_i P[b,i,j] * dO[b,i,x]. One thread per element, grid-stride (block 256).
extern "C" __global__ void attention_backward_simple_dv_f32(float* dv, const float* q, const float* k, const float* dO,
                                                            const float* lse, int B, int N, int M, int d, int c,
                                                            float scale) {
    const idx_t total = (idx_t)B * M * c;
    SAGAN_GRID_STRIDE_LOOP(e, total) {
        const idx_t b = e / ((idx_t)M * c);
        const int j = (int)((e / c) % M), x = (int)(e % c);
        const float* kj = k + (b * M + j) * d;
        float acc = 0.0f;
        for (int i = 0; i < N; i++) {
            const idx_t row = b * N + i;
            acc = fmaf(att_prob(q + row * d, kj, d, scale, lse[row]), dO[row * c + x], acc);
        }
        dv[e] = acc;
    }
}

// dk (B,M,d): dk[b,j,t] = scale * sum_i P[i,j] (dO_i . v_j - D_i) q[i,t]. One thread per element.
extern "C" __global__ void attention_backward_simple_dk_f32(float* dk, const float* q, const float* k, const float* v,
                                                            const float* dO, const float* lse, const float* D,
                                                            int B, int N, int M, int d, int c, float scale) {
    const idx_t total = (idx_t)B * M * d;
    SAGAN_GRID_STRIDE_LOOP(e, total) {
        const idx_t b = e / ((idx_t)M * d);
        const int j = (int)((e / d) % M), t = (int)(e % d);
        const float* kj = k + (b * M + j) * d;
        const float* vj = v + (b * M + j) * c;
        float acc = 0.0f;
        for (int i = 0; i < N; i++) {
            const idx_t row = b * N + i;
            const float p = att_prob(q + row * d, kj, d, scale, lse[row]);
            const float ds = p * (att_dot(dO + row * c, vj, c) - D[row]);
            acc = fmaf(ds, q[row * d + t], acc);
        }
        dk[e] = acc * scale;
    }
}

// dq (B,N,d): dq[b,i,t] = scale * sum_j P[i,j] (dO_i . v_j - D_i) k[j,t]. One thread per element.
extern "C" __global__ void attention_backward_simple_dq_f32(float* dq, const float* q, const float* k, const float* v,
                                                            const float* dO, const float* lse, const float* D,
                                                            int B, int N, int M, int d, int c, float scale) {
    const idx_t total = (idx_t)B * N * d;
    SAGAN_GRID_STRIDE_LOOP(e, total) {
        const idx_t row = e / d;                 // b * N + i
        const int t = (int)(e % d);
        const idx_t b = row / N;
        const float* qi = q + row * d;
        const float* doi = dO + row * c;
        const float lsei = lse[row], Di = D[row];
        float acc = 0.0f;
        for (int j = 0; j < M; j++) {
            const float* kj = k + (b * M + j) * d;
            const float p = att_prob(qi, kj, d, scale, lsei);
            const float ds = p * (att_dot(doi, v + (b * M + j) * c, c) - Di);
            acc = fmaf(ds, kj[t], acc);
        }
        dq[e] = acc * scale;
    }
}

// ------------------------------------------------------------------------------------------------ fused

#define ATT_THREADS 128   // 4 warps
#define ATT_DMAX 64       // largest d of the fused kernels (instantiated for d <= 32 and d <= 64: DM below)
#define ATT_FQ 64         // forward: query rows per block
#define ATT_FK 32         // forward: keys per tile

// Copies rows [r0, r0 + R) x cols [c0, c0 + W) of a (rows, ld) row-major matrix into dst[R][DS] (dst row
// stride DS), zero outside the matrix (r >= rows or c0 + x >= cols). Whole block; consecutive threads read
// consecutive addresses.
template <int R, int DS>
__device__ __forceinline__ void att_load_tile(float* dst, const float* src, int r0, int rows, int c0, int W,
                                              int cols, int ld) {
    for (int l = threadIdx.x; l < R * W; l += ATT_THREADS) {
        const int r = l / W, x = l - r * W;
        float val = 0.0f;
        if (r0 + r < rows && c0 + x < cols) val = src[(idx_t)(r0 + r) * ld + c0 + x];
        dst[r * DS + x] = val;
    }
}

// Copies rows [r0, r0 + R) x cols [0, W) of a (rows, W) row-major matrix transposed into dst[W][DS]
// (dst[x * DS + r]), zero for rows past `rows`. Whole block; consecutive threads read consecutive addresses.
template <int R, int DS>
__device__ __forceinline__ void att_load_tile_t(float* dst, const float* src, int r0, int rows, int W) {
    for (int l = threadIdx.x; l < R * W; l += ATT_THREADS) {
        const int r = l / W, x = l - r * W;
        dst[x * DS + r] = r0 + r < rows ? src[(idx_t)(r0 + r) * W + x] : 0.0f;
    }
}

__device__ __forceinline__ float4 att_ld4(const float* p) {
    return *reinterpret_cast<const float4*>(p);
}

// Thread layout of the forward: warp w, lane = 8*ry + tx; ty = 4*w + ry in 0..15 owns query rows 4*ty .. 4*ty+3
// of the tile; tx in 0..7 owns keys 4*tx .. 4*tx+3 of each key tile and output columns 32*w4 + 4*tx + e
// (w4 < CT/32, e < 4). The 8 threads of a row group are lanes 8*ry .. 8*ry+7 of one warp: row reductions
// are 3 xor-shuffles. q and k tiles are stored transposed (Qt[t][row], Kt[t][key]) and P transposed
// (Pt[key][row]), so that every inner-loop operand is one 16-byte shared load: per d-step 2 loads feed
// 16 FMAs, per key 1 + CT/32 loads feed CT/2 FMAs.
template <int DM, int CT>
__device__ __forceinline__ void att_forward_tiled(const float* __restrict__ q, const float* __restrict__ k,
                                                  const float* __restrict__ v, float* __restrict__ o,
                                                  float* __restrict__ lse, int N, int M, int d, int c, float scale) {
    constexpr int QS = ATT_FQ + 4;   // row stride of Qt: 16-byte aligned rows
    constexpr int KS = ATT_FK + 4;   // row stride of Kt
    // Pt[key][row], ATT_FQ floats per key row, no padding, its 16 float4 columns swizzled: P[row 4*ty + i,
    // key r] lives in float4 column ty ^ (r >> 2) of row r. Why: thread (tx, ty) stores the 4 keys
    // r = 4*tx + jj, and a 16-byte store is served 8 lanes at a time (tx = 0..7, one ty). Unswizzled, at the
    // old padded stride of 68 floats, those 8 float4s fell on only 2 of the 8 four-bank groups (68*4 = 272 =
    // 16 mod 32): a 4-way bank conflict on every P store. With stride 64 the row adds nothing mod 32 banks
    // and ty ^ tx puts the 8 lanes on 8 distinct groups; the reads (one row kk, float4 column ty ^ (kk >> 2))
    // stay single 16-byte loads, broadcast within each quarter-warp as before.
    constexpr int PS = ATT_FQ;
    __shared__ __align__(16) float Qt[DM * QS];
    __shared__ __align__(16) float Kt[DM * KS];
    __shared__ __align__(16) float Vs[ATT_FK * CT];
    __shared__ __align__(16) float Pt[ATT_FK * PS];

    const idx_t b = blockIdx.z;
    const int n0 = blockIdx.x * ATT_FQ, c0 = blockIdx.y * CT;
    const int lane = threadIdx.x & 31, tx = lane & 7, ty = (threadIdx.x >> 5) * 4 + (lane >> 3);
    const float* kb = k + b * M * d;
    const float* vb = v + b * M * c;

    att_load_tile_t<ATT_FQ, QS>(Qt, q + b * N * d, n0, N, d);

    float m[4], l[4], acc[4][CT / 8];
#pragma unroll
    for (int i = 0; i < 4; i++) {
        m[i] = -CUDART_INF_F;
        l[i] = 0.0f;
#pragma unroll
        for (int u = 0; u < CT / 8; u++) acc[i][u] = 0.0f;
    }

    for (int j0 = 0; j0 < M; j0 += ATT_FK) {
        att_load_tile_t<ATT_FK, KS>(Kt, kb, j0, M, d);
        att_load_tile<ATT_FK, CT>(Vs, vb, j0, M, c0, CT, c, c);
        __syncthreads();

        float s[4][4];   // s[i][jj]: row 4*ty + i, key 4*tx + jj
#pragma unroll
        for (int i = 0; i < 4; i++)
#pragma unroll
            for (int jj = 0; jj < 4; jj++) s[i][jj] = 0.0f;
        for (int t = 0; t < d; t++) {
            const float4 q4 = att_ld4(&Qt[t * QS + 4 * ty]);
            const float4 k4 = att_ld4(&Kt[t * KS + 4 * tx]);
            const float qv[4] = {q4.x, q4.y, q4.z, q4.w};
            const float kv[4] = {k4.x, k4.y, k4.z, k4.w};
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int jj = 0; jj < 4; jj++) s[i][jj] = fmaf(qv[i], kv[jj], s[i][jj]);
        }

#pragma unroll
        for (int i = 0; i < 4; i++) {
            float tmax = -CUDART_INF_F;
#pragma unroll
            for (int jj = 0; jj < 4; jj++) {
                s[i][jj] = j0 + 4 * tx + jj < M ? s[i][jj] * scale : -CUDART_INF_F;
                tmax = fmaxf(tmax, s[i][jj]);
            }
            tmax = fmaxf(tmax, __shfl_xor_sync(ATT_FULL_MASK, tmax, 1));
            tmax = fmaxf(tmax, __shfl_xor_sync(ATT_FULL_MASK, tmax, 2));
            tmax = fmaxf(tmax, __shfl_xor_sync(ATT_FULL_MASK, tmax, 4));
            const float mnew = fmaxf(m[i], tmax);     // finite: key j0 < M is in every tile
            const float corr = expf(m[i] - mnew);     // 0 on the first tile
            float psum = 0.0f;
#pragma unroll
            for (int jj = 0; jj < 4; jj++) {
                s[i][jj] = expf(s[i][jj] - mnew);     // now P (unnormalised); 0 for masked keys
                psum += s[i][jj];
            }
            psum += __shfl_xor_sync(ATT_FULL_MASK, psum, 1);
            psum += __shfl_xor_sync(ATT_FULL_MASK, psum, 2);
            psum += __shfl_xor_sync(ATT_FULL_MASK, psum, 4);
            l[i] = fmaf(l[i], corr, psum);
            m[i] = mnew;
#pragma unroll
            for (int u = 0; u < CT / 8; u++) acc[i][u] *= corr;
        }
#pragma unroll
        for (int jj = 0; jj < 4; jj++) {
            *reinterpret_cast<float4*>(&Pt[(4 * tx + jj) * PS + 4 * (ty ^ tx)]) =   // (r >> 2) == tx
                make_float4(s[0][jj], s[1][jj], s[2][jj], s[3][jj]);
        }
        __syncthreads();

#pragma unroll 8
        for (int kk = 0; kk < ATT_FK; kk++) {
            const float4 p4 = att_ld4(&Pt[kk * PS + 4 * (ty ^ (kk >> 2))]);
            const float pv[4] = {p4.x, p4.y, p4.z, p4.w};
#pragma unroll
            for (int w4 = 0; w4 < CT / 32; w4++) {
                const float4 v4 = att_ld4(&Vs[kk * CT + 32 * w4 + 4 * tx]);
                const float vv[4] = {v4.x, v4.y, v4.z, v4.w};
#pragma unroll
                for (int i = 0; i < 4; i++)
#pragma unroll
                    for (int e = 0; e < 4; e++) acc[i][4 * w4 + e] = fmaf(pv[i], vv[e], acc[i][4 * w4 + e]);
            }
        }
        __syncthreads();   // Kt, Vs, Pt are overwritten by the next tile
    }

#pragma unroll
    for (int i = 0; i < 4; i++) {
        const int n = n0 + ty * 4 + i;
        if (n >= N) break;
        const float inv = 1.0f / l[i];
        float* orow = o + (b * N + n) * c;
#pragma unroll
        for (int w4 = 0; w4 < CT / 32; w4++)
#pragma unroll
            for (int e = 0; e < 4; e++) {
                const int col = c0 + 32 * w4 + 4 * tx + e;
                if (col < c) orow[col] = acc[i][4 * w4 + e] * inv;
            }
        if (blockIdx.y == 0 && tx == 0) lse[b * N + n] = m[i] + logf(l[i]);
    }
}

// q (B,N,d), k (B,M,d), v (B,M,c), o (B,N,c), lse (B,N); d <= DM (the q/k tiles hold DM rows of t).
// Grid (ceil(N/64), ceil(c/CT), B), block (128), no dynamic shared memory. Static shared memory
// 4*(DM*68 + DM*36 + 32*CT + 32*64) bytes: 47104 at DM 64, CT 96 (under the 48 KiB static limit).
#define ATT_FORWARD_TILED(DM, CT)                                                                              \
    extern "C" __global__ void __launch_bounds__(ATT_THREADS)                                                  \
    attention_forward_tiled_d##DM##_c##CT##_f32(const float* q, const float* k, const float* v, float* o,      \
                                                float* lse, int N, int M, int d, int c, float scale) {         \
        SAGAN_REQUIRE_BLOCK(ATT_THREADS);                                                                      \
        att_forward_tiled<DM, CT>(q, k, v, o, lse, N, M, d, c, scale);                                         \
    }
ATT_FORWARD_TILED(32, 32)
ATT_FORWARD_TILED(32, 64)
ATT_FORWARD_TILED(32, 96)
ATT_FORWARD_TILED(64, 32)
ATT_FORWARD_TILED(64, 64)
ATT_FORWARD_TILED(64, 96)

#define ATT_BT 32            // backward: rows and keys per tile
#define ATT_PS (ATT_BT + 4)  // row stride of the 32-wide P/dS tiles: 16-byte rows, 9 float4s (rows on distinct banks)

// sum over x < 4*n4 of a[x] * b[x], both 16-byte aligned shared rows (zero-padded past d or c), x in order.
__device__ __forceinline__ float att_dot4(const float* a, const float* b, int n4) {
    float s = 0.0f;
    for (int x = 0; x < n4; x++) {
        const float4 u = att_ld4(a + 4 * x), w = att_ld4(b + 4 * x);
        s = fmaf(u.x, w.x, s);
        s = fmaf(u.y, w.y, s);
        s = fmaf(u.z, w.z, s);
        s = fmaf(u.w, w.w, s);
    }
    return s;
}

// dk, dv for 32 keys of one batch entry per block; walks all N rows in tiles of 32. Thread: key jl = tid/4,
// g = tid%4. Score phase: rows g + 4r (r < 8) of the tile, dot products 4 elements per 16-byte load.
// Accumulation phase: columns 4g + 16u + e (e < 4) of its key's dv (u < CMAX/16) and dk (u < 2).
// Split of N (grid.y = S > 1): block (x, y) walks rows [y*rows_per_split, min(N, (y+1)*rows_per_split)) only
// and writes its partial sums to dk + y*split_stride_k, dv + y*split_stride_v (scratch, S copies); then
// attention_sum_splits_f32 adds the S partials in y order. S = 1: rows_per_split >= N, the outputs direct.
template <int DM, int CMAX>
__device__ __forceinline__ void att_backward_dkdv(const float* __restrict__ q, const float* __restrict__ k,
                                                  const float* __restrict__ v, const float* __restrict__ dO,
                                                  const float* __restrict__ lse, const float* __restrict__ D,
                                                  float* __restrict__ dk, float* __restrict__ dv,
                                                  int N, int M, int d, int c, float scale, int rows_per_split,
                                                  long long split_stride_k, long long split_stride_v) {
    constexpr int CS = CMAX + 4;
    constexpr int DS = DM + 4;   // row stride of the d-wide tiles: 16-byte rows, rows on distinct bank groups
    __shared__ __align__(16) float Qs[ATT_BT * DS];
    __shared__ __align__(16) float dOs[ATT_BT * CS];
    __shared__ __align__(16) float Ks[ATT_BT * DS];
    __shared__ __align__(16) float Vs[ATT_BT * CS];
    __shared__ __align__(16) float Pt[ATT_BT * ATT_PS];    // Pt[j][i] = P[i, j]
    __shared__ __align__(16) float dSt[ATT_BT * ATT_PS];   // dSt[j][i] = dS[i, j]
    __shared__ float Ls[ATT_BT], Ds[ATT_BT];

    const idx_t b = blockIdx.z;
    const int j0 = blockIdx.x * ATT_BT;
    const int i_begin = blockIdx.y * rows_per_split;
    const int i_end = min(N, i_begin + rows_per_split);   // rows at or past i_end count as outside (P = 0)
    dk += blockIdx.y * split_stride_k;
    dv += blockIdx.y * split_stride_v;
    const int jl = threadIdx.x >> 2, g = threadIdx.x & 3;
    const int d4 = (d + 3) >> 2, c4 = (c + 3) >> 2;
    const float* qb = q + b * N * d;
    const float* dob = dO + b * N * c;

    att_load_tile<ATT_BT, DS>(Ks, k + b * M * d, j0, M, 0, DM, d, d);
    att_load_tile<ATT_BT, CS>(Vs, v + b * M * c, j0, M, 0, CMAX, c, c);

    float adv[CMAX / 4], adk[DM / 4];
#pragma unroll
    for (int u = 0; u < CMAX / 4; u++) adv[u] = 0.0f;
#pragma unroll
    for (int u = 0; u < DM / 4; u++) adk[u] = 0.0f;

    for (int i0 = i_begin; i0 < i_end; i0 += ATT_BT) {
        att_load_tile<ATT_BT, DS>(Qs, qb, i0, i_end, 0, DM, d, d);
        att_load_tile<ATT_BT, CS>(dOs, dob, i0, i_end, 0, CMAX, c, c);
        if (threadIdx.x < ATT_BT) {
            const int i = i0 + threadIdx.x;
            Ls[threadIdx.x] = i < i_end ? lse[b * N + i] : CUDART_INF_F;   // P = 0 on rows outside the split
            Ds[threadIdx.x] = i < i_end ? D[b * N + i] : 0.0f;
        }
        __syncthreads();

#pragma unroll
        for (int r = 0; r < 8; r++) {
            const int il = g + 4 * r;
            const float sv = att_dot4(&Ks[jl * DS], &Qs[il * DS], d4);
            const float dp = att_dot4(&Vs[jl * CS], &dOs[il * CS], c4);
            const float p = expf(sv * scale - Ls[il]);
            Pt[jl * ATT_PS + il] = p;
            dSt[jl * ATT_PS + il] = p * (dp - Ds[il]);
        }
        __syncthreads();

#pragma unroll 4
        for (int i4 = 0; i4 < ATT_BT / 4; i4++) {
            const float4 p4 = att_ld4(&Pt[jl * ATT_PS + 4 * i4]);
            const float4 s4 = att_ld4(&dSt[jl * ATT_PS + 4 * i4]);
            const float pv[4] = {p4.x, p4.y, p4.z, p4.w};
            const float sv[4] = {s4.x, s4.y, s4.z, s4.w};
#pragma unroll
            for (int e4 = 0; e4 < 4; e4++) {
                const int il = 4 * i4 + e4;
#pragma unroll
                for (int u = 0; u < CMAX / 16; u++) {
                    const float4 o4 = att_ld4(&dOs[il * CS + 16 * u + 4 * g]);
                    adv[4 * u + 0] = fmaf(pv[e4], o4.x, adv[4 * u + 0]);
                    adv[4 * u + 1] = fmaf(pv[e4], o4.y, adv[4 * u + 1]);
                    adv[4 * u + 2] = fmaf(pv[e4], o4.z, adv[4 * u + 2]);
                    adv[4 * u + 3] = fmaf(pv[e4], o4.w, adv[4 * u + 3]);
                }
#pragma unroll
                for (int u = 0; u < DM / 16; u++) {
                    const float4 q4 = att_ld4(&Qs[il * DS + 16 * u + 4 * g]);
                    adk[4 * u + 0] = fmaf(sv[e4], q4.x, adk[4 * u + 0]);
                    adk[4 * u + 1] = fmaf(sv[e4], q4.y, adk[4 * u + 1]);
                    adk[4 * u + 2] = fmaf(sv[e4], q4.z, adk[4 * u + 2]);
                    adk[4 * u + 3] = fmaf(sv[e4], q4.w, adk[4 * u + 3]);
                }
            }
        }
        __syncthreads();   // Qs, dOs, Pt, dSt, Ls, Ds are overwritten by the next tile
    }

    const int j = j0 + jl;
    if (j < M) {
#pragma unroll
        for (int u = 0; u < CMAX / 4; u++) {
            const int x = 16 * (u >> 2) + 4 * g + (u & 3);
            if (x < c) dv[(b * M + j) * c + x] = adv[u];
        }
#pragma unroll
        for (int u = 0; u < DM / 4; u++) {
            const int t = 16 * (u >> 2) + 4 * g + (u & 3);
            if (t < d) dk[(b * M + j) * d + t] = adk[u] * scale;
        }
    }
}

// dq for 32 query rows of one batch entry per block; walks all M keys in tiles of 32. Thread: row il = tid/4,
// g = tid%4. Score phase: keys g + 4r (r < 8) of the tile; accumulation: columns 4g + 16u + e of dq (u < 2).
template <int DM, int CMAX>
__device__ __forceinline__ void att_backward_dq(const float* __restrict__ q, const float* __restrict__ k,
                                                const float* __restrict__ v, const float* __restrict__ dO,
                                                const float* __restrict__ lse, const float* __restrict__ D,
                                                float* __restrict__ dq, int N, int M, int d, int c, float scale) {
    constexpr int CS = CMAX + 4;
    constexpr int DS = DM + 4;
    __shared__ __align__(16) float Qs[ATT_BT * DS];
    __shared__ __align__(16) float dOs[ATT_BT * CS];
    __shared__ __align__(16) float Ks[ATT_BT * DS];
    __shared__ __align__(16) float Vs[ATT_BT * CS];
    __shared__ __align__(16) float dSs[ATT_BT * ATT_PS];   // dSs[i][j] = dS[i, j]

    const idx_t b = blockIdx.z;
    const int i0 = blockIdx.x * ATT_BT;
    const int il = threadIdx.x >> 2, g = threadIdx.x & 3;
    const int d4 = (d + 3) >> 2, c4 = (c + 3) >> 2;
    const float* kb = k + b * M * d;
    const float* vb = v + b * M * c;

    att_load_tile<ATT_BT, DS>(Qs, q + b * N * d, i0, N, 0, DM, d, d);
    att_load_tile<ATT_BT, CS>(dOs, dO + b * N * c, i0, N, 0, CMAX, c, c);
    const int i = i0 + il;
    const float lsei = i < N ? lse[b * N + i] : 0.0f;
    const float Di = i < N ? D[b * N + i] : 0.0f;

    float adq[DM / 4];
#pragma unroll
    for (int u = 0; u < DM / 4; u++) adq[u] = 0.0f;

    for (int j0 = 0; j0 < M; j0 += ATT_BT) {
        att_load_tile<ATT_BT, DS>(Ks, kb, j0, M, 0, DM, d, d);
        att_load_tile<ATT_BT, CS>(Vs, vb, j0, M, 0, CMAX, c, c);
        __syncthreads();

#pragma unroll
        for (int r = 0; r < 8; r++) {
            const int jl = g + 4 * r;
            const float sv = att_dot4(&Qs[il * DS], &Ks[jl * DS], d4);
            const float dp = att_dot4(&dOs[il * CS], &Vs[jl * CS], c4);
            const float p = j0 + jl < M ? expf(sv * scale - lsei) : 0.0f;
            dSs[il * ATT_PS + jl] = p * (dp - Di);
        }
        __syncthreads();

#pragma unroll 4
        for (int j4 = 0; j4 < ATT_BT / 4; j4++) {
            const float4 s4 = att_ld4(&dSs[il * ATT_PS + 4 * j4]);
            const float sv[4] = {s4.x, s4.y, s4.z, s4.w};
#pragma unroll
            for (int e4 = 0; e4 < 4; e4++) {
                const int jl = 4 * j4 + e4;
#pragma unroll
                for (int u = 0; u < DM / 16; u++) {
                    const float4 k4 = att_ld4(&Ks[jl * DS + 16 * u + 4 * g]);
                    adq[4 * u + 0] = fmaf(sv[e4], k4.x, adq[4 * u + 0]);
                    adq[4 * u + 1] = fmaf(sv[e4], k4.y, adq[4 * u + 1]);
                    adq[4 * u + 2] = fmaf(sv[e4], k4.z, adq[4 * u + 2]);
                    adq[4 * u + 3] = fmaf(sv[e4], k4.w, adq[4 * u + 3]);
                }
            }
        }
        __syncthreads();   // Ks, Vs, dSs are overwritten by the next tile
    }

    if (i < N) {
#pragma unroll
        for (int u = 0; u < DM / 4; u++) {
            const int t = 16 * (u >> 2) + 4 * g + (u & 3);
            if (t < d) dq[(b * N + i) * d + t] = adq[u] * scale;
        }
    }
}

// q (B,N,d), k (B,M,d), v (B,M,c), dO (B,N,c), lse (B,N), D (B,N) from attention_rowdot_f32; d <= DM, c <= CMAX.
// dkdv: writes dk (B,M,d), dv (B,M,c) (or S partial copies of them, see att_backward_dkdv);
//       grid (ceil(M/32), S, B), block (128).
// dq:   writes dq (B,N,d); grid (ceil(N/32), 1, B), block (128).
// Static shared memory of dkdv 4*(2*32*(DM+4) + 2*32*(CMAX+4) + 2*32*36 + 64) bytes: 44288 at (32, 96) and
// (64, 64); (64, 96) would need 52480, over the 48 KiB static limit, so it is not instantiated (the Java side
// says so and runs `simple` for d > 32 with c > 64).
#define ATT_BACKWARD_FUSED(DM, CMAX)                                                                           \
    extern "C" __global__ void __launch_bounds__(ATT_THREADS)                                                  \
    attention_backward_dkdv_d##DM##_c##CMAX##_f32(const float* q, const float* k, const float* v,              \
                                                  const float* dO, const float* lse, const float* D,           \
                                                  float* dk, float* dv, int N, int M, int d, int c,            \
                                                  float scale, int rows_per_split, long long split_stride_k,  \
                                                  long long split_stride_v) {                                  \
        SAGAN_REQUIRE_BLOCK(ATT_THREADS);                                                                      \
        att_backward_dkdv<DM, CMAX>(q, k, v, dO, lse, D, dk, dv, N, M, d, c, scale, rows_per_split,            \
                                    split_stride_k, split_stride_v);                                           \
    }                                                                                                          \
    extern "C" __global__ void __launch_bounds__(ATT_THREADS)                                                  \
    attention_backward_dq_d##DM##_c##CMAX##_f32(const float* q, const float* k, const float* v,                \
                                                const float* dO, const float* lse, const float* D, float* dq,  \
                                                int N, int M, int d, int c, float scale) {                     \
        SAGAN_REQUIRE_BLOCK(ATT_THREADS);                                                                      \
        att_backward_dq<DM, CMAX>(q, k, v, dO, lse, D, dq, N, M, d, c, scale);                                 \
    }
ATT_BACKWARD_FUSED(32, 32)
ATT_BACKWARD_FUSED(32, 64)
ATT_BACKWARD_FUSED(32, 96)
ATT_BACKWARD_FUSED(64, 32)
ATT_BACKWARD_FUSED(64, 64)

// The split-N dk/dv second pass: dk[i] = sum over s < S of part_k[s*nk + i] (s in order), the same for dv;
// part_k (S, nk), part_v (S, nv) from attention_backward_dkdv_* with grid.y = S. Grid-stride over nk + nv.
extern "C" __global__ void attention_sum_splits_f32(float* dk, const float* part_k, long long nk, float* dv,
                                                    const float* part_v, long long nv, int S) {
    const idx_t n = nk + nv;
    SAGAN_GRID_STRIDE_LOOP(e, n) {
        const bool isk = e < nk;
        const idx_t i = isk ? e : e - nk, stride = isk ? nk : nv;
        const float* p = (isk ? part_k : part_v) + i;
        float acc = 0.0f;
        for (int s = 0; s < S; s++) acc += p[s * stride];
        (isk ? dk : dv)[i] = acc;
    }
}
