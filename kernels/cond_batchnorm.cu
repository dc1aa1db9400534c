/*
Conditional batch norm with per-class (or per-sample) gamma/beta, float32 NCHW.

    training: mu_c = mean_{b,h,w} x[b,c,h,w],  var_c = mean_{b,h,w} (x - mu_c)^2      (biased)
              running_mean_c = (1-m)*running_mean_c + m*mu_c
              running_var_c  = (1-m)*running_var_c  + m*var_c*n/(n-1)                 (unbiased, as PyTorch)
    eval:     mu_c, var_c = running_mean_c, running_var_c
    y[b,c,h,w] = gamma_bc * (x - mu_c) * rstd_c + beta_bc,   rstd_c = 1/sqrt(var_c + eps)
    gamma_bc: mode (a) labels != NULL: gamma[labels[b], c] from a class table (K, C) (SAGAN)
              mode (b) labels == NULL: gamma[b, c], per-sample rows (B, C) computed upstream (BigGAN)
    backward (batch statistics), n = B*H*W, xhat = (x - mu_c)*rstd_c:
              dgamma_bc = sum_hw dy*xhat,   dbeta_bc = sum_hw dy                        (per-sample rows)
              m1_c = (1/n) sum_b gamma_bc*dbeta_bc,   m2_c = (1/n) sum_b gamma_bc*dgamma_bc
              dx = rstd_c * (gamma_bc*dy - m1_c - xhat*m2_c)
              mode (a): the rows are summed into the tables (K, C) per class in ascending b (deterministic;
              no atomics); mode (b): the rows are the outputs.
    A label outside [0, K) reads no memory: its gamma/beta are NaN (so the bad sample is visible in y/dx) and
    it contributes to no table row. The Java API documents that labels must be in range; the CLI checks them.

Shapes: x, y, dy, dx (B, C, H, W); HW = H*W; plane p = b*C + c is the contiguous run x[p*HW .. p*HW+HW).
Every kernel below walks planes with "groups": G lanes per plane, G = min(32, pow2 >= HW/V) where V = 4
when HW % 4 == 0 and the plane pointers are 16-byte aligned (float4 loads), else 1. So 4x4 planes use 4 lanes
(8 planes per warp) and 32x32 planes a whole warp; reductions inside a group are xor-shuffles (fixed tree).

Statistics (why this way): each lane runs Welford in float over its <= HW/G elements (a float4 enters as an
exact 4-value mini-batch: one division per 4 values instead of 4), lanes are merged with
Chan's formula in float (order fixed by lane index, so the result is bitwise reproducible), giving per-plane
(mean_p, M2_p) with count HW. Planes of a channel all have the same count, so the channel statistics are
exact functions of those: mu = (1/B) sum_b mean_b, M2 = sum_b M2_b + HW * sum_b (mean_b - mu)^2, summed in
double in a fixed order. That stays accurate when B*H*W is large (4M values per channel for BigGAN-128 at
128x128) and when |mean| >> std (no E[x^2] - E[x]^2 cancellation), costs one read of x, and needs no
float64 in the per-element loop (float64 is 1/64 rate on consumer GPUs).

Versions (bytes per element of x, float32; P = B*C planes; small per-channel terms left out):
baseline  separate gather, batch-norm and affine kernels (what a framework composes):
          cbn_gather_rows (B*C gamma/beta rows), cbn_plane_stats, cbn_channel_stats,
          cbn_base_normalize (xhat -> y), cbn_base_affine (y = g*y + b in place)   20 B/elem (x twice, y 3x)
two-pass  cbn_plane_stats (read x) + cbn_channel_stats (per channel, tiny) + cbn_normalize_affine
          (read x, write y; gamma/beta gathered per plane in registers)              12 B/elem, 3 launches
fused     cbn_fused_forward: one block per channel; x is read once into shared memory (when B*HW floats
          fit), statistics are block reductions, y is written from shared memory     8 B/elem, 1 launch
          (when the channel does not fit shared memory it re-reads x: 12 B/elem, from L2 when it can)
eval      cbn_normalize_affine with the running statistics                          8 B/elem
backward two-pass: cbn_bwd_plane_sums (read x, dy) + cbn_bwd_channel_coeffs + cbn_bwd_dx (read x, dy;
          write dx)                                                                 20 B/elem, 3 launches
backward fused: cbn_fused_backward: one block per channel, x and dy cached in shared memory when
          2*B*HW floats fit                                                        12 B/elem, 1 launch
mode (a) backward adds cbn_labels_by_class (one block: class -> ascending sample list) and
          cbn_class_table_sum (thread per (k, c), coalesced over c)                 8*(B*C + K*C) bytes

Roofline (bytes and FLOPs the op must move and do; n = B*C*H*W elements):
  forward training: read x, write y: >= 8n bytes (+ 8*B*C gathered gamma/beta, 8*C stats); ~8n FLOPs
      (Welford ~5/elem, normalize 1 FMA). Memory-bound: floor 8n / 3.0e12 s on an H100 (~3.0 TB/s
      copy), 12n / 3.0e12 s when a channel does not fit on chip (x must then be read twice).
      SAGAN-32 G 32x32 (B 64, C 64):        n = 4.19M -> 33.6 MB, floor 11 us (16.8 us at 12 B/elem)
      BigGAN-128 G 4x4 (B 256, C 1536):     n = 6.29M -> 50.3 MB, floor 17 us
      BigGAN-128 G 128x128 (B 256, C 96):   n = 403M  -> 3.22 GB (8 B) / 4.83 GB (12 B): 1.07 / 1.61 ms
  backward: read x, dy, write dx: >= 12n bytes (20n when x, dy must be read twice); ~10n FLOPs.
  Launch latency (~3-5 us per kernel) dominates the small SAGAN shapes: that is what "fused" removes.

Determinism: no atomics anywhere; every reduction has a fixed order (shuffle trees by lane index, block
trees by thread index, per-class sums in ascending sample order), so the same inputs give bitwise the
same outputs from run to run.
*/
#include "common.cuh"
#include <stdint.h>

