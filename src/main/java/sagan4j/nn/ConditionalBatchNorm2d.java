package sagan4j.nn;

import sagan4j.backend.Backend;
import sagan4j.backend.CondBatchNormOps;
import sagan4j.backend.Tensor;

/**
 * Conditional batch norm over (B, C, H, W): batch statistics per channel in training (running statistics
 * {@code running_mean}, {@code running_var} updated with a momentum), the running ones in eval, then a
 * per-sample affine γ·x̂ + β, with γ, β either
 * <ul>
 *   <li>(a) class tables {@code gamma}, {@code beta} (K, C), picked by label (SAGAN; γ starts at 1, β at 0) —
 *       their gradients accumulate here; or</li>
 *   <li>(b) per-sample rows (B, C) computed upstream (BigGAN) — their gradients are returned by
 *       {@link #gradGammaRows()} / {@link #gradBetaRows()} after the backward.</li>
 * </ul>
 */
public final class ConditionalBatchNorm2d extends Module {
    private final int channels;
    private final Parameter gamma;
    private final Parameter beta;
    private final Parameter runningMean;
    private final Parameter runningVar;
    private float eps = CondBatchNormOps.DEFAULT_EPS;
    private float momentum = CondBatchNormOps.DEFAULT_MOMENTUM;
    private Tensor x;
    private Tensor labels;
    private Tensor gammaIn;
    private boolean trainedForward;

    /** @param classes K for mode (a) class tables; 0 for mode (b) per-sample rows */
    public ConditionalBatchNorm2d(Backend be, String path, int channels, int classes) {
        super(be, path);
        this.channels = channels;
        if (classes > 0) {
            gamma = weight("gamma", Parameter.Role.NORM_GAIN, classes, channels);
            beta = weight("beta", Parameter.Role.NORM_BIAS, classes, channels);
            be.fill(gamma.value(), 1f);
            be.fill(beta.value(), 0f);
        } else {
            gamma = null;
            beta = null;
        }
        runningMean = buffer("running_mean", Parameter.Role.RUNNING_MEAN, channels);
        runningVar = buffer("running_var", Parameter.Role.RUNNING_VAR, channels);
        be.fill(runningVar.value(), 1f);
    }

    public ConditionalBatchNorm2d eps(float e) {
        this.eps = e;
        return this;
    }

    public ConditionalBatchNorm2d momentum(float m) {
        this.momentum = m;
        return this;
    }

    public boolean classTables() {
        return gamma != null;
    }

    /** Mode (a): γ, β from the class tables by label. */
    public Tensor forward(Tensor x, Tensor labels) {
        require(classTables(), "built for per-sample γ/β rows (mode b); call forward(x, gammaRows, betaRows)");
        return run(x, labels, gamma.value(), beta.value());
    }

    /** Mode (b): γ, β given per sample, (B, C) each. */
    public Tensor forward(Tensor x, Tensor gammaRows, Tensor betaRows) {
        require(!classTables(), "built for class tables (mode a); call forward(x, labels)");
        return run(x, null, gammaRows, betaRows);
    }

    private Tensor run(Tensor x, Tensor labels, Tensor g, Tensor b) {
        require(x.rank() == 4 && x.dim(1) == channels, "expected (B, " + channels + ", H, W), got " + x.shape());
        this.x = x;
        this.labels = labels;
        this.gammaIn = g;
        Tensor y = scratch("y", x.shape().dims());
        CondBatchNormOps cbn = be.condBatchNorm();
        if (training()) {
            cbn.forwardTraining(x, labels, g, b, eps, momentum, runningMean.value(), runningVar.value(), y,
                    scratch("mean", channels), scratch("var", channels));
        } else {
            cbn.forwardEval(x, labels, g, b, runningMean.value(), runningVar.value(), eps, y);
        }
        trainedForward = training();
        return y;
    }

    /** dx; γ/β gradients accumulate into the tables (a) or are left in {@link #gradGammaRows()} (b). */
    public Tensor backward(Tensor dy) {
        require(x != null && trainedForward, "backward needs a training-mode forward first");
        Tensor dx = scratch("dx", x.shape().dims());
        int[] gdims = gammaIn.shape().dims();
        Tensor dg = scratch("dgamma", gdims), db = scratch("dbeta", gdims);
        be.condBatchNorm().backward(x, labels, gammaIn, scratch("mean", channels), scratch("var", channels), eps,
                dy, dx, dg, db);
        if (classTables()) {
            be.axpy(1f, dg, gamma.grad());
            be.axpy(1f, db, beta.grad());
        }
        return dx;
    }

    /** Mode (b): dL/dγ rows (B, C) from the last backward. */
    public Tensor gradGammaRows() {
        return scratch("dgamma", gammaIn.shape().dims());
    }

    public Tensor gradBetaRows() {
        return scratch("dbeta", gammaIn.shape().dims());
    }

    public Parameter runningMean() {
        return runningMean;
    }

    public Parameter runningVar() {
        return runningVar;
    }
}
