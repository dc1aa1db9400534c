/*
Spectral normalisation (Miyato et al. 2018): power iteration for sigma(W), W_sn = W / sigma, and its
backward. A weight is viewed as a row-major matrix W (m x n) = (out, rest): conv (out, in, kh, kw) ->
(out, in*kh*kw), linear (out, in), embedding (classes, dim). normalize(x) = x / max(||x||_2, eps).

    training, iters >= 1:  repeat iters times { v = normalize(W^T u); u = normalize(W v) }
                           sigma = u^T W v  (= ||t||^2 / max(||t||, eps) with t = W v of the last step)
    eval, iters == 0:      sigma = u^T W v with the given u and v (neither is written)
    forward:               W_sn = W / sigma            (optional; may alias W: constraint mode W <- W/sigma)
    backward (u, v const): dW = (G - <G, W_sn> u v^T) / sigma,   G = dL/dW_sn,  <G, W_sn> = <G, W> / sigma

Every weight is described by one SnDesc (below: 12 x 64-bit words, 96 bytes, written on the device by
sn_write_descriptor so that the host never needs raw addresses). Kernels take a device array of them.

Work decomposition (shared by the "chain" and "grouped" versions, so the two give bitwise equal results):
  phase 1  item (row chunk rc of 64 rows, column tile ct of 256 cols):  part[rc][j] = sum_r W[r][j] * s[r]
           where s = u (first iteration) or t (later ones, unnormalised).              reads W once
  phase 2  item (column tile ct):  vraw[j] = (sum_rc part[rc][j]) / max(||t||, eps)  (1 for the first
           iteration); vsq[ct] = sum over the tile of vraw[j]^2.                     reads part (M/64)
  phase 3  item (row chunk of 8 rows, one warp per row):  t[i] = (W[i,:] . vraw) / max(||vraw||, eps);
           tsq[k] = sum of t[i]^2 over the chunk (eval: sum of u[i] t[i]).             reads W once
  final    items: v tiles (v = vraw / max(||vraw||, eps)), u chunks (u = t / max(||t||, eps)), sigma,
           W_sn chunks of 4096 elements (W_sn = W / sigma).                 reads W, writes W_sn (if asked)
Norms are re-summed from the per-item partials in a fixed order by every item that needs them, so no
float atomics are used anywhere and every result is the same from run to run.

Versions (one line each: the idea, and the bytes it moves per weight, M = 4*m*n bytes, k steps):
  simple   sn_simple: one block per weight does the whole iteration, one launch per weight    2M*k + 2M, one SM's bandwidth
  chain    sn_phase1/2/3 + sn_final launched per phase per weight: the per-layer launch chain (baseline)  (2M + M/32)*k + 2M, 3k+1 launches per weight
  grouped  sn_grouped: the same work items for all weights in one cooperative launch, grid.sync between phases  (2M + M/32)*k + 2M, 1 launch
  backward sn_backward_dot (<G,W> partials, fixed grid) + sn_backward_apply (dW = (G - <G,W>/s u v^T)/s)  4M
  divide   sn_divide: out = W / sigma (W_sn, or W in place for the constraint mode)             2M
(chain and grouped share every work item's arithmetic, so their results are bitwise equal.)

Why a cooperative grid and not one block per weight or a per-phase launch chain: a power iteration step
is a chain of two matvecs with a global reduction (the norm) between them, so it needs grid-wide
ordering. One block per weight (sn_simple) is simple but a (1536, 13824) BigGAN weight would stream
85 MB through one SM (~50 GB/s); per-phase launches (chain) pay ~3-5 us of launch gap per phase and
per layer, which dominates SAGAN-32's 30 weights of 3e2..6e5 elements. A cooperative persistent grid
gives every weight all SMs and pays one grid barrier (~1-2 us) per phase for the whole model.

Roofline (what the op must move and do; H100 ~3.0 TB/s copy bandwidth):
  forward, per weight, iters k:   bytes >= k * 2 * 4mn (W read twice per step) [+ 8mn for W_sn]
                                  FLOPs = k * 4mn (two matvecs) [+ mn divides]
  SAGAN-32 G+D (the bench's 30 weights, 5.56e6 params, 22.2 MB): k=1 -> 44.5 MB -> 14.8 us floor;
                                  with W_sn 88.9 MB -> 29.6 us.
  BigGAN (1536,13824) weight, 85 MB: 170 MB per step -> 57 us floor per weight (+ 57 us for W_sn).
  backward per weight:            bytes >= 3 * 4mn (read G, W; write dW) -> 4 * 4mn as done here (G read
                                  twice, once per kernel); FLOPs ~ 5mn.
  Arithmetic intensity ~0.5 FLOP/byte: everything here is memory-bound.

Registers (ptxas, nvcc 13.0, sm_90): sn_grouped 64 (sm_75: 80), sn_simple 48, phase/backward kernels 29-32;
no stack, no spills on any arch. Correctness was checked without a GPU by running this file on the CPU under a
threads-as-CUDA-threads shim (warp shuffles emulated, cooperative grid sync emulated by running one block at a
time between syncs, in forward and reversed block order, scratch poisoned with NaN): all three versions, iters
0/1/3, nine shapes in one group ((3,27) ... (129,600), 1x1, 1x5, 7x1), the backward and sn_divide, against a
double reference (rel L2 <= 1e-5); removing one grid.sync() makes it fail.

Launch geometry (the Java side, sagan4j.cuda.spectralnorm.SpectralNormKernels, uses exactly this):
  block 256 threads for every kernel; sn_phase1 grid = ceil(m/64)*ceil(n/256); sn_phase2 grid =
  ceil(n/256); sn_phase3 grid = ceil(m/8); sn_final grid = items_final(weight); sn_grouped grid =
  min(max items of any phase, co-resident blocks); sn_simple grid = 1.
*/
#include "common.cuh"
#include <cooperative_groups.h>

