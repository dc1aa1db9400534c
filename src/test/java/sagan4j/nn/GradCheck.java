package sagan4j.nn;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.testing.Reference;

/**
 * Central-difference gradient checks of a module's backward on the CPU reference: the loss is
 * L = Σ y·g for a fixed random g, summed in double; each sampled input or weight element is moved by
 * ±eps (the float steps actually taken are used), and the difference quotient is compared with the
 * analytic gradient. Float storage limits the quotient's accuracy to about 1e-7·|L|/eps, so the
 * tolerance is relative to the gradient's scale; a wrong backward is off by O(1).
 */
public final class GradCheck {
    private GradCheck() {
    }

    /** A forward pass from the current weights and inputs to the output. */
    @FunctionalInterface
    public interface Forward {
        Tensor run();
    }

    public static double loss(Backend be, Tensor y, float[] g) {
        float[] ys = be.toHostFloats(y);
        double s = 0;
        for (int i = 0; i < ys.length; i++) {
            s += (double) ys[i] * g[i];
        }
        return s;
    }

    /**
     * Checks the analytic gradient {@code analytic} of the elements of {@code target} (an input or a
     * weight tensor used by {@code forward}) against central differences.
     */
    public static void check(String what, Backend be, Forward forward, float[] g, Tensor target, float[] analytic,
                             double eps, double tol, int samples, SplittableRandom rng) {
        float[] v = be.toHostFloats(target);
        double scale = 0;
        for (float a : analytic) {
            scale = Math.max(scale, Math.abs(a));
        }
        List<String> failures = new ArrayList<>();
        int n = v.length;
        for (int s = 0; s < Math.min(samples, n); s++) {
            int i = samples >= n ? s : rng.nextInt(n);
            float keep = v[i];
            v[i] = (float) (keep + eps);
            double step = v[i];
            be.upload(v, target);
            double up = loss(be, forward.run(), g);
            v[i] = (float) (keep - eps);
            step -= v[i];
            be.upload(v, target);
            double down = loss(be, forward.run(), g);
            v[i] = keep;
            be.upload(v, target);
            double numeric = (up - down) / step;
            double err = Math.abs(numeric - analytic[i]) / Math.max(scale, 1e-6);
            if (!(err <= tol)) {
                failures.add(what + "[" + i + "]: numeric " + numeric + ", analytic " + analytic[i] + " (error " + err + " of the scale " + scale + ")");
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " gradient mismatches, first: " + failures.get(0));
        }
    }

    /**
     * Full check of a layer: input gradient and every weight's gradient, the forward re-run for each
     * perturbation. {@code input} must be a tensor the test owns.
     */
    public static void layer(Backend be, Layer layer, Tensor input, double eps, double tol, int samples, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor y = layer.forward(input);
        float[] g = Reference.random(rng, (int) y.size(), 1);
        layer.zeroGrad();
        try (Tensor gt = be.fromHost(g, y.shape().dims())) {
            float[] dx = be.toHostFloats(layer.backward(gt));
            Supplier<Tensor> run = () -> layer.forward(input);
            check(layer.path() + " input", be, run::get, g, input, dx, eps, tol, samples, rng);
            for (Parameter p : layer.weights()) {
                check(p.name(), be, run::get, g, p.value(), be.toHostFloats(p.grad()), eps, tol, samples, rng);
            }
        }
    }
}
