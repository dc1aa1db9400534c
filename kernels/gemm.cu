/*
Fallback single-precision GEMM, used when cuBLAS cannot be loaded. Row-major, strided-batched:

    C[b] = alpha * op(A[b]) . op(B[b]) + beta * C[b]        for b = blockIdx.z

    op(A): M x K. A[b] is stored row-major as M x K (transA == 0) or as K x M (transA != 0),
           leading dimension lda (distance between consecutive stored rows), A[b] = A + b * strideA.
    op(B): K x N. B[b] is stored as K x N (transB == 0) or as N x K (transB != 0), ldb, strideB.
    C:     M x N, ldc, C[b] = C + b * strideC.
    beta == 0: C is only written, never read (it may hold NaN/Inf garbage), as in BLAS.
    K == 0: C = beta * C (alpha * empty sum = 0).

Launch (the Java backend uses exactly this):
    block (16, 16, 1)                       256 threads
    grid  (ceil(N/64), ceil(M/64), batch)   batch <= 65535 (gridDim.z limit)
    no dynamic shared memory (2 x 16 x 68 floats = 8.5 KB static)

Versions (one kernel kept here; the line says idea and bytes moved):
v1 sgemm_tiled: 64x64 output tile per block, K tile 16; each thread owns a 4x4 micro-tile
   (rows ty*4.., cols tx*4..) read from shared memory as float4; global -> register prefetch of the
   next K tile overlaps the FMA loop (single shared buffer, two barriers per K tile); all loads are
   bounds-checked (zero fill), so any M, N, K works (primes, 1). Global traffic per block:
   K*(64+64)*4 bytes in; each A element is read ceil(N/64) times and each B element ceil(M/64)
   times, so total bytes ~ 4*(M*K*ceil(N/64) + K*N*ceil(M/64)) + 4*M*N (C write; +4*M*N read when
   beta != 0). Arithmetic intensity ~ 16 FLOP/byte of global traffic (2*64*64 FLOP per 512 B in).
   Transposes are handled at load time (templates <TA, TB>), choosing for each layout the thread ->
   element mapping that keeps global loads coalesced; the shared rows are padded to 68 floats so the
   transposing stores conflict at most 2-way while float4 reads stay 16-byte aligned.
   __launch_bounds__(256, 3): at most 85 registers so 3 blocks (768 threads) fit an SM's 64K registers;
   ptxas (nvcc 13.0): 79-80 registers on sm_75..sm_120, 8704 B static smem, no stack, no spills.
   Correctness was checked without a GPU by running this file on the CPU under a threads-as-CUDA-threads
   shim (all transpose combinations, M/N/K in {1, 2, 3, 5, 17, 33, 63..131, 200}, K = 0, batch 3,
   padded leading dimensions, beta = 0 over NaN-poisoned C): max error 1.2e-5 vs a double reference.
*/
#include "common.cuh"

#define GEMM_BM 64      // output rows per block
#define GEMM_BN 64      // output cols per block
#define GEMM_BK 16      // K per shared tile
#define GEMM_TM 4       // output rows per thread
#define GEMM_TN 4       // output cols per thread
#define GEMM_PAD 4      // shared row padding (floats); keeps rows 16-byte aligned
#define GEMM_THREADS 256

// Loads this thread's 4 elements of op(A)[m0 : m0+64, k0 : k0+16] into ra and its 4 elements of
// op(B)[k0 : k0+16, n0 : n0+64] into rb (zero outside the matrices). Element r of ra goes to
// As[ak(r)][am(r)], element r of rb to Bs[bk(r)][bn(r)] (see store_tiles for the mapping).
template <bool TA, bool TB>
__device__ __forceinline__ void load_tiles(const float* __restrict__ A, int lda, const float* __restrict__ B, int ldb,
                                           int M, int N, int K, int m0, int n0, int k0, int tid,
                                           float ra[4], float rb[4]) {
#pragma unroll
    for (int r = 0; r < 4; r++) {
        int l = tid + r * GEMM_THREADS;  // 0 .. 1023 over the 64 x 16 tile
        int m, k;
        if (!TA) { m = l >> 4; k = l & 15; }   // A is M x K: consecutive threads read consecutive k
        else     { k = l >> 6; m = l & 63; }   // A is K x M: consecutive threads read consecutive m
        int gm = m0 + m, gk = k0 + k;
        float v = 0.0f;
        if (gm < M && gk < K) {
            v = TA ? A[(idx_t)gk * lda + gm] : A[(idx_t)gm * lda + gk];
        }
        ra[r] = v;
    }
#pragma unroll
    for (int r = 0; r < 4; r++) {
        int l = tid + r * GEMM_THREADS;
        int n, k;
        if (!TB) { k = l >> 6; n = l & 63; }   // B is K x N: consecutive threads read consecutive n
        else     { n = l >> 4; k = l & 15; }   // B is N x K: consecutive threads read consecutive k
        int gn = n0 + n, gk = k0 + k;
        float v = 0.0f;
        if (gn < N && gk < K) {
            v = TB ? B[(idx_t)gn * ldb + gk] : B[(idx_t)gk * ldb + gn];
        }
        rb[r] = v;
    }
}