namespace cg = cooperative_groups;

#define SN_THREADS 256
#define SN_WARPS (SN_THREADS / 32)
#define SN_P1_ROWS 64     // rows per phase-1 item
#define SN_TILE 256       // columns per phase-1/2 item (one per thread)
#define SN_P3_ROWS 8      // rows per phase-3 item (one warp per row)
#define SN_FCHUNK 4096    // W_sn elements per final item

// One SN weight. All words are 64-bit; pointers are device addresses. Layout mirrored by
// SpectralNormKernels.DESCRIPTOR_WORDS on the Java side.
struct SnDesc {
    const float* w;     // (m, n)
    float* u;           // (m)
    float* v;           // (n)
    float* sigma;       // (1)
    float* wsn;         // (m, n) or null: not written
    float* scratch;     // sn_scratch_floats(m, n) floats
    long long m, n;
    long long begin1, begin2, begin3, beginF;  // first global item of this weight in each phase
};

__host__ __device__ __forceinline__ int sn_r1(int m) { return (m + SN_P1_ROWS - 1) / SN_P1_ROWS; }
__host__ __device__ __forceinline__ int sn_ct(int n) { return (n + SN_TILE - 1) / SN_TILE; }
__host__ __device__ __forceinline__ int sn_r3(int m) { return (m + SN_P3_ROWS - 1) / SN_P3_ROWS; }

// Scratch layout (floats): part [r1 * n] | vraw [n] | vsq [ct] | t [m] | tsq [r3]
struct SnScratch {
    float *part, *vraw, *vsq, *t, *tsq;
};
__device__ __forceinline__ SnScratch sn_scratch(const SnDesc& d) {
    int m = (int)d.m, n = (int)d.n;
    SnScratch s;
    s.part = d.scratch;
    s.vraw = s.part + (idx_t)sn_r1(m) * n;
    s.vsq = s.vraw + n;
    s.t = s.vsq + sn_ct(n);
    s.tsq = s.t + m;
    return s;
}

// Sum of x[0..len) over the block, fixed order.
__device__ __forceinline__ float sn_block_sum_array(const float* x, int len, float* red) {
    float s = 0.0f;
    for (int k = threadIdx.x; k < len; k += SN_THREADS) s += x[k];
    return sagan_block_sum(s, red);   // common.cuh: warp butterflies, then the warp totals in order
}

// ---------------------------------------------------------------- the four phases (one work item each)

