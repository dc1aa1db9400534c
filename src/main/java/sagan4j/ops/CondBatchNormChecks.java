package sagan4j.ops;

import java.util.Arrays;

import sagan4j.io.NpyArray;

/** Value checks shared by the two conditional batch norm ops (one-line messages naming the key). */
final class CondBatchNormChecks {
    private CondBatchNormChecks() {
    }

    static void eps(String op, Params p) {
        float eps = p.getFloat("eps", 1e-5f);
        if (!(eps > 0f)) {
            throw new OpInputException("param eps: expected a number > 0, got " + eps);
        }
    }

    static void labels(String op, NpyArray labels, int k) {
        int[] l = labels.ints();
        for (int i = 0; i < l.length; i++) {
            if (l[i] < 0 || l[i] >= k) {
                throw new OpInputException(op + ": input 'labels' element " + i + " is " + l[i]
                        + " (expected a class in [0, " + k + "), K from gamma)");
            }
        }
    }

    /** Training statistics need more than one value per channel (PyTorch refuses the same). */
    static void trainable(String op, NpyArray x) {
        int[] s = x.shape();
        if ((long) s[0] * s[2] * s[3] < 2) {
            throw new OpInputException(op + ": input 'x' has shape " + Arrays.toString(s)
                    + " (expected more than 1 value per channel, B*H*W > 1, when training)");
        }
    }
}
