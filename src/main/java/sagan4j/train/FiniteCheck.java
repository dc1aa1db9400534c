package sagan4j.train;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.nn.Module;
import sagan4j.nn.Parameter;

/**
 * {@code --check-finite}: throws {@link NonFiniteException} at the first NaN or ±∞ it is shown. The losses
 * come from the step's loss summary, which TrainStep reads back once per step anyway (checked in every mode
 * but {@code off}: no extra device work); in mode {@code all} the
 * layer outputs and weight gradients are counted on the device through {@link sagan4j.backend.LayerOps#countNonFinite}, the
 * only seam it needs, so nn and models know nothing of it.
 *
 * <p>"First": a network's layers are checked after its forward, children before their parent and in
 * registration order (which is forward order in every block of sagan4j's models), so a NaN born in one layer
 * is reported there and not in the block or the later layers it spreads to.
 */
final class FiniteCheck {
    private final Backend be;
    private final TrainConfig.CheckFinite mode;
    private long deviceChecks;

    FiniteCheck(Backend be, TrainConfig.CheckFinite mode) {
        this.be = be;
        this.mode = mode;
    }

    /** Mode {@code all}: layer outputs and gradients are read back during the step. */
    boolean perLayer() {
        return mode == TrainConfig.CheckFinite.ALL;
    }

    /** How many tensors were counted on the device so far (0 unless the mode is {@code all}). */
    long deviceChecks() {
        return deviceChecks;
    }

    /** A loss of step {@code step} (1-based), e.g. "D loss on real images". */
    void loss(long step, String phase, String what, double value) {
        if (mode != TrainConfig.CheckFinite.OFF && !Double.isFinite(value)) {
            throw new NonFiniteException(step, phase, "loss", what, "is " + value);
        }
    }

    /** Every layer output of {@code net}'s last forward (mode {@code all}). */
    void activations(long step, String phase, Module net) {
        if (mode != TrainConfig.CheckFinite.ALL) {
            return;
        }
        for (Module m : net.children()) {
            activations(step, phase, m);
        }
        Tensor y = net.lastOutput();
        if (y != null) {
            check(step, phase, net.path(), NonFiniteException.OUTPUT, y);
        }
    }

    /** Every weight gradient of {@code net} (mode {@code all}), after the backward passes and before the update. */
    void gradients(long step, String phase, Module net) {
        if (mode != TrainConfig.CheckFinite.ALL) {
            return;
        }
        for (Parameter p : net.weights()) {
            int dot = p.name().lastIndexOf('.');
            check(step, phase, dot < 0 ? net.path() : p.name().substring(0, dot), "the gradient of " + p.name(), p.grad());
        }
    }

    private void check(long step, String phase, String layer, String tensor, Tensor t) {
        deviceChecks++;
        long bad = be.layers().countNonFinite(t);
        if (bad > 0) {
            throw new NonFiniteException(step, phase, layer, tensor, "has " + bad + " NaN or infinite value" + (bad == 1 ? "" : "s")
                    + " of " + t.size() + ", shape " + t.shape());
        }
    }
}