// part[rc][ct*256 + tid] = sum over the 64 rows of the chunk of W[r][j] * src[r]; src = u or t.
__device__ __forceinline__ void sn_do_phase1(const SnDesc& d, int item, bool first, float* s_src) {
    int m = (int)d.m, n = (int)d.n, ct = sn_ct(n);
    int rc = item / ct, tile = item - rc * ct;
    int r0 = rc * SN_P1_ROWS, rows = min(SN_P1_ROWS, m - r0);
    SnScratch s = sn_scratch(d);
    const float* src = first ? d.u : s.t;
    __syncthreads();                                   // s_src may still be read by a previous item
    if (threadIdx.x < rows) s_src[threadIdx.x] = src[r0 + threadIdx.x];
    __syncthreads();
    int j = tile * SN_TILE + threadIdx.x;
    if (j < n) {
        const float* wp = d.w + (idx_t)r0 * n + j;
        float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
        int r = 0;
        for (; r + 4 <= rows; r += 4) {                // 4 independent loads in flight per thread
            a0 = fmaf(wp[(idx_t)(r + 0) * n], s_src[r + 0], a0);
            a1 = fmaf(wp[(idx_t)(r + 1) * n], s_src[r + 1], a1);
            a2 = fmaf(wp[(idx_t)(r + 2) * n], s_src[r + 2], a2);
            a3 = fmaf(wp[(idx_t)(r + 3) * n], s_src[r + 3], a3);
        }
        for (; r < rows; r++) a0 = fmaf(wp[(idx_t)r * n], s_src[r], a0);
        s.part[(idx_t)rc * n + j] = (a0 + a1) + (a2 + a3);
    }
}

// 1 / max(||t||, eps) from the phase-3 partials (1 when u is the caller's, on the first iteration).
__device__ __forceinline__ float sn_inv_norm(const float* sq, int len, float eps, float* red) {
    float ss = sn_block_sum_array(sq, len, red);
    return 1.0f / fmaxf(sqrtf(ss), eps);
}

// vraw[j] = (sum_rc part[rc][j]) * inv_tnorm;  vsq[tile] = sum over the tile of vraw^2.
__device__ __forceinline__ void sn_do_phase2(const SnDesc& d, int tile, bool first, float eps, float* red) {
    int m = (int)d.m, n = (int)d.n, r1 = sn_r1(m);
    SnScratch s = sn_scratch(d);
    float scale = first ? 1.0f : sn_inv_norm(s.tsq, sn_r3(m), eps, red);
    int j = tile * SN_TILE + threadIdx.x;
    float x = 0.0f;
    if (j < n) {
        for (int rc = 0; rc < r1; rc++) x += s.part[(idx_t)rc * n + j];
        x *= scale;
        s.vraw[j] = x;
    }
    float sq = sagan_block_sum(x * x, red);
    if (threadIdx.x == 0) s.vsq[tile] = sq;
}

// t[i] = (W[i,:] . vsrc) * scale for the 8 rows of the chunk (a warp per row); tsq[chunk] = sum of t^2
// (training) or of u[i] * t[i] (eval: vsrc = the caller's v, scale 1).
__device__ __forceinline__ void sn_do_phase3(const SnDesc& d, int chunk, bool eval, float eps, float* red) {
    int m = (int)d.m, n = (int)d.n;
    SnScratch s = sn_scratch(d);
    const float* vsrc = eval ? d.v : s.vraw;
    float scale = eval ? 1.0f : sn_inv_norm(s.vsq, sn_ct(n), eps, red);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int i = chunk * SN_P3_ROWS + warp;
    float contrib = 0.0f;
    if (i < m) {
        const float* wr = d.w + (idx_t)i * n;
        float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
        int j = lane;
        for (; j + 96 < n; j += 128) {                 // 4 independent loads in flight per lane
            a0 = fmaf(wr[j], vsrc[j], a0);
            a1 = fmaf(wr[j + 32], vsrc[j + 32], a1);
            a2 = fmaf(wr[j + 64], vsrc[j + 64], a2);
            a3 = fmaf(wr[j + 96], vsrc[j + 96], a3);
        }
        for (; j < n; j += 32) a0 = fmaf(wr[j], vsrc[j], a0);
        float a = (a0 + a1) + (a2 + a3);
        a = sagan_warp_sum(a);
        float t = a * scale;
        if (lane == 0) s.t[i] = t;
        contrib = eval ? d.u[i] * t : t * t;
    }
    // one value per warp (lane 0's), summed in warp order
    float total = sagan_block_sum(lane == 0 ? contrib : 0.0f, red);
    if (threadIdx.x == 0) s.tsq[chunk] = total;
}