#define CBN_BLOCK 256
// (256, 4): at most 64 registers, 4 blocks of 256 threads per SM. Without the min-blocks hint ptxas 13.0 chose
// 40-48 registers and spilled 4-8 bytes on sm_80/86/89 in four kernels; with it none spills on any arch.
#define CBN_BOUNDS __launch_bounds__(CBN_BLOCK, 4)
#define CBN_FULL_MASK 0xffffffffu

// ------------------------------------------------------------------------------------------- helpers

// Running (count, mean, M2) of one stream of values.
struct CbnWelford {
    float n, mean, m2;
};

__device__ __forceinline__ void cbn_welford_add(CbnWelford& w, float v) {
    w.n += 1.0f;
    float d = v - w.mean;
    w.mean += d / w.n;
    w.m2 = fmaf(d, v - w.mean, w.m2);
}

// Chan's merge of two partial results (a holds the lower lane: the order is fixed).
__device__ __forceinline__ CbnWelford cbn_welford_merge(CbnWelford a, CbnWelford b) {
    float n = a.n + b.n;
    if (n == 0.0f) return a;
    float d = b.mean - a.mean;
    float fb = b.n / n;
    CbnWelford r;
    r.n = n;
    r.mean = fmaf(d, fb, a.mean);
    r.m2 = a.m2 + b.m2 + d * d * a.n * fb;
    return r;
}

// Welford merge across the G lanes of each aligned group (G a power of two <= 32); every lane ends with
// its group's result, computed as merge(lower lane, upper lane) at each step, so all lanes agree.
__device__ __forceinline__ CbnWelford cbn_group_welford(CbnWelford w, int G) {
    const int lane = threadIdx.x & 31;
    for (int off = G >> 1; off > 0; off >>= 1) {
        CbnWelford o;
        o.n = __shfl_xor_sync(CBN_FULL_MASK, w.n, off);
        o.mean = __shfl_xor_sync(CBN_FULL_MASK, w.mean, off);
        o.m2 = __shfl_xor_sync(CBN_FULL_MASK, w.m2, off);
        w = (lane & off) ? cbn_welford_merge(o, w) : cbn_welford_merge(w, o);
    }
    return w;
}

// Sum across the G lanes of each group (float addition is commutative: all lanes agree bitwise).
__device__ __forceinline__ float cbn_group_sum(float v, int G) {
    for (int off = G >> 1; off > 0; off >>= 1) v += __shfl_xor_sync(CBN_FULL_MASK, v, off);
    return v;
}

// Lanes per plane: the smallest power of two >= units, at most 32.
__device__ __forceinline__ int cbn_group_size(int units) {
    int g = 1;
    while (g < units && g < 32) g <<= 1;
    return g;
}

__device__ __forceinline__ bool cbn_aligned16(const void* p) {
    return (reinterpret_cast<uintptr_t>(p) & 15) == 0;
}

// gamma (or beta) of sample b, channel c: a class-table row picked by the label (mode a), or row b (mode b).
// A label outside [0, K) gives NaN and reads nothing.
__device__ __forceinline__ float cbn_gather(const float* __restrict__ table, const int* __restrict__ labels,
                                            int b, int c, int C, int K) {
    if (labels == nullptr) return table[(idx_t)b * C + c];
    int l = labels[b];
    if (l < 0 || l >= K) return __int_as_float(0x7fffffff);
    return table[(idx_t)l * C + c];
}

__device__ __forceinline__ float cbn_rstd(float var, float eps) {
    return 1.0f / sqrtf(var + eps);
}

