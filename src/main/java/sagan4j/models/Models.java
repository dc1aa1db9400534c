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
     * BigGAN's orthogonal initialisation of every convolution and linear weight of {@code m} (parameters
     * named {@code .weight} of rank ≥ 2, not embeddings or norm tables).
     */
    static void orthogonalInit(Backend be, Module m, SplittableRandom rng) {
        for (Parameter p : m.weights()) {
            String n = p.name();
            if (n.endsWith(".weight") && p.value().rank() >= 2 && !n.contains("embed") && !n.contains("shared")) {
                Init.orthogonal(be, p.value(), 1.0, rng);
            }
        }
    }
}
