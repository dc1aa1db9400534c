package sagan4j.backend;

import static sagan4j.backend.Checks.requireFloat;
import static sagan4j.backend.Checks.requireFloatLike;
import static sagan4j.backend.Checks.requireInts;
import static sagan4j.backend.Checks.requireSame;
import static sagan4j.backend.Checks.requireUnit;
import static sagan4j.backend.Checks.requireVector;

import java.util.List;

/**
 * Conditional batch norm (SAGAN, BigGAN): batch norm over (B, H, W) per channel, then a per-sample affine
 * y = γ_b,c·x̂ + β_b,c. γ and β come either from class tables (K, C) picked by an int32 label per sample
 * ({@code labels} given: SAGAN's mode; the tables start at γ = 1, β = 0), or as per-sample rows (B, C)
 * computed upstream ({@code labels} null: BigGAN's mode).
 *
 * <p>Training uses the biased batch statistics and, when running buffers are given, updates them in place:
 * running = (1 − momentum)·running + momentum·batch, with the unbiased variance (n/(n−1), n = B·H·W) going
 * into running_var, as PyTorch does. Eval uses the running statistics. The backward is that of the
 * training forward (batch statistics): dx, and dγ, dβ — summed per class into (K, C) tables in mode (a),
 * deterministically; per sample (B, C) in mode (b).
 *
 * <p>Shapes: x, y, grad_y, grad_x (B, C, H, W) float32; labels (B) int32 with values in [0, K) (the CPU
 * backend checks them; the CUDA kernels turn an out-of-range label into NaN outputs for that sample rather
 * than read outside the tables); mean, var, running buffers (C). Outputs are preallocated by the caller and
 * fully overwritten. Every method checks its arguments here, identically on every backend.
 */
public abstract class CondBatchNormOps extends OpFamily {
    public static final float DEFAULT_EPS = 1e-5f;
    public static final float DEFAULT_MOMENTUM = 0.1f;

    protected CondBatchNormOps(Backend backend, List<String> impls) {
        super(backend, "condBatchNorm", impls);
    }

    /**
     * Training forward: y, the biased batch statistics mean and var (C), and — when runningMean and
     * runningVar are not null — the running statistics updated in place.
     *
     * @param labels (B) int32 class labels with (K, C) gamma/beta tables, or null with (B, C) rows
     */
    public final void forwardTraining(Tensor x, Tensor labels, Tensor gamma, Tensor beta, float eps, float momentum,
                                      Tensor runningMean, Tensor runningVar, Tensor y, Tensor mean, Tensor var) {
        String op = "condBatchNorm.forwardTraining";
        Dims d = dims(op, x, labels, gamma, beta);
        requireTrainable(op, d);
        requireEps(op, eps);
        requireUnit(op, "momentum", momentum);
        if ((runningMean == null) != (runningVar == null)) {
            throw new ShapeException(op + ": runningMean and runningVar must both be given or both be null");
        }
        if (runningMean != null) {
            vector(op, "runningMean", runningMean, d.c());
            vector(op, "runningVar", runningVar, d.c());
        }
        requireFloatLike(backend, op, "y", y, x, "x");
        vector(op, "mean", mean, d.c());
        vector(op, "var", var, d.c());
        checkLabels(op, labels, d.k());
        doForwardTraining(d, x, labels, gamma, beta, eps, momentum, runningMean, runningVar, y, mean, var);
    }

    /** Eval forward: y from the running statistics (C). */
    public final void forwardEval(Tensor x, Tensor labels, Tensor gamma, Tensor beta, Tensor runningMean,
                                  Tensor runningVar, float eps, Tensor y) {
        String op = "condBatchNorm.forwardEval";
        Dims d = dims(op, x, labels, gamma, beta);
        requireEps(op, eps);
        vector(op, "runningMean", runningMean, d.c());
        vector(op, "runningVar", runningVar, d.c());
        requireFloatLike(backend, op, "y", y, x, "x");
        checkLabels(op, labels, d.k());
        doForwardEval(d, x, labels, gamma, beta, runningMean, runningVar, eps, y);
    }