// Welford over one plane's HW values, this lane's share (lanes gl, gl+G, ...). With V == 4 the plane is read
// as float4 (HW % 4 == 0, 16-byte aligned). When cache != nullptr the values are also stored there.
template <int V>
__device__ __forceinline__ CbnWelford cbn_plane_welford(const float* __restrict__ plane, float* cache, int HW,
                                                        int gl, int G, bool valid) {
    CbnWelford w = {0.0f, 0.0f, 0.0f};
    if (!valid) return w;
    if (V == 4) {
        const float4* p4 = reinterpret_cast<const float4*>(plane);
        float4* c4 = reinterpret_cast<float4*>(cache);
        for (int i = gl; i < (HW >> 2); i += G) {
            float4 v = p4[i];
            if (cache != nullptr) c4[i] = v;
            // the four values as one exact mini-batch (mean, M2) merged in: one division per float4, not four
            float m4 = ((v.x + v.y) + (v.z + v.w)) * 0.25f;
            float a = v.x - m4, b = v.y - m4, c = v.z - m4, d = v.w - m4;
            CbnWelford q = {4.0f, m4, fmaf(a, a, fmaf(b, b, fmaf(c, c, d * d)))};
            w = cbn_welford_merge(w, q);
        }
    } else {
        for (int i = gl; i < HW; i += G) {
            float v = plane[i];
            if (cache != nullptr) cache[i] = v;
            cbn_welford_add(w, v);
        }
    }
    return w;
}

// out[i] = (in[i] - mu)*a + s over one plane (this lane's share); in == out is allowed (cbn_base_affine runs in place,
// so neither pointer is __restrict__). Subtracting mu first keeps y accurate when
// |mean| >> std: the folded form in*a + (s - mu*a) cancels two large terms (measured: 2e-5 relative error at
// mean 1000, std 1, vs 1e-7 this way).
template <int V>
__device__ __forceinline__ void cbn_plane_affine(const float* in, float* out, int HW, int gl, int G,
                                                 float mu, float a, float s) {
    if (V == 4) {
        const float4* i4 = reinterpret_cast<const float4*>(in);
        float4* o4 = reinterpret_cast<float4*>(out);
        for (int i = gl; i < (HW >> 2); i += G) {
            float4 v = i4[i];
            v.x = fmaf(v.x - mu, a, s);
            v.y = fmaf(v.y - mu, a, s);
            v.z = fmaf(v.z - mu, a, s);
            v.w = fmaf(v.w - mu, a, s);
            o4[i] = v;
        }
    } else {
        for (int i = gl; i < HW; i += G) out[i] = fmaf(in[i] - mu, a, s);
    }
}

// ------------------------------------------------------------------------ statistics (two-pass, baseline)

// Per-plane statistics. x: (B, C, HW) -> plane_mean, plane_m2: (B*C). Any grid of CBN_BLOCK-thread blocks;
// warps take rounds of 32/G planes (every lane of a warp runs the same number of rounds: shuffles stay
// converged).
template <int V>
__device__ __forceinline__ void cbn_plane_stats_body(const float* __restrict__ x, long long P, int HW,
                                                     float* __restrict__ plane_mean, float* __restrict__ plane_m2) {
    const int G = cbn_group_size(V == 4 ? HW >> 2 : HW);
    const int lane = threadIdx.x & 31, gpw = 32 / G, gl = lane & (G - 1);
    const long long warp = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const long long nwarps = ((long long)gridDim.x * blockDim.x) >> 5;
    for (long long first = warp * gpw; first < P; first += nwarps * gpw) {
        long long p = first + lane / G;
        bool valid = p < P;
        CbnWelford w = cbn_plane_welford<V>(x + p * HW, nullptr, HW, gl, G, valid);
        w = cbn_group_welford(w, G);
        if (valid && gl == 0) {
            plane_mean[p] = w.mean;
            plane_m2[p] = w.m2;
        }
    }
}

extern "C" __global__ void CBN_BOUNDS
cbn_plane_stats(const float* x, int B, int C, int HW, float* plane_mean, float* plane_m2) {
    const long long P = (long long)B * C;
    if ((HW & 3) == 0 && cbn_aligned16(x)) cbn_plane_stats_body<4>(x, P, HW, plane_mean, plane_m2);
    else cbn_plane_stats_body<1>(x, P, HW, plane_mean, plane_m2);
}

// Channel statistics from the plane statistics: thread per channel, double sums over b in ascending order.
// mean, var: (C) biased batch statistics; running_mean/var (C) updated when not NULL.
extern "C" __global__ void CBN_BOUNDS
cbn_channel_stats(const float* plane_mean, const float* plane_m2, int B, int C, int HW, float momentum,
                  float* running_mean, float* running_var, float* mean, float* var) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) return;
    double s = 0.0;
    for (int b = 0; b < B; b++) s += plane_mean[(idx_t)b * C + c];
    const double mu = s / B;
    double m2 = 0.0, spread = 0.0;
    for (int b = 0; b < B; b++) {
        double d = plane_mean[(idx_t)b * C + c] - mu;
        m2 += plane_m2[(idx_t)b * C + c];
        spread += d * d;
    }
    m2 += spread * HW;
    const double n = (double)B * HW;
    mean[c] = (float)mu;
    var[c] = (float)(m2 / n);
    if (running_mean != nullptr) {
        const double unbiased = n > 1.0 ? m2 / (n - 1.0) : 0.0;
        running_mean[c] = (float)((1.0 - momentum) * running_mean[c] + momentum * mu);
        running_var[c] = (float)((1.0 - momentum) * running_var[c] + momentum * unbiased);
    }
}

