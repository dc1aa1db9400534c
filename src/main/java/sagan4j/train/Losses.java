package sagan4j.train;

/**
 * The GAN losses on D's logits, on the host (the logits of a batch are a few hundred floats: reading them
 * back costs one small copy per micro-batch). Each method returns its loss part, averaged over the whole
 * batch of {@code batch} images, and writes dLoss/dLogit into {@code grad}, scaled by 1/batch so that
 * micro-batches accumulate to the full batch's gradient.
 * <pre>
 *   hinge (SAGAN, BigGAN):  L_D = mean relu(1 − D(x)) + mean relu(1 + D(G(z)))     L_G = −mean D(G(z))
 *   non-saturating:         L_D = mean softplus(−D(x)) + mean softplus(D(G(z)))    L_G = mean softplus(−D(G(z)))
 * </pre>
 */
final class Losses {
    private Losses() {
    }

    /** D's loss on real logits {@code d[from, from + n)}: pushes them up. */
    static double dReal(TrainConfig.Loss loss, float[] d, int from, int n, int batch, float[] grad) {
        double sum = 0;
        for (int i = from; i < from + n; i++) {
            if (loss == TrainConfig.Loss.HINGE) {
                sum += Math.max(0, 1 - d[i]);
                grad[i] = d[i] < 1 ? -1f / batch : 0f;
            } else {
                sum += softplus(-d[i]);
                grad[i] = (float) (-sigmoid(-d[i]) / batch);
            }
        }
        return sum / batch;
    }

    /** D's loss on fake logits: pushes them down. */
    static double dFake(TrainConfig.Loss loss, float[] d, int from, int n, int batch, float[] grad) {
        double sum = 0;
        for (int i = from; i < from + n; i++) {
            if (loss == TrainConfig.Loss.HINGE) {
                sum += Math.max(0, 1 + d[i]);
                grad[i] = d[i] > -1 ? 1f / batch : 0f;
            } else {
                sum += softplus(d[i]);
                grad[i] = (float) (sigmoid(d[i]) / batch);
            }
        }
        return sum / batch;
    }

    /** G's loss on the logits of its images. */
    static double g(TrainConfig.Loss loss, float[] d, int batch, float[] grad) {
        double sum = 0;
        for (int i = 0; i < d.length; i++) {
            if (loss == TrainConfig.Loss.HINGE) {
                sum -= d[i];
                grad[i] = -1f / batch;
            } else {
                sum += softplus(-d[i]);
                grad[i] = (float) (-sigmoid(-d[i]) / batch);
            }
        }
        return sum / batch;
    }

    static double softplus(double x) {
        return x > 30 ? x : x < -30 ? Math.exp(x) : Math.log1p(Math.exp(x));
    }

    static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    static double mean(float[] d, int from, int n) {
        double s = 0;
        for (int i = from; i < from + n; i++) {
            s += d[i];
        }
        return s / n;
    }
}