// Final item k: [0, ct) v tiles, [ct, ct + r3) u chunks (the first also writes sigma), then W_sn chunks.
__device__ __forceinline__ void sn_do_final(const SnDesc& d, int k, bool eval, float eps, float* red) {
    int m = (int)d.m, n = (int)d.n, ct = sn_ct(n), r3 = sn_r3(m);
    SnScratch s = sn_scratch(d);
    float tt = sn_block_sum_array(s.tsq, r3, red);      // ||t||^2, or u.t in eval
    float tnorm = fmaxf(sqrtf(tt), eps);
    float sigma = eval ? tt : tt / tnorm;
    if (k < ct) {
        if (!eval) {
            float inv = sn_inv_norm(s.vsq, ct, eps, red);
            int j = k * SN_TILE + threadIdx.x;
            if (j < n) d.v[j] = s.vraw[j] * inv;
        }
    } else if (k < ct + r3) {
        int c = k - ct;
        if (!eval && threadIdx.x < SN_P3_ROWS) {
            int i = c * SN_P3_ROWS + threadIdx.x;
            if (i < m) d.u[i] = s.t[i] / tnorm;
        }
        if (c == 0 && threadIdx.x == 0) d.sigma[0] = sigma;
    } else if (d.wsn != nullptr) {
        idx_t total = (idx_t)m * n;
        idx_t e0 = (idx_t)(k - ct - r3) * SN_FCHUNK;
        idx_t e1 = min(total, e0 + SN_FCHUNK);
        for (idx_t e = e0 + threadIdx.x; e < e1; e += SN_THREADS) d.wsn[e] = d.w[e] / sigma;
    }
}

// Items of the final phase of one weight.
__host__ __device__ __forceinline__ long long sn_final_items(int m, int n, bool wsn) {
    long long wchunks = wsn ? ((long long)m * n + SN_FCHUNK - 1) / SN_FCHUNK : 0;
    return sn_ct(n) + sn_r3(m) + wchunks;
}

// ---------------------------------------------------------------- descriptor setup

// Writes descriptor `index` (one thread). begin* are the weight's first global item per phase.
extern "C" __global__ void sn_write_descriptor(SnDesc* descs, int index, const float* w, float* u, float* v,
                                               float* sigma, float* wsn, float* scratch, int m, int n,
                                               long long begin1, long long begin2, long long begin3,
                                               long long beginF) {
    if (blockIdx.x == 0 && threadIdx.x == 0) {
        SnDesc d;
        d.w = w; d.u = u; d.v = v; d.sigma = sigma; d.wsn = wsn; d.scratch = scratch;
        d.m = m; d.n = n;
        d.begin1 = begin1; d.begin2 = begin2; d.begin3 = begin3; d.beginF = beginF;
        descs[index] = d;
    }
}

// ---------------------------------------------------------------- chain: one launch per phase per weight

extern "C" __global__ void __launch_bounds__(SN_THREADS) sn_phase1(const SnDesc* descs, int wi, int first) {
    SAGAN_REQUIRE_BLOCK(SN_THREADS);   // loops stride by SN_THREADS, reductions assume SN_WARPS
    __shared__ float s_src[SN_P1_ROWS];
    SnDesc d = descs[wi];
    sn_do_phase1(d, blockIdx.x, first != 0, s_src);
}

extern "C" __global__ void __launch_bounds__(SN_THREADS) sn_phase2(const SnDesc* descs, int wi, int first, float eps) {
    SAGAN_REQUIRE_BLOCK(SN_THREADS);   // loops stride by SN_THREADS, reductions assume SN_WARPS
    __shared__ float red[SN_WARPS];
    SnDesc d = descs[wi];
    sn_do_phase2(d, blockIdx.x, first != 0, eps, red);
}

extern "C" __global__ void __launch_bounds__(SN_THREADS) sn_phase3(const SnDesc* descs, int wi, int eval, float eps) {
    SAGAN_REQUIRE_BLOCK(SN_THREADS);   // loops stride by SN_THREADS, reductions assume SN_WARPS
    __shared__ float red[SN_WARPS];
    SnDesc d = descs[wi];
    sn_do_phase3(d, blockIdx.x, eval != 0, eps, red);
}

extern "C" __global__ void __launch_bounds__(SN_THREADS) sn_final(const SnDesc* descs, int wi, int eval, float eps) {
    SAGAN_REQUIRE_BLOCK(SN_THREADS);   // loops stride by SN_THREADS, reductions assume SN_WARPS
    __shared__ float red[SN_WARPS];
    SnDesc d = descs[wi];
    sn_do_final(d, blockIdx.x, eval != 0, eps, red);
}

// ---------------------------------------------------------------- grouped: one cooperative launch