// ------------------------------------------------------------------------------------------ normalize

// y = gamma_bc*(x - mean_c)*rstd_c + beta_bc, as y = (x - mean_c)*a + beta_bc with a = gamma*rstd per plane.
// mean, var: (C) — the batch statistics (training) or the running ones (eval).
template <int V>
__device__ __forceinline__ void cbn_normalize_body(const float* __restrict__ x, const int* __restrict__ labels,
                                                   const float* __restrict__ gamma, const float* __restrict__ beta,
                                                   const float* __restrict__ mean, const float* __restrict__ var,
                                                   int B, int C, int HW, int K, float eps, float* __restrict__ y) {
    const long long P = (long long)B * C;
    const int G = cbn_group_size(V == 4 ? HW >> 2 : HW);
    const int gl = threadIdx.x & (G - 1);
    const long long group = ((long long)blockIdx.x * blockDim.x + threadIdx.x) / G;
    const long long ngroups = ((long long)gridDim.x * blockDim.x) / G;
    for (long long p = group; p < P; p += ngroups) {   // no shuffles: groups may leave the loop independently
        int b = (int)(p / C), c = (int)(p % C);
        float rstd = cbn_rstd(var[c], eps);
        float a = cbn_gather(gamma, labels, b, c, C, K) * rstd;
        cbn_plane_affine<V>(x + p * HW, y + p * HW, HW, gl, G, mean[c], a, cbn_gather(beta, labels, b, c, C, K));
    }
}

extern "C" __global__ void CBN_BOUNDS
cbn_normalize_affine(const float* x, const int* labels, const float* gamma, const float* beta, const float* mean,
                     const float* var, int B, int C, int HW, int K, float eps, float* y) {
    if ((HW & 3) == 0 && cbn_aligned16(x) && cbn_aligned16(y))
        cbn_normalize_body<4>(x, labels, gamma, beta, mean, var, B, C, HW, K, eps, y);
    else
        cbn_normalize_body<1>(x, labels, gamma, beta, mean, var, B, C, HW, K, eps, y);
}

// ------------------------------------------------------------------------ baseline composition (bench)

// rows_gamma, rows_beta: (B, C) <- gamma[labels[b], c], beta[labels[b], c] (or the rows themselves in mode b).
extern "C" __global__ void cbn_gather_rows(const int* labels, const float* gamma, const float* beta, int B, int C,
                                           int K, float* rows_gamma, float* rows_beta) {
    const long long n = (long long)B * C;
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        int b = (int)(i / C), c = (int)(i % C);
        rows_gamma[i] = cbn_gather(gamma, labels, b, c, C, K);
        rows_beta[i] = cbn_gather(beta, labels, b, c, C, K);
    }
}

// y = (x - mean_c) * rstd_c (plain batch norm, no affine): plane-group walk, scalar loads.
extern "C" __global__ void CBN_BOUNDS
cbn_base_normalize(const float* x, const float* mean, const float* var, int B, int C, int HW, float eps, float* y) {
    const long long P = (long long)B * C;
    const int G = cbn_group_size(HW);
    const int gl = threadIdx.x & (G - 1);
    const long long group = ((long long)blockIdx.x * blockDim.x + threadIdx.x) / G;
    const long long ngroups = ((long long)gridDim.x * blockDim.x) / G;
    for (long long p = group; p < P; p += ngroups) {
        int c = (int)(p % C);
        float rstd = cbn_rstd(var[c], eps);
        cbn_plane_affine<1>(x + p * HW, y + p * HW, HW, gl, G, mean[c], rstd, 0.0f);
    }
}

// y = rows_gamma[b,c] * y + rows_beta[b,c], in place (the separate affine kernel).
extern "C" __global__ void CBN_BOUNDS
cbn_base_affine(const float* rows_gamma, const float* rows_beta, int B, int C, int HW, float* y) {
    const long long P = (long long)B * C;
    const int G = cbn_group_size(HW);
    const int gl = threadIdx.x & (G - 1);
    const long long group = ((long long)blockIdx.x * blockDim.x + threadIdx.x) / G;
    const long long ngroups = ((long long)gridDim.x * blockDim.x) / G;
    for (long long p = group; p < P; p += ngroups) {
        cbn_plane_affine<1>(y + p * HW, y + p * HW, HW, gl, G, 0.0f, rows_gamma[p], rows_beta[p]);
    }
}

// ------------------------------------------------------------------------------------- fused forward

