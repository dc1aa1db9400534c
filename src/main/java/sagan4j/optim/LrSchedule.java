package sagan4j.optim;

import sagan4j.backend.ConfigException;

/**
 * How a learning rate changes with the step: before update t (1-based) the optimizer sets each group's
 * lr ← initial lr · {@link #factor(long) factor(t)}, as PyTorch's {@code LambdaLR} does. A function of t alone,
 * so a resumed run (its step count restored) continues the schedule where it stopped.
 */
@FunctionalInterface
public interface LrSchedule {
    /** The multiplier of the initial learning rate at update t ≥ 1; finite and ≥ 0. */
    double factor(long t);

    /** The initial learning rate at every step (the factor 1, so the rate is bit for bit the initial one). */
    static LrSchedule constant() {
        return t -> 1.0;
    }

    /**
     * The initial rate up to update {@code start}, then a straight line down to 0 at update {@code end}, and 0
     * after it: factor(t) = (end − t)/(end − start) for start ≤ t ≤ end.
     */
    static LrSchedule linearDecay(long start, long end) {
        if (start < 0 || end <= start) {
            throw new ConfigException("linear decay: expected 0 <= start < end, got start " + start + ", end " + end);
        }
        return t -> t <= start ? 1.0 : t >= end ? 0.0 : (double) (end - t) / (end - start);
    }
}