// As: [16][68] holds op(A) tile transposed (As[k][m]); Bs: [16][68] holds op(B) tile (Bs[k][n]).
template <bool TA, bool TB>
__device__ __forceinline__ void store_tiles(float (*As)[GEMM_BM + GEMM_PAD], float (*Bs)[GEMM_BN + GEMM_PAD],
                                            int tid, const float ra[4], const float rb[4]) {
#pragma unroll
    for (int r = 0; r < 4; r++) {
        int l = tid + r * GEMM_THREADS;
        if (!TA) As[l & 15][l >> 4] = ra[r];
        else     As[l >> 6][l & 63] = ra[r];
        if (!TB) Bs[l >> 6][l & 63] = rb[r];
        else     Bs[l & 15][l >> 4] = rb[r];
    }
}

template <bool TA, bool TB>
__device__ __forceinline__ void sgemm_block(int M, int N, int K, float alpha,
                                            const float* __restrict__ A, int lda,
                                            const float* __restrict__ B, int ldb,
                                            float beta, float* __restrict__ C, int ldc,
                                            float (*As)[GEMM_BM + GEMM_PAD], float (*Bs)[GEMM_BN + GEMM_PAD]) {
    const int tx = threadIdx.x, ty = threadIdx.y;       // 16 x 16
    const int tid = ty * 16 + tx;
    const int m0 = blockIdx.y * GEMM_BM, n0 = blockIdx.x * GEMM_BN;

    float acc[GEMM_TM][GEMM_TN];                         // C[m0 + ty*4 + i][n0 + tx*4 + j]
#pragma unroll
    for (int i = 0; i < GEMM_TM; i++)
#pragma unroll
        for (int j = 0; j < GEMM_TN; j++) acc[i][j] = 0.0f;

    float ra[4], rb[4];
    if (K > 0) load_tiles<TA, TB>(A, lda, B, ldb, M, N, K, m0, n0, 0, tid, ra, rb);

    for (int k0 = 0; k0 < K; k0 += GEMM_BK) {
        store_tiles<TA, TB>(As, Bs, tid, ra, rb);
        __syncthreads();
        // prefetch the next K tile into registers while this one is multiplied
        if (k0 + GEMM_BK < K) load_tiles<TA, TB>(A, lda, B, ldb, M, N, K, m0, n0, k0 + GEMM_BK, tid, ra, rb);
#pragma unroll
        for (int k = 0; k < GEMM_BK; k++) {
            float4 a = *reinterpret_cast<const float4*>(&As[k][ty * GEMM_TM]);
            float4 b = *reinterpret_cast<const float4*>(&Bs[k][tx * GEMM_TN]);
            float av[4] = {a.x, a.y, a.z, a.w};
            float bv[4] = {b.x, b.y, b.z, b.w};
#pragma unroll
            for (int i = 0; i < GEMM_TM; i++)
#pragma unroll
                for (int j = 0; j < GEMM_TN; j++) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
        }
        __syncthreads();
    }

#pragma unroll
    for (int i = 0; i < GEMM_TM; i++) {
        int gm = m0 + ty * GEMM_TM + i;
        if (gm >= M) break;
        float* crow = C + (idx_t)gm * ldc;
#pragma unroll
        for (int j = 0; j < GEMM_TN; j++) {
            int gn = n0 + tx * GEMM_TN + j;
            if (gn < N) {
                float v = alpha * acc[i][j];
                if (beta != 0.0f) v = fmaf(beta, crow[gn], v);   // beta == 0: never read C
                crow[gn] = v;
            }
        }
    }
}

// A: op(A[b]) (M, K) stored (M, K) or (K, M); B: op(B[b]) (K, N) stored (K, N) or (N, K); C: (M, N)
// batch b = blockIdx.z; block (16,16,1); grid (ceil(N/64), ceil(M/64), batch)
extern "C" __global__ void __launch_bounds__(GEMM_THREADS, 3)
sgemm_tiled(int transA, int transB, int M, int N, int K, float alpha,
            const float* A, int lda, long long strideA,
            const float* B, int ldb, long long strideB,
            float beta, float* C, int ldc, long long strideC) {
    SAGAN_REQUIRE_BLOCK_XY(16, 16);   // the tile loads and the 4x4 thread tiles assume 16 x 16 = GEMM_THREADS threads
    __shared__ __align__(16) float As[GEMM_BK][GEMM_BM + GEMM_PAD];
    __shared__ __align__(16) float Bs[GEMM_BK][GEMM_BN + GEMM_PAD];

    const idx_t b = blockIdx.z;
    A += b * strideA;
    B += b * strideB;
    C += b * strideC;

    if (!transA) {
        if (!transB) sgemm_block<false, false>(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, As, Bs);
        else         sgemm_block<false, true >(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, As, Bs);
    } else {
        if (!transB) sgemm_block<true,  false>(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, As, Bs);
        else         sgemm_block<true,  true >(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, As, Bs);
    }
}
