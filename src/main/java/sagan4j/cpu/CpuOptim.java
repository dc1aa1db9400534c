package sagan4j.cpu;

import java.util.List;

import sagan4j.backend.HostOptim;
import sagan4j.backend.OptimOps;
import sagan4j.backend.Tensor;

/** The optimiser updates on the CPU reference: {@link HostOptim}'s double loops, split over threads. */
final class CpuOptim extends OptimOps {
    /** Elements below this stay on the calling thread. */
    private static final int GRAIN = 1 << 15;

    CpuOptim(CpuBackend backend) {
        super(backend, List.of("reference"));
    }

    @Override
    protected void doAdam(Tensor param, Tensor grad, Tensor m, Tensor v, Adam s, float bc1, float bc2) {
        float[] p = CpuBackend.f(param), g = CpuBackend.f(grad), ms = CpuBackend.f(m), vs = CpuBackend.f(v);
        Parallel.forRange(p.length, GRAIN, (lo, hi) -> HostOptim.adam(p, g, ms, vs, s, bc1, bc2, lo, hi));
    }

    @Override
    protected void doEma(Tensor x, Tensor ema, float decay) {
        float[] xs = CpuBackend.f(x), e = CpuBackend.f(ema);
        Parallel.forRange(xs.length, GRAIN, (lo, hi) -> HostOptim.ema(xs, e, decay, lo, hi));
    }
}
