package sagan4j.optim;

import java.util.List;

import sagan4j.backend.ConfigException;
import sagan4j.nn.Parameter;

/**
 * Parameters an optimizer updates with one learning rate, as a {@code torch.optim} param group: trainable
 * parameters of one backend, and a learning rate that may change between steps (by hand, or by the optimizer's
 * {@link LrSchedule}, which scales {@link #initialLr()}).
 */
public final class ParamGroup {
    private final List<Parameter> params;
    private final float initialLr;
    private float lr;

    /**
     * One line if {@code params} is empty or holds a buffer, or lr is bad (the optimizer checks that no parameter
     * is listed twice and that all share a backend).
     */
    public ParamGroup(List<Parameter> params, float lr) {
        if (params == null || params.isEmpty()) {
            throw new ConfigException("param group: needs at least one trainable parameter, got none");
        }
        for (Parameter p : params) {
            if (!p.trainable()) {
                throw new ConfigException("param group: " + p.name() + " is a buffer (no gradient), expected trainable parameters only");
            }
        }
        this.params = List.copyOf(params);
        this.initialLr = checkedLr(lr);
        this.lr = initialLr;
    }

    public List<Parameter> params() {
        return params;
    }

    /** The learning rate the next step uses. */
    public float lr() {
        return lr;
    }

    /** Sets the learning rate of the next steps; one line if it is negative or not finite. */
    public void lr(float lr) {
        this.lr = checkedLr(lr);
    }

    /** The learning rate the group was made with: what a schedule scales. */
    public float initialLr() {
        return initialLr;
    }

    static float checkedLr(float lr) {
        if (!(lr >= 0f) || !Float.isFinite(lr)) {
            throw new ConfigException("learning rate must be finite and >= 0, got " + lr);
        }
        return lr;
    }
}
