// conv.cu — the im2col + GEMM convolution path (stride 1, zero padding, NCHW, cross-correlation).
//
// The batch chunk [b0, b0 + nb) is laid out as one column matrix col (CK, nb·HW), CK = Cin·k·k,
// HW = Ho·Wo, so that each pass is ONE GEMM (cuBLAS or the tiled fallback):
//   forward:        Y' (Cout, nb·HW) = W (Cout, CK) · col            then cm_to_nchw  Y' → y
//   backwardData:   dcol (CK, nb·HW) = Wᵀ · dY'                      dY' = nchw_to_cm(dy), then col2im
//   backwardFilter: dW (Cout, CK)   += dY' · colᵀ
//
// Versions (one each; the GEMM does the FLOPs, these kernels only move bytes):
//   im2col_f32     one thread per col element: reads x (cached k² times), writes col   [4 B read, 4 B write per col element]
//   col2im_f32     one thread per dx element GATHERS its k² col entries: no atomics, deterministic
//                  [4·k² B read, 4 B write per dx element]
//   nchw_to_cm_f32 / cm_to_nchw_f32   (nb, C, HW) ⇄ (C, nb·HW) transposes of whole HW rows   [8 B per element]
//
// cuDNN (sagan4j.cuda.conv.CudnnConv) is the other path; both are tested against the CPU reference.

#include "common.cuh"

// x points at image b0: x[n][c][ih][iw]; col[r][q], r = (c·k + i)·k + j, q = n·HW + oh·Wo + ow.
extern "C" __global__ void im2col_f32(const float* x, float* col, int Cin, int H, int W, int k, int pad,
                                      int Ho, int Wo, int nb, idx_t n) {
    idx_t cols = (idx_t)nb * Ho * Wo;
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        idx_t r = i / cols, q = i % cols;
        int c = (int)(r / (k * k)), ki = (int)((r / k) % k), kj = (int)(r % k);
        int img = (int)(q / (Ho * Wo)), p = (int)(q % (Ho * Wo));
        int ih = p / Wo + ki - pad, iw = p % Wo + kj - pad;
        col[i] = (ih >= 0 && ih < H && iw >= 0 && iw < W) ? x[(((idx_t)img * Cin + c) * H + ih) * W + iw] : 0.f;
    }
}

// dx points at image b0; one thread per dx element sums, in a fixed (i, j) order, the col entries it fed.
extern "C" __global__ void col2im_f32(const float* dcol, float* dx, int Cin, int H, int W, int k, int pad,
                                      int Ho, int Wo, int nb, idx_t n) {
    idx_t cols = (idx_t)nb * Ho * Wo;
    SAGAN_GRID_STRIDE_LOOP(e, n) {
        int iw = (int)(e % W), ih = (int)((e / W) % H);
        idx_t nc = e / ((idx_t)H * W);
        int c = (int)(nc % Cin), img = (int)(nc / Cin);
        float s = 0.f;
        for (int i = 0; i < k; i++) {
            int oh = ih - i + pad;
            if (oh < 0 || oh >= Ho) continue;
            for (int j = 0; j < k; j++) {
                int ow = iw - j + pad;
                if (ow < 0 || ow >= Wo) continue;
                s += dcol[((idx_t)(c * k + i) * k + j) * cols + (idx_t)img * Ho * Wo + oh * Wo + ow];
            }
        }
        dx[e] = s;
    }
}

// src (nb, C, hw) → dst (C, nb·hw).
extern "C" __global__ void nchw_to_cm_f32(const float* src, float* dst, int C, idx_t hw, int nb, idx_t n) {
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        idx_t p = i % hw, nc = i / hw;
        int c = (int)(nc % C), img = (int)(nc / C);
        dst[((idx_t)c * nb + img) * hw + p] = src[i];
    }
}

// src (C, nb·hw) → dst (nb, C, hw).
extern "C" __global__ void cm_to_nchw_f32(const float* src, float* dst, int C, idx_t hw, int nb, idx_t n) {
    SAGAN_GRID_STRIDE_LOOP(i, n) {
        idx_t p = i % hw, nc = i / hw;
        int c = (int)(nc % C), img = (int)(nc / C);
        dst[i] = src[((idx_t)c * nb + img) * hw + p];
    }
}