// Dynamic shared memory layout of the fused kernels (bytes): red CBN_RED_DOUBLES doubles | 2*B floats | pad to 16 |
// cache floats. fusedSmemBytes in CondBatchNormKernels.java mirrors this (KernelConstantsTest compares the sizes).
#define CBN_RED_DOUBLES SAGAN_MAX_WARPS   // sagan_block_sum's scratch: one double per warp
__device__ __forceinline__ float* cbn_fused_cache(unsigned char* smem, int B) {
    size_t off = CBN_RED_DOUBLES * sizeof(double) + 2 * (size_t)B * sizeof(float);
    off = (off + 15) & ~(size_t)15;
    return reinterpret_cast<float*>(smem + off);
}

// One block (CBN_BLOCK threads) per channel c = blockIdx.x. Phase 1: per-plane Welford over the B planes of
// channel c (warp rounds of 32/G planes), x stored into shared memory when use_cache. Phase 2: channel
// statistics as block sums in double (same formulas as cbn_channel_stats). Phase 3: y from the cache (or x).
template <int V>
__device__ __forceinline__ void cbn_fused_forward_body(const float* __restrict__ x, const int* __restrict__ labels,
                                                       const float* __restrict__ gamma, const float* __restrict__ beta,
                                                       int B, int C, int HW, int K, float eps, float momentum,
                                                       int use_cache, float* __restrict__ running_mean,
                                                       float* __restrict__ running_var, float* __restrict__ y,
                                                       float* __restrict__ mean_out, float* __restrict__ var_out) {
    extern __shared__ __align__(16) unsigned char cbn_smem[];
    double* red = reinterpret_cast<double*>(cbn_smem);
    float* pmean = reinterpret_cast<float*>(red + CBN_RED_DOUBLES);
    float* pm2 = pmean + B;
    float* cache = use_cache ? cbn_fused_cache(cbn_smem, B) : nullptr;

    const int c = blockIdx.x;
    const int G = cbn_group_size(V == 4 ? HW >> 2 : HW);
    const int lane = threadIdx.x & 31, gpw = 32 / G, gl = lane & (G - 1);
    const int warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;

    for (int first = warp * gpw; first < B; first += nwarps * gpw) {
        int b = first + lane / G;
        bool valid = b < B;
        const float* plane = x + ((idx_t)b * C + c) * HW;
        CbnWelford w = cbn_plane_welford<V>(plane, cache ? cache + (idx_t)b * HW : nullptr, HW, gl, G, valid);
        w = cbn_group_welford(w, G);
        if (valid && gl == 0) {
            pmean[b] = w.mean;
            pm2[b] = w.m2;
        }
    }
    __syncthreads();

    double s = 0.0;
    for (int b = threadIdx.x; b < B; b += blockDim.x) s += pmean[b];
    const double mu = sagan_block_sum(s, red) / B;
    double m2 = 0.0, spread = 0.0;
    for (int b = threadIdx.x; b < B; b += blockDim.x) {
        double d = pmean[b] - mu;
        m2 += pm2[b];
        spread += d * d;
    }
    m2 = sagan_block_sum(m2, red) + sagan_block_sum(spread, red) * HW;
    const double n = (double)B * HW;
    const float meanf = (float)mu, varf = (float)(m2 / n);
    if (threadIdx.x == 0) {
        mean_out[c] = meanf;
        var_out[c] = varf;
        if (running_mean != nullptr) {
            const double unbiased = n > 1.0 ? m2 / (n - 1.0) : 0.0;
            running_mean[c] = (float)((1.0 - momentum) * running_mean[c] + momentum * mu);
            running_var[c] = (float)((1.0 - momentum) * running_var[c] + momentum * unbiased);
        }
    }

    const float rstd = cbn_rstd(varf, eps);
    // Phase 3 has no shuffles: each group walks its planes independently.
    const int group = threadIdx.x / G, ngroups = blockDim.x / G;
    for (int b = group; b < B; b += ngroups) {
        float a = cbn_gather(gamma, labels, b, c, C, K) * rstd;
        const idx_t p = (idx_t)b * C + c;
        const float* src = cache ? cache + (idx_t)b * HW : x + p * HW;
        cbn_plane_affine<V>(src, y + p * HW, HW, gl, G, meanf, a, cbn_gather(beta, labels, b, c, C, K));
    }
}

// grid (C), block (CBN_BLOCK), dynamic shared memory cbn_fused_smem_bytes(B, use_cache ? B*HW : 0).
extern "C" __global__ void CBN_BOUNDS
cbn_fused_forward(const float* x, const int* labels, const float* gamma, const float* beta, int B, int C, int HW,
                  int K, float eps, float momentum, int use_cache, float* running_mean, float* running_var, float* y,
                  float* mean, float* var) {
    if ((HW & 3) == 0 && cbn_aligned16(x) && cbn_aligned16(y))
        cbn_fused_forward_body<4>(x, labels, gamma, beta, B, C, HW, K, eps, momentum, use_cache, running_mean,
                                  running_var, y, mean, var);
    else
        cbn_fused_forward_body<1>(x, labels, gamma, beta, B, C, HW, K, eps, momentum, use_cache, running_mean,
                                  running_var, y, mean, var);
}

