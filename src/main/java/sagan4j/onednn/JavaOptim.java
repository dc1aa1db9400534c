package sagan4j.onednn;

import static sagan4j.onednn.OneDnnBackend.f;

import java.util.List;

import sagan4j.backend.HostOptim;
import sagan4j.backend.OptimOps;
import sagan4j.backend.Tensor;

/** The optimiser updates on the oneDNN backend: {@link HostOptim}'s loops (the reference's arithmetic) over the lanes. */
final class JavaOptim extends OptimOps {
    private final Lanes lanes;

    JavaOptim(OneDnnBackend backend) {
        super(backend, List.of("java"));
        this.lanes = backend.lanes();
    }

    @Override
    protected void doAdam(Tensor param, Tensor grad, Tensor m, Tensor v, Adam s, float bc1, float bc2) {
        float[] p = f(param), g = f(grad), ms = f(m), vs = f(v);
        lanes.forRange(p.length, OneDnnBackend.GRAIN, (lo, hi) -> HostOptim.adam(p, g, ms, vs, s, bc1, bc2, lo, hi));
    }

    @Override
    protected void doEma(Tensor x, Tensor ema, float decay) {
        float[] xs = f(x), e = f(ema);
        lanes.forRange(xs.length, OneDnnBackend.GRAIN, (lo, hi) -> HostOptim.ema(xs, e, decay, lo, hi));
    }
}
