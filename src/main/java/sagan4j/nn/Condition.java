package sagan4j.nn;

import sagan4j.backend.Tensor;

/**
 * What a generator's conditional norms see: the class labels (int32 (B); SAGAN's class tables) or a
 * per-sample vector (B, D) (BigGAN: the shared class embedding concatenated with a chunk of z).
 */
public record Condition(Tensor labels, Tensor vector) {
    public static Condition labels(Tensor labels) {
        return new Condition(labels, null);
    }

    public static Condition vector(Tensor vector) {
        return new Condition(null, vector);
    }
}
