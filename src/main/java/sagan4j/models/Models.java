package sagan4j.models;

import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.nn.Init;
import sagan4j.nn.Module;
import sagan4j.nn.Parameter;

/** Helpers shared by the models. */
public final class Models {
    private Models() {
    }

    /**
     * BigGAN's orthogonal initialisation of every convolution and linear weight of {@code m} (role
     * {@link Parameter.Role#WEIGHT}: not embeddings, norm tables or biases), in registration order.
     */
    static void orthogonalInit(Backend be, Module m, SplittableRandom rng) {
        for (Parameter p : m.parameters(Parameter.Role.WEIGHT)) {
            Init.orthogonal(be, p.value(), 1.0, rng);
        }
    }
}
