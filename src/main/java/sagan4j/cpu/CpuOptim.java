package sagan4j.cpu;

import java.util.List;

import sagan4j.backend.OptimOps;
import sagan4j.backend.Tensor;

/**
 * The optimiser updates on the CPU reference: each element in double (moments, corrections, square
 * root, quotient), rounded to float once when stored. Elementwise, so splitting over threads cannot
 * change a bit: the result is the same for any thread count.
 */
final class CpuOptim extends OptimOps {
    /** Elements below this stay on the calling thread. */
    private static final int GRAIN = 1 << 15;

    CpuOptim(CpuBackend backend) {
        super(backend, List.of("reference"));
    }

    @Override
    protected void doAdam(Tensor param, Tensor grad, Tensor m, Tensor v, Adam s, float bc1, float bc2) {
        float[] p = CpuBackend.f(param), g = CpuBackend.f(grad), ms = CpuBackend.f(m), vs = CpuBackend.f(v);
        double b1 = s.beta1(), b2 = s.beta2(), lr = s.lr(), eps = s.eps(), c1 = bc1, c2 = bc2;
        Parallel.forRange(p.length, GRAIN, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                double gi = g[i];
                double mi = b1 * ms[i] + (1 - b1) * gi;
                double vi = b2 * vs[i] + (1 - b2) * gi * gi;
                ms[i] = (float) mi;
                vs[i] = (float) vi;
                p[i] = (float) (p[i] - lr * (mi / c1) / (Math.sqrt(vi / c2) + eps));
            }
        });
    }

    @Override
    protected void doEma(Tensor x, Tensor ema, float decay) {
        float[] xs = CpuBackend.f(x), e = CpuBackend.f(ema);
        double d = decay;
        Parallel.forRange(xs.length, GRAIN, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                e[i] = (float) (d * e[i] + (1 - d) * xs[i]);
            }
        });
    }
}
