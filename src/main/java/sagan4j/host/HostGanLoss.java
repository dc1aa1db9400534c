package sagan4j.host;

import sagan4j.backend.GanLossOps;

/**
 * {@link GanLossOps}' arithmetic over heap arrays, in double, for the backends that keep tensors in Java
 * arrays (the reference and oneDNN's); the reference the CUDA kernel (kernels/gan_loss.cu) is held to.
 */
public final class HostGanLoss {
    private HostGanLoss() {
    }

    /** The op on logits d (n elements), writing grad and writing or adding to sums (see {@link GanLossOps}). */
    public static void apply(GanLossOps.Loss loss, boolean generator, float[] d, int realRows, int batch, float[] grad, float[] sums,
                             boolean accumulate) {
        boolean hinge = loss == GanLossOps.Loss.HINGE;
        double lossReal = 0, lossFake = 0, logitsReal = 0, logitsFake = 0;
        for (int i = 0; i < d.length; i++) {
            double x = d[i], l, g;
            if (generator) {
                l = hinge ? -x : softplus(-x);
                g = hinge ? -1.0 : -sigmoid(-x);
            } else if (i < realRows) {
                l = hinge ? Math.max(0, 1 - x) : softplus(-x);
                g = hinge ? (x < 1 ? -1.0 : 0.0) : -sigmoid(-x);
            } else {
                l = hinge ? Math.max(0, 1 + x) : softplus(x);
                g = hinge ? (x > -1 ? 1.0 : 0.0) : sigmoid(x);
            }
            grad[i] = (float) (g / batch);
            if (i < realRows) {
                lossReal += l;
                logitsReal += x;
            } else {
                lossFake += l;
                logitsFake += x;
            }
        }
        double[] part = {lossReal, lossFake, logitsReal, logitsFake};
        for (int k = 0; k < GanLossOps.SUMS; k++) {
            sums[k] = (float) ((accumulate ? sums[k] : 0.0) + part[k] / batch);
        }
    }

    /**
     * The auxiliary classifier's loss ({@link GanLossOps#classifier}) on (rows, k) logits a: per scored row, in
     * double, the log-sum-exp shifted by the row's maximum, grad = weight·(softmax − onehot)/batch; unscored rows 0.
     */
    public static void classifier(float[] a, int[] labels, int k, int scored, float weight, int batch, float[] grad, float[] sum,
                                  boolean accumulate) {
        int rows = labels.length;
        double total = 0;
        for (int i = 0; i < rows; i++) {
            int o = i * k;
            if (i >= scored) {
                java.util.Arrays.fill(grad, o, o + k, 0f);
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, a[o + j]);
            }
            double z = 0;
            for (int j = 0; j < k; j++) {
                z += Math.exp(a[o + j] - max);
            }
            for (int j = 0; j < k; j++) {
                double p = Math.exp(a[o + j] - max) / z;
                grad[o + j] = (float) (weight * (p - (j == labels[i] ? 1 : 0)) / batch);
            }
            total += Math.log(z) + max - a[o + labels[i]];
        }
        sum[0] = (float) ((accumulate ? sum[0] : 0.0) + weight * total / batch);
    }

    /** log(1 + e^x) without overflow. */
    public static double softplus(double x) {
        return x > 30 ? x : x < -30 ? Math.exp(x) : Math.log1p(Math.exp(x));
    }

    /** 1 / (1 + e^−x) without overflow. */
    public static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }
}