// The weight whose items [begin_p(w), begin_p(w+1)) hold global item g (binary search; begins ascend).
__device__ __forceinline__ int sn_find(const SnDesc* descs, int nw, long long g, int phase) {
    int lo = 0, hi = nw - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) >> 1;
        const SnDesc& d = descs[mid];
        long long b = phase == 1 ? d.begin1 : phase == 2 ? d.begin2 : phase == 3 ? d.begin3 : d.beginF;
        if (b <= g) lo = mid; else hi = mid - 1;
    }
    return lo;
}

__device__ __forceinline__ long long sn_begin(const SnDesc& d, int phase) {
    return phase == 1 ? d.begin1 : phase == 2 ? d.begin2 : phase == 3 ? d.begin3 : d.beginF;
}

// descs: nw descriptors; total1..totalF: items of every weight together per phase (the next begin).
// Launch with cuLaunchCooperativeKernel, any grid that is co-resident.
extern "C" __global__ void __launch_bounds__(SN_THREADS) sn_grouped(const SnDesc* descs, int nw, int iters, float eps,
                                                                    long long total1, long long total2,
                                                                    long long total3, long long totalF) {
    SAGAN_REQUIRE_BLOCK(SN_THREADS);   // loops stride by SN_THREADS, reductions assume SN_WARPS
    __shared__ float s_src[SN_P1_ROWS];
    __shared__ float red[SN_WARPS];
    cg::grid_group grid = cg::this_grid();
    bool eval = iters == 0;
    for (int it = 0; it < iters; it++) {
        bool first = it == 0;
        for (long long g = blockIdx.x; g < total1; g += gridDim.x) {
            int wi = sn_find(descs, nw, g, 1);
            SnDesc d = descs[wi];
            sn_do_phase1(d, (int)(g - d.begin1), first, s_src);
        }
        grid.sync();
        for (long long g = blockIdx.x; g < total2; g += gridDim.x) {
            int wi = sn_find(descs, nw, g, 2);
            SnDesc d = descs[wi];
            sn_do_phase2(d, (int)(g - d.begin2), first, eps, red);
        }
        grid.sync();
        for (long long g = blockIdx.x; g < total3; g += gridDim.x) {
            int wi = sn_find(descs, nw, g, 3);
            SnDesc d = descs[wi];
            sn_do_phase3(d, (int)(g - d.begin3), false, eps, red);
        }
        grid.sync();
    }
    if (eval) {
        for (long long g = blockIdx.x; g < total3; g += gridDim.x) {
            int wi = sn_find(descs, nw, g, 3);
            SnDesc d = descs[wi];
            sn_do_phase3(d, (int)(g - d.begin3), true, eps, red);
        }
        grid.sync();
    }
    for (long long g = blockIdx.x; g < totalF; g += gridDim.x) {
        int wi = sn_find(descs, nw, g, 4);
        SnDesc d = descs[wi];
        sn_do_final(d, (int)(g - sn_begin(d, 4)), eval, eps, red);
    }
}

// ---------------------------------------------------------------- simple: one block per weight

