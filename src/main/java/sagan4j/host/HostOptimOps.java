package sagan4j.host;

import static sagan4j.host.HostStorage.floats;

import java.util.List;

import sagan4j.backend.Backend;
import sagan4j.backend.OptimOps;
import sagan4j.backend.Tensor;

/** The optimiser updates of a host backend: {@link HostOptim}'s double loops, split by the backend's runner. */
public final class HostOptimOps extends OptimOps {
    private final RangeRunner runner;
    private final boolean float32;

    /**
     * {@code impl}: the name {@code impls()} lists ("reference", "java"); {@code float32}: Adam's element
     * loop in float ({@link HostOptim#adamFloat}, the fast backend's) or in double (the reference's).
     */
    public HostOptimOps(Backend backend, String impl, RangeRunner runner, boolean float32) {
        super(backend, List.of(impl));
        this.runner = runner;
        this.float32 = float32;
    }

    @Override
    protected void doAdam(Tensor param, Tensor grad, Tensor m, Tensor v, AdamArgs s, float bc1, float bc2) {
        float[] p = floats(param), g = floats(grad), ms = floats(m), vs = floats(v);
        if (float32) {
            runner.forRange(p.length, RangeRunner.GRAIN, (lo, hi) -> HostOptim.adamFloat(p, g, ms, vs, s, bc1, bc2, lo, hi));
        } else {
            runner.forRange(p.length, RangeRunner.GRAIN, (lo, hi) -> HostOptim.adam(p, g, ms, vs, s, bc1, bc2, lo, hi));
        }
    }

    @Override
    protected void doEma(Tensor x, Tensor ema, float decay) {
        float[] xs = floats(x), e = floats(ema);
        runner.forRange(xs.length, RangeRunner.GRAIN, (lo, hi) -> HostOptim.ema(xs, e, decay, lo, hi));
    }
}