// ------------------------------------------------------------------------------------------- backward

// This lane's share of sum(dy) and sum(dy*(x - mu)) over one plane; x and dy also stored into the caches.
template <int V>
__device__ __forceinline__ void cbn_plane_dsums(const float* __restrict__ xp, const float* __restrict__ dyp,
                                                float* xc, float* dyc, int HW, int gl, int G, float mu, bool valid,
                                                float& sdy, float& sdyx) {
    sdy = 0.0f;
    sdyx = 0.0f;
    if (!valid) return;
    if (V == 4) {
        const float4* x4 = reinterpret_cast<const float4*>(xp);
        const float4* d4 = reinterpret_cast<const float4*>(dyp);
        for (int i = gl; i < (HW >> 2); i += G) {
            float4 xv = x4[i], dv = d4[i];
            if (xc != nullptr) {
                reinterpret_cast<float4*>(xc)[i] = xv;
                reinterpret_cast<float4*>(dyc)[i] = dv;
            }
            sdy += (dv.x + dv.y) + (dv.z + dv.w);
            sdyx = fmaf(dv.x, xv.x - mu, sdyx);
            sdyx = fmaf(dv.y, xv.y - mu, sdyx);
            sdyx = fmaf(dv.z, xv.z - mu, sdyx);
            sdyx = fmaf(dv.w, xv.w - mu, sdyx);
        }
    } else {
        for (int i = gl; i < HW; i += G) {
            float xv = xp[i], dv = dyp[i];
            if (xc != nullptr) {
                xc[i] = xv;
                dyc[i] = dv;
            }
            sdy += dv;
            sdyx = fmaf(dv, xv - mu, sdyx);
        }
    }
}

// dx = rstd*(g*dy - m1 - xhat*m2) over one plane, written as dx = a*dy - (x - mu)*k - r with
// a = rstd*g, k = rstd*rstd*m2, r = rstd*m1.
template <int V>
__device__ __forceinline__ void cbn_plane_dx(const float* xp, const float* dyp, float* __restrict__ dxp, int HW,
                                             int gl, int G, float mu, float a, float k, float r) {
    if (V == 4) {
        const float4* x4 = reinterpret_cast<const float4*>(xp);
        const float4* d4 = reinterpret_cast<const float4*>(dyp);
        float4* o4 = reinterpret_cast<float4*>(dxp);
        for (int i = gl; i < (HW >> 2); i += G) {
            float4 xv = x4[i], dv = d4[i], o;
            o.x = fmaf(a, dv.x, -fmaf(xv.x - mu, k, r));
            o.y = fmaf(a, dv.y, -fmaf(xv.y - mu, k, r));
            o.z = fmaf(a, dv.z, -fmaf(xv.z - mu, k, r));
            o.w = fmaf(a, dv.w, -fmaf(xv.w - mu, k, r));
            o4[i] = o;
        }
    } else {
        for (int i = gl; i < HW; i += G) dxp[i] = fmaf(a, dyp[i], -fmaf(xp[i] - mu, k, r));
    }
}

// Per-plane gradient sums: rows_dgamma[p] = rstd_c * sum dy*(x - mu_c), rows_dbeta[p] = sum dy; (B*C) each.
template <int V>
__device__ __forceinline__ void cbn_bwd_plane_sums_body(const float* __restrict__ x, const float* __restrict__ dy,
                                                        const float* __restrict__ mean, const float* __restrict__ var,
                                                        int B, int C, int HW, float eps,
                                                        float* __restrict__ rows_dgamma, float* __restrict__ rows_dbeta) {
    const long long P = (long long)B * C;
    const int G = cbn_group_size(V == 4 ? HW >> 2 : HW);
    const int lane = threadIdx.x & 31, gpw = 32 / G, gl = lane & (G - 1);
    const long long warp = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const long long nwarps = ((long long)gridDim.x * blockDim.x) >> 5;
    for (long long first = warp * gpw; first < P; first += nwarps * gpw) {
        long long p = first + lane / G;
        bool valid = p < P;
        int c = valid ? (int)(p % C) : 0;
        float mu = mean[c];
        float sdy, sdyx;
        cbn_plane_dsums<V>(x + p * HW, dy + p * HW, nullptr, nullptr, HW, gl, G, mu, valid, sdy, sdyx);
        sdy = cbn_group_sum(sdy, G);
        sdyx = cbn_group_sum(sdyx, G);
        if (valid && gl == 0) {
            rows_dgamma[p] = sdyx * cbn_rstd(var[c], eps);
            rows_dbeta[p] = sdy;
        }
    }
}

