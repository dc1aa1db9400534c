package sagan4j.optim;

import sagan4j.backend.OptimOps;

/**
 * One network's Adam settings: the learning rate of its default param group, β1, β2 and eps. Checked when
 * made: one line naming the bad value.
 */
public record AdamOptions(float lr, float beta1, float beta2, float eps) {
    public AdamOptions {
        // the kernel's argument check is the one rule: one line naming the bad value
        new OptimOps.AdamArgs(lr, beta1, beta2, eps).check();
    }

    /** The two-time-scale settings of SAGAN and BigGAN for the given learning rate (β1 0, β2 0.9, eps 1e-8). */
    public static AdamOptions ttur(float lr) {
        return new AdamOptions(lr, 0f, 0.9f, 1e-8f);
    }

    /** PyTorch's defaults (lr 1e-3, β1 0.9, β2 0.999, eps 1e-8). */
    public static AdamOptions defaults() {
        return new AdamOptions(1e-3f, 0.9f, 0.999f, 1e-8f);
    }

    /** The scalars of one update at this learning rate. */
    OptimOps.AdamArgs args(float groupLr) {
        return new OptimOps.AdamArgs(groupLr, beta1, beta2, eps);
    }

    /** The same settings with another β1. */
    public AdamOptions withBeta1(float newBeta1) {
        return new AdamOptions(lr, newBeta1, beta2, eps);
    }

    /** The same settings with another β2. */
    public AdamOptions withBeta2(float newBeta2) {
        return new AdamOptions(lr, beta1, newBeta2, eps);
    }

    /** The same settings with another learning rate. */
    public AdamOptions withLr(float newLr) {
        return new AdamOptions(newLr, beta1, beta2, eps);
    }
}
