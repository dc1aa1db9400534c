/*
gan_loss.cu — the GAN losses on D's logits, their gradient and the step's summary in one launch (issue #10),
so that a training step keeps its loss on the device (no download of the logits and upload of the gradient in
the middle of the step, and so nothing that stops the step from being captured as a CUDA graph). The CPU
reference is sagan4j.backend.HostGanLoss; the checked entry points are sagan4j.backend.GanLossOps.

Launch: ONE block of GAN_LOSS_BLOCK = 256 threads (grid (1, 1, 1)): a micro-batch has a few hundred
logits at most, far below one wave. Thread t handles rows t, t + 256, …; the four partial sums are reduced
in shared memory in a fixed tree order, so the result is bitwise-identical from run to run (no atomics).

Kernels (one version each):
  gan_loss_f32   per row: loss term and dL/dlogit in double (IEEE exp/log1p), gradient stored as float;
                 sums[0..3] (+)= {Σ real loss, Σ fake loss, Σ real logits, Σ fake logits} / batch
                 [8 B per row: read the logit, write its gradient, + 16 B of sums]
  aux_ce_f32     AC-GAN's auxiliary classifier term (issue #16): one thread per row of (rows, K) class logits,
                 log-sum-exp shifted by the row maximum in double, grad = weight·(softmax − onehot)/batch on rows
                 [0, scored), 0 on the rest; sum[0] (+)= weight·Σ CE / batch (same fixed-order tree reduction)
                 [8K + 4 B per row: read K logits and the label, write K gradients]
Roofline: none worth stating: one block, a few microseconds of latency at any preset (it replaces a
device→host copy, a synchronisation and a host→device copy).

Arguments: loss 0 = hinge, 1 = non-saturating; generator 1 = G's loss on every row (realRows is then 0);
accumulate 0 = write sums (their old values are not read), 1 = add to them.
*/
#include "common.cuh"

#define GAN_LOSS_BLOCK 256

__device__ __forceinline__ double gan_softplus(double x) {
    return x > 30 ? x : x < -30 ? exp(x) : log1p(exp(x));
}
__device__ __forceinline__ double gan_sigmoid(double x) {
    return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x));
}

// logits, grad: (n,). sums: (4,), written or added to.
extern "C" __global__ void __launch_bounds__(GAN_LOSS_BLOCK) gan_loss_f32(const float* logits, float* grad, float* sums,
                                                                          int loss, int generator, idx_t realRows,
                                                                          idx_t n, int batch, int accumulate) {
    __shared__ double part[4][GAN_LOSS_BLOCK];
    const bool hinge = loss == 0;
    double acc[4] = {0, 0, 0, 0};
    for (idx_t i = threadIdx.x; i < n; i += GAN_LOSS_BLOCK) {
        double x = logits[i], l, g;
        if (generator) {
            l = hinge ? -x : gan_softplus(-x);
            g = hinge ? -1.0 : -gan_sigmoid(-x);
        } else if (i < realRows) {
            l = hinge ? fmax(0.0, 1 - x) : gan_softplus(-x);
            g = hinge ? (x < 1 ? -1.0 : 0.0) : -gan_sigmoid(-x);
        } else {
            l = hinge ? fmax(0.0, 1 + x) : gan_softplus(x);
            g = hinge ? (x > -1 ? 1.0 : 0.0) : gan_sigmoid(x);
        }
        grad[i] = (float)(g / batch);
        int real = i < realRows ? 0 : 1;
        acc[real] += l;
        acc[2 + real] += x;
    }
    for (int k = 0; k < 4; k++) part[k][threadIdx.x] = acc[k];
    __syncthreads();
    for (int half = GAN_LOSS_BLOCK / 2; half > 0; half >>= 1) {
        if (threadIdx.x < half)
            for (int k = 0; k < 4; k++) part[k][threadIdx.x] += part[k][threadIdx.x + half];
        __syncthreads();
    }
    if (threadIdx.x == 0)
        for (int k = 0; k < 4; k++) sums[k] = (float)((accumulate ? (double)sums[k] : 0.0) + part[k][0] / batch);
}

// logits, grad: (rows, k) row-major. labels: int32 (rows), in [0, k). sum: (1,), written or added to.
extern "C" __global__ void __launch_bounds__(GAN_LOSS_BLOCK) aux_ce_f32(const float* logits, const int* labels, float* grad, float* sum,
                                                                        idx_t rows, idx_t scored, int k, float weight, int batch,
                                                                        int accumulate) {
    __shared__ double part[GAN_LOSS_BLOCK];
    double acc = 0;
    for (idx_t i = threadIdx.x; i < rows; i += GAN_LOSS_BLOCK) {
        const float* a = logits + i * k;
        float* g = grad + i * k;
        if (i >= scored) {
            for (int j = 0; j < k; j++) g[j] = 0.0f;
            continue;
        }
        double mx = a[0];
        for (int j = 1; j < k; j++) mx = fmax(mx, (double)a[j]);
        double z = 0;
        for (int j = 0; j < k; j++) z += exp((double)a[j] - mx);
        int y = labels[i];
        for (int j = 0; j < k; j++) g[j] = (float)(weight * (exp((double)a[j] - mx) / z - (j == y ? 1.0 : 0.0)) / batch);
        acc += log(z) + mx - a[y];
    }
    part[threadIdx.x] = acc;
    __syncthreads();
    for (int half = GAN_LOSS_BLOCK / 2; half > 0; half >>= 1) {
        if (threadIdx.x < half) part[threadIdx.x] += part[threadIdx.x + half];
        __syncthreads();
    }
    if (threadIdx.x == 0) sum[0] = (float)((accumulate ? (double)sum[0] : 0.0) + weight * part[0] / batch);
}