    /**
     * Backward of the training forward, given the batch statistics it returned (mean, var). gradGamma and
     * gradBeta have the shape of gamma: (K, C) class tables in mode (a), summed over the samples of each
     * class; (B, C) rows in mode (b).
     */
    public final void backward(Tensor x, Tensor labels, Tensor gamma, Tensor mean, Tensor var, float eps,
                               Tensor gradY, Tensor gradX, Tensor gradGamma, Tensor gradBeta) {
        String op = "condBatchNorm.backward";
        Dims d = dims(op, x, labels, gamma, gamma);
        requireTrainable(op, d);
        requireEps(op, eps);
        vector(op, "mean", mean, d.c());
        vector(op, "var", var, d.c());
        requireFloatLike(backend, op, "gradY", gradY, x, "x");
        requireFloatLike(backend, op, "gradX", gradX, x, "x");
        requireFloatLike(backend, op, "gradGamma", gradGamma, gamma, "gamma");
        requireFloatLike(backend, op, "gradBeta", gradBeta, gamma, "gamma");
        checkLabels(op, labels, d.k());
        doBackward(d, x, labels, gamma, mean, var, eps, gradY, gradX, gradGamma, gradBeta);
    }

    /**
     * Sizes of one call: batch B, channels C, spatial H·W, and K the number of classes (the table rows) in
     * mode (a), or 0 in mode (b) (per-sample rows).
     */
    public record Dims(int b, int c, int h, int w, int k) {
        public int hw() {
            return h * w;
        }

        /** Values per channel, B·H·W. */
        public long n() {
            return (long) b * h * w;
        }

        public boolean classTables() {
            return k > 0;
        }
    }

    // ---------------------------------------------------------------- backend side

    protected abstract void doForwardTraining(Dims d, Tensor x, Tensor labels, Tensor gamma, Tensor beta, float eps,
                                              float momentum, Tensor runningMean, Tensor runningVar, Tensor y,
                                              Tensor mean, Tensor var);

    protected abstract void doForwardEval(Dims d, Tensor x, Tensor labels, Tensor gamma, Tensor beta,
                                          Tensor runningMean, Tensor runningVar, float eps, Tensor y);

    protected abstract void doBackward(Dims d, Tensor x, Tensor labels, Tensor gamma, Tensor mean, Tensor var,
                                       float eps, Tensor gradY, Tensor gradX, Tensor gradGamma, Tensor gradBeta);

    /**
     * Checks label values where that costs no device synchronisation (the CPU reference); the default does
     * nothing (CUDA: out-of-range labels give NaN for their sample).
     */
    protected void checkLabels(String op, Tensor labels, int k) {
    }

    // ---------------------------------------------------------------- checks

    private Dims dims(String op, Tensor x, Tensor labels, Tensor gamma, Tensor beta) {
        requireFloat(backend, op, "x", x);
        if (x.rank() != 4) {
            throw new ShapeException(op + ": x must be rank 4 (B, C, H, W), got shape " + x.shape());
        }
        int b = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        if ((long) h * w > Integer.MAX_VALUE) {
            throw new ShapeException(op + ": x has H*W = " + (long) h * w + ", more than 2^31-1 per plane");
        }
        requireFloat(backend, op, "gamma", gamma);
        requireFloat(backend, op, "beta", beta);
        int k = 0;
        if (labels != null) {
            requireInts(backend, op, "labels", labels);
            if (labels.rank() != 1 || labels.dim(0) != b) {
                throw new ShapeException(op + ": labels must have shape [" + b + "] (B of x " + x.shape() + "), got "
                        + labels.shape());
            }
            if (gamma.rank() != 2 || gamma.dim(1) != c) {
                throw new ShapeException(op + ": gamma must have shape [K, " + c + "] (class tables; C of x "
                        + x.shape() + "), got " + gamma.shape());
            }
            k = gamma.dim(0);
        } else if (gamma.rank() != 2 || gamma.dim(0) != b || gamma.dim(1) != c) {
            throw new ShapeException(op + ": gamma must have shape [" + b + ", " + c + "] (per-sample rows, no labels; "
                    + "B, C of x " + x.shape() + "), got " + gamma.shape());
        }
        requireSame(op, "beta", beta, gamma, "gamma");
        return new Dims(b, c, h, w, k);
    }

    private static void requireTrainable(String op, Dims d) {
        if (d.n() < 2) {
            throw new ShapeException(op + ": expected more than 1 value per channel in training (B*H*W > 1), got B="
                    + d.b() + ", H=" + d.h() + ", W=" + d.w());
        }
    }

    private static void requireEps(String op, float eps) {
        if (!(eps > 0f) || !Float.isFinite(eps)) {
            throw new ShapeException(op + ": eps must be a finite number > 0, got " + eps);
        }
    }

    private void vector(String op, String name, Tensor t, int c) {
        requireFloat(backend, op, name, t);
        requireVector(op, name, t, c, " (C)");
    }
}
