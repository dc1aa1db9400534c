package sagan4j.backend;

import static sagan4j.backend.Checks.requireFloat;
import static sagan4j.backend.Checks.requireSameSize;

import java.util.List;

/**
 * The GAN losses on D's logits, their gradient with respect to the logits and the step's summary, in one
 * op (on CUDA one kernel launch), from {@link Backend#ganLoss()}. Everything stays on the device: the
 * training step reads the summary back once, after the step, instead of downloading the logits and uploading
 * the gradient in the middle of it.
 * <pre>
 *   hinge (SAGAN, BigGAN):  L_D = mean relu(1 − D(x)) + mean relu(1 + D(G(z)))     L_G = −mean D(G(z))
 *   non-saturating:         L_D = mean softplus(−D(x)) + mean softplus(D(G(z)))    L_G = mean softplus(−D(G(z)))
 * </pre>
 * Means are over the whole batch of {@code batch} images, of which one call sees a micro-batch: each call
 * overwrites {@code grad} with dL/dlogit scaled by 1/batch (so micro-batches' backward passes accumulate to
 * the full batch's weight gradients) and writes its part to {@code sums} ({@code accumulate} false: the first
 * micro-batch, sums' old values are not read) or ADDS it ({@code accumulate} true: the micro-batches after it):
 * <pre>
 *   sums[LOSS_REAL]   += Σ over real rows of their loss term / batch       (G: 0)
 *   sums[LOSS_FAKE]   += Σ over fake rows of their loss term / batch       (G: its loss L_G)
 *   sums[LOGITS_REAL] += Σ over real rows of D(x) / batch                  (the mean real logit)
 *   sums[LOGITS_FAKE] += Σ over fake rows of D(G(z)) / batch               (the mean fake logit)
 * </pre>
 * Each part is accumulated in double and added to the float sum once per call.
 *
 * <p>{@link #classifier} is AC-GAN's auxiliary term on the class logits of D's auxiliary head, with the same
 * micro-batch scaling and summary convention:
 * <pre>
 *   L_aux = weight · mean over the scored rows of CE(softmax(a_i), y_i),  CE = log Σ_k e^(a_ik) − a_i,y_i
 * </pre>
 */
public abstract class GanLossOps extends OpFamily {
    /** sums[LOSS_REAL]: D's loss on real images. */
    public static final int LOSS_REAL = 0;
    /** sums[LOSS_FAKE]: D's loss on fakes, or G's loss. */
    public static final int LOSS_FAKE = 1;
    /** sums[LOGITS_REAL]: the mean logit of real images. */
    public static final int LOGITS_REAL = 2;
    /** sums[LOGITS_FAKE]: the mean logit of fakes. */
    public static final int LOGITS_FAKE = 3;
    /** Elements of the summary tensor. */
    public static final int SUMS = 4;

    /** Which loss. */
    public enum Loss {
        HINGE,
        NON_SATURATING
    }

    protected GanLossOps(Backend backend, List<String> impls) {
        super(backend, "ganLoss", impls);
    }

    /**
     * D's loss on one micro-batch of logits: rows [0, realRows) are real images' (pushed up), the rest fakes'
     * (pushed down).
     *
     * @param logits (rows, 1) or (rows,), read only
     * @param grad   the size of logits, overwritten with dL_D/dlogit (scaled by 1/batch)
     * @param sums   (4,), written or added to (see the class comment)
     */
    public final void discriminator(Loss loss, Tensor logits, int realRows, int batch, Tensor grad, Tensor sums, boolean accumulate) {
        check("ganLoss.discriminator", logits, realRows, batch, grad, sums);
        doLoss(loss, false, logits, realRows, batch, grad, sums, accumulate);
    }

    /** G's loss on the logits D gives its images (every row a fake, pushed up); arguments as for {@link #discriminator}. */
    public final void generator(Loss loss, Tensor logits, int batch, Tensor grad, Tensor sums, boolean accumulate) {
        check("ganLoss.generator", logits, 0, batch, grad, sums);
        doLoss(loss, true, logits, 0, batch, grad, sums, accumulate);
    }

    /**
     * The auxiliary classifier's loss on one micro-batch (AC-GAN): rows [0, scored) of the class logits are
     * scored against their labels (D: the real images; G: all of its fakes), the other rows get a zero gradient.
     *
     * @param logits (rows, K) class logits, read only
     * @param labels int32 (rows), each in [0, K) (labels are checked where they are drawn or read)
     * @param scored rows [0, scored) carry the loss
     * @param weight the term's weight
     * @param grad   (rows, K), overwritten with weight·(softmax − onehot)/batch on scored rows, 0 on the others
     * @param sum    (1,), written ({@code accumulate} false) or added to: weight·Σ over scored rows of CE / batch
     */
    public final void classifier(Tensor logits, Tensor labels, int scored, float weight, int batch, Tensor grad, Tensor sum,
                                 boolean accumulate) {
        String op = "ganLoss.classifier";
        requireFloat(backend, op, "logits", logits);
        requireFloat(backend, op, "grad", grad);
        requireFloat(backend, op, "sum", sum);
        if (logits.rank() != 2) {
            throw new ShapeException(op + ": logits must be (rows, classes), got shape " + logits.shape());
        }
        requireSameSize(op, "grad", grad, logits, "logits");
        if (labels.dtype() != DType.INT32 || labels.size() != logits.dim(0)) {
            throw new ShapeException(op + ": labels must be int32 (" + logits.dim(0) + "), got " + labels.shape() + " " + labels.dtype().label());
        }
        if (sum.size() != 1) {
            throw new ShapeException(op + ": sum must have 1 element, got shape " + sum.shape());
        }
        if (scored < 0 || scored > logits.dim(0)) {
            throw new ShapeException(op + ": scored must be in [0, " + logits.dim(0) + "], got " + scored);
        }
        if (batch < 1) {
            throw new ShapeException(op + ": batch must be >= 1, got " + batch);
        }
        if (!(weight >= 0) || !Float.isFinite(weight)) {
            throw new ShapeException(op + ": weight must be finite and >= 0, got " + weight);
        }
        doClassifier(logits, labels, scored, weight, batch, grad, sum, accumulate);
    }

    private void check(String op, Tensor logits, int realRows, int batch, Tensor grad, Tensor sums) {
        requireFloat(backend, op, "logits", logits);
        requireFloat(backend, op, "grad", grad);
        requireFloat(backend, op, "sums", sums);
        requireSameSize(op, "grad", grad, logits, "logits");
        if (sums.size() != SUMS) {
            throw new ShapeException(op + ": sums must have " + SUMS + " elements, got shape " + sums.shape());
        }
        if (realRows < 0 || realRows > logits.size()) {
            throw new ShapeException(op + ": realRows must be in [0, " + logits.size() + "], got " + realRows);
        }
        if (batch < 1) {
            throw new ShapeException(op + ": batch must be >= 1, got " + batch);
        }
    }

    /** The op on validated arguments; {@code generator} selects G's loss (realRows is then 0). */
    protected abstract void doLoss(Loss loss, boolean generator, Tensor logits, int realRows, int batch, Tensor grad, Tensor sums,
                                   boolean accumulate);

    /** {@link #classifier} on validated arguments: logits and grad (rows, K), labels (rows), sum (1,). */
    protected abstract void doClassifier(Tensor logits, Tensor labels, int scored, float weight, int batch, Tensor grad, Tensor sum,
                                         boolean accumulate);
}
