package sagan4j.host;

import java.util.List;

import sagan4j.backend.ShapeException;

/**
 * Row copies over Java arrays that both CPU backends (the reference and oneDNN's) need and compute the
 * same way: there is nothing to make faster in an arraycopy or a label lookup. Shapes as documented on
 * the Backend ops; labels are checked here, on the host, with one line naming the first bad one.
 */
public final class HostArrays {
    private HostArrays() {
    }

    /** How many of the first {@code n} values are NaN or ±∞: the host count of {@link sagan4j.backend.LayerOps#countNonFinite}. */
    public static long countNonFinite(float[] a, int n) {
        long bad = 0;
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(a[i])) {
                bad++;
            }
        }
        return bad;
    }

    /** Every label in [0, k); else one line naming the op, the index and the value. */
    public static void checkLabels(String op, int[] labels, int k) {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= k) {
                throw new ShapeException(op + ": labels[" + i + "] is " + labels[i] + ", expected a value in [0, " + k + ")");
            }
        }
    }

    /** whole (rows, Σ len_i) ⇄ parts (rows, len_i) side by side; {@code toWhole}: concat, else split. */
    public static void concat(List<float[]> parts, List<Integer> partLengths, float[] whole, int rows, boolean toWhole) {
        int wholeRow = whole.length / rows, offset = 0;
        for (int p = 0; p < parts.size(); p++) {
            float[] ps = parts.get(p);
            int len = partLengths.get(p);
            for (int r = 0; r < rows; r++) {
                if (toWhole) {
                    System.arraycopy(ps, r * len, whole, r * wholeRow + offset, len);
                } else {
                    System.arraycopy(whole, r * wholeRow + offset, ps, r * len, len);
                }
            }
            offset += len;
        }
    }

    /** out[b, :] ← table[labels[b], :], rows of d; labels checked against the table's k rows. */
    public static void gatherRows(float[] table, int k, int d, int[] labels, float[] out) {
        checkLabels("gatherRows", labels, k);
        for (int b = 0; b < labels.length; b++) {
            System.arraycopy(table, labels[b] * d, out, b * d, d);
        }
    }

    /** dTable[k, :] += Σ over b with labels[b] = k of dOut[b, :], summed in double in batch order. */
    public static void scatterAddRows(float[] dOut, int[] labels, int k, int d, float[] dTable) {
        checkLabels("scatterAddRows", labels, k);
        double[] acc = new double[k * d];
        for (int b = 0; b < labels.length; b++) {
            int row = labels[b] * d;
            for (int j = 0; j < d; j++) {
                acc[row + j] += dOut[b * d + j];
            }
        }
        for (int i = 0; i < acc.length; i++) {
            dTable[i] = (float) (dTable[i] + acc[i]);
        }
    }

    /** m[b, i, i] ← 0 for a batch of n×n matrices. */
    public static void zeroDiagonal(float[] m, int batch, int n) {
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < n; i++) {
                m[(b * n + i) * n + i] = 0f;
            }
        }
    }
}