extern "C" __global__ void CBN_BOUNDS
cbn_bwd_plane_sums(const float* x, const float* dy, const float* mean, const float* var, int B, int C, int HW,
                   float eps, float* rows_dgamma, float* rows_dbeta) {
    if ((HW & 3) == 0 && cbn_aligned16(x) && cbn_aligned16(dy))
        cbn_bwd_plane_sums_body<4>(x, dy, mean, var, B, C, HW, eps, rows_dgamma, rows_dbeta);
    else
        cbn_bwd_plane_sums_body<1>(x, dy, mean, var, B, C, HW, eps, rows_dgamma, rows_dbeta);
}

// Thread per channel: coef_m1[c] = (1/n) sum_b g_bc*dbeta_bc, coef_m2[c] = (1/n) sum_b g_bc*dgamma_bc,
// double sums in ascending b.
extern "C" __global__ void CBN_BOUNDS
cbn_bwd_channel_coeffs(const int* labels, const float* gamma, const float* rows_dgamma, const float* rows_dbeta,
                       int B, int C, int HW, int K, float* coef_m1, float* coef_m2) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) return;
    double m1 = 0.0, m2 = 0.0;
    for (int b = 0; b < B; b++) {
        double g = cbn_gather(gamma, labels, b, c, C, K);
        m1 += g * rows_dbeta[(idx_t)b * C + c];
        m2 += g * rows_dgamma[(idx_t)b * C + c];
    }
    const double n = (double)B * HW;
    coef_m1[c] = (float)(m1 / n);
    coef_m2[c] = (float)(m2 / n);
}

template <int V>
__device__ __forceinline__ void cbn_bwd_dx_body(const float* __restrict__ x, const float* __restrict__ dy,
                                                const int* __restrict__ labels, const float* __restrict__ gamma,
                                                const float* __restrict__ mean, const float* __restrict__ var,
                                                const float* __restrict__ coef_m1, const float* __restrict__ coef_m2,
                                                int B, int C, int HW, int K, float eps, float* __restrict__ dx) {
    const long long P = (long long)B * C;
    const int G = cbn_group_size(V == 4 ? HW >> 2 : HW);
    const int gl = threadIdx.x & (G - 1);
    const long long group = ((long long)blockIdx.x * blockDim.x + threadIdx.x) / G;
    const long long ngroups = ((long long)gridDim.x * blockDim.x) / G;
    for (long long p = group; p < P; p += ngroups) {
        int b = (int)(p / C), c = (int)(p % C);
        float rstd = cbn_rstd(var[c], eps);
        float a = rstd * cbn_gather(gamma, labels, b, c, C, K);
        cbn_plane_dx<V>(x + p * HW, dy + p * HW, dx + p * HW, HW, gl, G, mean[c], a, rstd * rstd * coef_m2[c],
                        rstd * coef_m1[c]);
    }
}

extern "C" __global__ void CBN_BOUNDS
cbn_bwd_dx(const float* x, const float* dy, const int* labels, const float* gamma, const float* mean,
           const float* var, const float* coef_m1, const float* coef_m2, int B, int C, int HW, int K, float eps,
           float* dx) {
    if ((HW & 3) == 0 && cbn_aligned16(x) && cbn_aligned16(dy) && cbn_aligned16(dx))
        cbn_bwd_dx_body<4>(x, dy, labels, gamma, mean, var, coef_m1, coef_m2, B, C, HW, K, eps, dx);
    else
        cbn_bwd_dx_body<1>(x, dy, labels, gamma, mean, var, coef_m1, coef_m2, B, C, HW, K, eps, dx);
}