// The whole power iteration of descs[wi] in one block (grid 1): easy to read, one SM's bandwidth.
// v and u are the working vectors (v holds W^T u, then u holds W v); no scratch.
extern "C" __global__ void __launch_bounds__(SN_THREADS) sn_simple(const SnDesc* descs, int wi, int iters, float eps) {
    SAGAN_REQUIRE_BLOCK(SN_THREADS);   // loops stride by SN_THREADS, reductions assume SN_WARPS
    __shared__ float red[SN_WARPS];
    __shared__ float s_sigma;
    SnDesc d = descs[wi];
    int m = (int)d.m, n = (int)d.n;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (iters == 0) {
        // sigma = u . (W v): a warp per row
        float acc = 0.0f;
        for (int i = warp; i < m; i += SN_WARPS) {
            float a = 0.0f;
            for (int j = lane; j < n; j += 32) a = fmaf(d.w[(idx_t)i * n + j], d.v[j], a);
            a = sagan_warp_sum(a);
            acc += d.u[i] * a;                         // same in every lane
        }
        float sigma = sagan_block_sum(lane == 0 ? acc : 0.0f, red);
        if (threadIdx.x == 0) { d.sigma[0] = sigma; s_sigma = sigma; }
    } else {
        for (int it = 0; it < iters; it++) {
            // v = W^T u (thread per column), then normalise
            float vsq = 0.0f;
            for (int j = threadIdx.x; j < n; j += SN_THREADS) {
                float a = 0.0f;
                for (int i = 0; i < m; i++) a = fmaf(d.w[(idx_t)i * n + j], d.u[i], a);
                d.v[j] = a;
                vsq += a * a;
            }
            float inv_v = 1.0f / fmaxf(sqrtf(sagan_block_sum(vsq, red)), eps);
            for (int j = threadIdx.x; j < n; j += SN_THREADS) d.v[j] *= inv_v;   // same thread wrote it
            __syncthreads();
            // t = W v (warp per row) into u, then normalise; sigma = u . t = ||t||^2 / max(||t||, eps)
            float tsq = 0.0f;
            for (int i = warp; i < m; i += SN_WARPS) {
                float a = 0.0f;
                for (int j = lane; j < n; j += 32) a = fmaf(d.w[(idx_t)i * n + j], d.v[j], a);
                a = sagan_warp_sum(a);
                if (lane == 0) d.u[i] = a;
                tsq += a * a;
            }
            float tt = sagan_block_sum(lane == 0 ? tsq : 0.0f, red);
            float tnorm = fmaxf(sqrtf(tt), eps);
            if (threadIdx.x < 32) {                    // rows are owned by warps: renormalise after the sync
                for (int i = threadIdx.x; i < m; i += 32) d.u[i] = d.u[i] / tnorm;
            }
            if (threadIdx.x == 0) s_sigma = tt / tnorm;
            __syncthreads();
        }
        if (threadIdx.x == 0) d.sigma[0] = s_sigma;
    }
    __syncthreads();
    if (d.wsn != nullptr) {
        float sigma = s_sigma;
        idx_t total = (idx_t)m * n;
        for (idx_t e = threadIdx.x; e < total; e += SN_THREADS) d.wsn[e] = d.w[e] / sigma;
    }
}

// ---------------------------------------------------------------- W / sigma and the backward

// out = w / sigma[0] (out may be w: the constraint mode's in-place W <- W / sigma).  n: elements.
extern "C" __global__ void sn_divide(float* out, const float* w, const float* sigma, long long n) {
    float s = sigma[0];
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        out[i] = w[i] / s;
    }
}

// partials[blockIdx.x] = sum over this block's grid-stride share of g[e] * w[e]. Grid size is fixed by
// the caller (the number of partials); the order of every sum is fixed, so the result is too.
extern "C" __global__ void __launch_bounds__(SN_THREADS) sn_backward_dot(const float* g, const float* w, long long total,
                                                                         float* partials) {
    SAGAN_REQUIRE_BLOCK(SN_THREADS);   // loops stride by SN_THREADS, reductions assume SN_WARPS
    __shared__ float red[SN_WARPS];
    float a = 0.0f;
    SAGAN_GRID_STRIDE_LOOP(e, total) {
        a = fmaf(g[e], w[e], a);
    }
    float s = sagan_block_sum(a, red);
    if (threadIdx.x == 0) partials[blockIdx.x] = s;
}

// dw = (g - c u v^T) / sigma with c = <G, W_sn> = (sum of the nparts partials) / sigma. A block per row
// (grid-stride over rows), threads over the columns. dw may alias g, unless accumulate: then dw += that (the
// weight-gradient accumulation folded in, the same bits as a separate axpy with alpha 1).
extern "C" __global__ void __launch_bounds__(SN_THREADS) sn_backward_apply(float* dw, const float* g, const float* u,
                                                                           const float* v, const float* sigma,
                                                                           const float* partials, int nparts, int m,
                                                                           int n, int accumulate) {
    SAGAN_REQUIRE_BLOCK(SN_THREADS);   // loops stride by SN_THREADS, reductions assume SN_WARPS
    __shared__ float red[SN_WARPS];
    float s = sigma[0];
    float c = sn_block_sum_array(partials, nparts, red) / s;
    for (int i = blockIdx.x; i < m; i += gridDim.x) {
        float cu = c * u[i];
        const float* gr = g + (idx_t)i * n;
        float* dr = dw + (idx_t)i * n;
        if (accumulate) {
            for (int j = threadIdx.x; j < n; j += SN_THREADS) dr[j] += (gr[j] - cu * v[j]) / s;
        } else {
            for (int j = threadIdx.x; j < n; j += SN_THREADS) dr[j] = (gr[j] - cu * v[j]) / s;
        }
    }
}
