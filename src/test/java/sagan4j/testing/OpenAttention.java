package sagan4j.testing;

import java.util.List;

import sagan4j.backend.Backend;
import sagan4j.nn.Parameter;

/**
 * Self-attention starts with σ = 0 (output x + σ·o = x), where its θ, φ, g and o weights get exactly zero
 * gradient and nothing inside the block is exercised. Tests of whole models set every σ to a non-zero
 * value first, so that a mistake inside attention shows in their outputs and gradients.
 */
public final class OpenAttention {
    private OpenAttention() {
    }

    /** Sets every parameter named {@code ….attention.sigma} among {@code weights} to {@code sigma}; returns how many. */
    public static int set(Backend be, List<Parameter> weights, float sigma) {
        int n = 0;
        for (Parameter p : weights) {
            if (p.name().endsWith("attention.sigma")) {
                be.fill(p.value(), sigma);
                n++;
            }
        }
        return n;
    }
}
