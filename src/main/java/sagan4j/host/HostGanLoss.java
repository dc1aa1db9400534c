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

    /** log(1 + e^x) without overflow. */
    public static double softplus(double x) {
        return x > 30 ? x : x < -30 ? Math.exp(x) : Math.log1p(Math.exp(x));
    }

    /** 1 / (1 + e^−x) without overflow. */
    public static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }
}