// One block per channel; x and dy cached in shared memory when use_cache (2*B*HW floats after the 2*B row
// sums). Writes rows_dgamma/rows_dbeta (B, C) — the outputs in mode (b), scratch for the class tables in
// mode (a) — and dx.
template <int V>
__device__ __forceinline__ void cbn_fused_backward_body(const float* __restrict__ x, const float* __restrict__ dy,
                                                        const int* __restrict__ labels, const float* __restrict__ gamma,
                                                        const float* __restrict__ mean, const float* __restrict__ var,
                                                        int B, int C, int HW, int K, float eps, int use_cache,
                                                        float* __restrict__ dx, float* __restrict__ rows_dgamma,
                                                        float* __restrict__ rows_dbeta) {
    extern __shared__ __align__(16) unsigned char cbn_smem[];
    double* red = reinterpret_cast<double*>(cbn_smem);
    float* sdg = reinterpret_cast<float*>(red + CBN_RED_DOUBLES);
    float* sdb = sdg + B;
    float* xcache = use_cache ? cbn_fused_cache(cbn_smem, B) : nullptr;
    float* dycache = use_cache ? xcache + (idx_t)B * HW : nullptr;

    const int c = blockIdx.x;
    const int G = cbn_group_size(V == 4 ? HW >> 2 : HW);
    const int lane = threadIdx.x & 31, gpw = 32 / G, gl = lane & (G - 1);
    const int warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
    const float mu = mean[c];
    const float rstd = cbn_rstd(var[c], eps);

    for (int first = warp * gpw; first < B; first += nwarps * gpw) {
        int b = first + lane / G;
        bool valid = b < B;
        const idx_t p = (idx_t)b * C + c;
        float sdy, sdyx;
        cbn_plane_dsums<V>(x + p * HW, dy + p * HW, xcache ? xcache + (idx_t)b * HW : nullptr,
                           dycache ? dycache + (idx_t)b * HW : nullptr, HW, gl, G, mu, valid, sdy, sdyx);
        sdy = cbn_group_sum(sdy, G);
        sdyx = cbn_group_sum(sdyx, G);
        if (valid && gl == 0) {
            float dg = sdyx * rstd;
            sdg[b] = dg;
            sdb[b] = sdy;
            rows_dgamma[p] = dg;
            rows_dbeta[p] = sdy;
        }
    }
    __syncthreads();

    double m1 = 0.0, m2 = 0.0;
    for (int b = threadIdx.x; b < B; b += blockDim.x) {
        double g = cbn_gather(gamma, labels, b, c, C, K);
        m1 += g * sdb[b];
        m2 += g * sdg[b];
    }
    const double n = (double)B * HW;
    const float cm1 = (float)(sagan_block_sum(m1, red) / n);
    const float cm2 = (float)(sagan_block_sum(m2, red) / n);

    const int group = threadIdx.x / G, ngroups = blockDim.x / G;
    for (int b = group; b < B; b += ngroups) {
        const idx_t p = (idx_t)b * C + c;
        float a = rstd * cbn_gather(gamma, labels, b, c, C, K);
        const float* xs = xcache ? xcache + (idx_t)b * HW : x + p * HW;
        const float* ds = dycache ? dycache + (idx_t)b * HW : dy + p * HW;
        cbn_plane_dx<V>(xs, ds, dx + p * HW, HW, gl, G, mu, a, rstd * rstd * cm2, rstd * cm1);
    }
}

// grid (C), block (CBN_BLOCK), dynamic shared memory cbn_fused_smem_bytes(B, use_cache ? 2*B*HW : 0).
extern "C" __global__ void CBN_BOUNDS
cbn_fused_backward(const float* x, const float* dy, const int* labels, const float* gamma, const float* mean,
                   const float* var, int B, int C, int HW, int K, float eps, int use_cache, float* dx,
                   float* rows_dgamma, float* rows_dbeta) {
    if ((HW & 3) == 0 && cbn_aligned16(x) && cbn_aligned16(dy) && cbn_aligned16(dx))
        cbn_fused_backward_body<4>(x, dy, labels, gamma, mean, var, B, C, HW, K, eps, use_cache, dx, rows_dgamma,
                                   rows_dbeta);
    else
        cbn_fused_backward_body<1>(x, dy, labels, gamma, mean, var, B, C, HW, K, eps, use_cache, dx, rows_dgamma,
                                   rows_dbeta);
}

// ----------------------------------------------------------------------------- class tables (mode a)

// One block. class_start: (K+1) — class_start[k] = #{b : labels[b] < k, label valid}; order: (B) — the samples
// of class k in ascending b at order[class_start[k] .. class_start[k+1]). Invalid labels are left out.
extern "C" __global__ void CBN_BOUNDS
cbn_labels_by_class(const int* labels, int B, int K, int* class_start, int* order) {
    for (int k = threadIdx.x; k <= K; k += blockDim.x) {
        int less = 0;
        for (int b = 0; b < B; b++) {
            int l = labels[b];
            less += (l >= 0 && l < k) ? 1 : 0;
        }
        class_start[k] = less;
    }
    __syncthreads();  // class_start (global) is visible to the whole block after this barrier
    for (int b = threadIdx.x; b < B; b += blockDim.x) {
        int l = labels[b];
        if (l < 0 || l >= K) continue;
        int rank = 0;
        for (int j = 0; j < b; j++) rank += labels[j] == l ? 1 : 0;
        order[class_start[l] + rank] = b;
    }
}

// Thread per (k, c), c fastest: table_dgamma[k, c] = sum over the samples b of class k, ascending, of
// rows_dgamma[b, c] (float, starting from 0; absent classes get 0). Same for beta.
extern "C" __global__ void CBN_BOUNDS
cbn_class_table_sum(const float* rows_dgamma, const float* rows_dbeta, const int* class_start, const int* order,
                    int C, int K, float* table_dgamma, float* table_dbeta) {
    const long long n = (long long)K * C;
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        int k = (int)(i / C), c = (int)(i % C);
        float sg = 0.0f, sb = 0.0f;
        for (int j = class_start[k], end = class_start[k + 1]; j < end; j++) {
            idx_t p = (idx_t)order[j] * C + c;
            sg += rows_dgamma[p];
            sb += rows_dbeta[p];
        }
        table_dgamma[i] = sg;
        table_dbeta[i] = sb;
    }
}
