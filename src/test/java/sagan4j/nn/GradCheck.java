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
        check(what, be, forward, g, target, analytic, eps, tol, samples, rng, () -> 0);
    }

    /**
     * The same, for functions with kinks (max pooling): {@code regime} fingerprints the discrete choices of
     * the last forward; a sample whose +eps and −eps forwards chose differently straddles a kink, where no
     * derivative exists, and is skipped. At most half the samples may be skipped.
     */
    public static void check(String what, Backend be, Forward forward, float[] g, Tensor target, float[] analytic,
                             double eps, double tol, int samples, SplittableRandom rng, java.util.function.IntSupplier regime) {
        float[] v = be.toHostFloats(target);
        double scale = 0;
        for (float a : analytic) {
            scale = Math.max(scale, Math.abs(a));
        }
        List<String> failures = new ArrayList<>();
        int n = v.length, skipped = 0;
        for (int s = 0; s < Math.min(samples, n); s++) {
            int i = samples >= n ? s : rng.nextInt(n);
            float keep = v[i];
            v[i] = (float) (keep + eps);
            double step = v[i];
            be.upload(v, target);
            double up = loss(be, forward.run(), g);
            int upRegime = regime.getAsInt();
            v[i] = (float) (keep - eps);
            step -= v[i];
            be.upload(v, target);
            double down = loss(be, forward.run(), g);
            int downRegime = regime.getAsInt();
            v[i] = keep;
            be.upload(v, target);
            if (upRegime != downRegime) {
                skipped++;
                continue;
            }
            double numeric = (up - down) / step;
            // Relative to the gradient's scale, floored at 1e-2: a gradient that is zero by symmetry (a bias
            // that shifts every key alike) is checked against the quotient's float noise, not against 0.
            // The float forward itself is good to about 1e-7 of |L|: that, over the step, is allowed on top.
            double noise = 1e-6 * Math.max(Math.abs(up), Math.abs(down)) / step;
            double err = Math.max(0, Math.abs(numeric - analytic[i]) - noise) / Math.max(scale, 1e-2);
            if (!(err <= tol)) {
                failures.add(what + "[" + i + "]: numeric " + numeric + ", analytic " + analytic[i] + " (error " + err + " of the scale " + scale + ")");
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " gradient mismatches, first: " + failures.get(0));
        }
        if (skipped > Math.min(samples, n) / 2) {
            fail(what + ": " + skipped + " of " + Math.min(samples, n) + " samples straddled a kink; use a smaller eps");
        }
    }

    /**
     * Full check of a layer: input gradient and every weight's gradient, the forward re-run for each
     * perturbation. {@code input} must be a tensor the test owns.
     */
    public static void layer(Backend be, Layer layer, Tensor input, double eps, double tol, int samples, long seed) {
        layer(be, layer, input, eps, tol, samples, seed, () -> 0);
    }

    /** {@link #layer} for layers with kinks; see the regime form of {@link #check}. */
    public static void layer(Backend be, Layer layer, Tensor input, double eps, double tol, int samples, long seed,
                             java.util.function.IntSupplier regime) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor y = layer.forward(input);
        float[] g = Reference.random(rng, (int) y.size(), 1);
        layer.zeroGrad();
        try (Tensor gt = be.fromHost(g, y.shape().dims())) {
            float[] dx = be.toHostFloats(layer.backward(gt));
            Supplier<Tensor> run = () -> layer.forward(input);
            check(layer.path() + " input", be, run::get, g, input, dx, eps, tol, samples, rng, regime);
            for (Parameter p : layer.weights()) {
                check(p.name(), be, run::get, g, p.value(), be.toHostFloats(p.grad()), eps, tol, samples, rng, regime);
            }
        }
    }

    /**
     * A fingerprint of every kink decision in the subtree of {@code root} — which inputs of each ReLU and
     * LeakyReLU were positive, which element won each max-pool block — for {@link #check}'s regime test.
     */
    public static java.util.function.IntSupplier kinks(Module root) {
        return () -> {
            int h = 1;
            for (Module m : root.modules()) {
                if (m instanceof Activation a) {
                    h = 31 * h + a.kinkSignature();
                } else if (m instanceof Resampling r && r.argmax() != null) {
                    h = 31 * h + java.util.Arrays.hashCode(m.be.toHostInts(r.argmax()));
                }
            }
            return h;
        };
    }

    /**
     * Directional checks for whole networks, of every element of {@code target} at once: L(+) − L(−) for a move
     * of ±eps·d is compared with ⟨gradient, actual float move⟩, both in double, for
     * <ul>
     *   <li>d = the analytic gradient, normalised (catches a wrong sign or scale), and</li>
     *   <li>{@code randomDirections} directions d with entries uniform in [−1, 1) drawn from {@code rng}, normalised
     *       (a move of the same length as along the gradient: curvature and kinks stay as small). These catch a gradient that
     *       is missing in whole or in part: along its own direction a zero gradient predicts a change of 0 and measures
     *       0, and a gradient with some elements missing agrees with itself; along a random direction the true
     *       function still changes by ⟨true gradient, move⟩.</li>
     * </ul>
     * A kink crossed by some activation changes the slope of only that element, so its effect is averaged over the
     * many elements the move touches, where per-element differences would straddle kinks on nearly every sample.
     * Allowed: {@code tol} relative (for a random direction, of |predicted| plus the change a typical direction
     * makes, ‖gradient‖·‖move‖/√n, since a random direction may be nearly orthogonal to the gradient by chance)
     * plus the forward's float noise, about 1e-5·|L|.
     */
    public static void directions(String what, Backend be, Forward forward, float[] g, Tensor target, float[] analytic,
                                  double eps, double tol, int randomDirections, SplittableRandom rng) {
        double norm = 0;
        for (float a : analytic) {
            norm += (double) a * a;
        }
        norm = Math.sqrt(norm);
        double[] d = new double[analytic.length];
        if (norm > 0) {
            for (int i = 0; i < d.length; i++) {
                d[i] = eps * analytic[i] / norm;
            }
            along(what + " along its gradient", be, forward, g, target, analytic, d, tol, 0);
        }
        for (int k = 0; k < randomDirections; k++) {
            double n2 = 0;
            for (int i = 0; i < d.length; i++) {
                d[i] = rng.nextDouble(-1, 1);
                n2 += d[i] * d[i];
            }
            for (int i = 0; i < d.length; i++) {
                d[i] *= eps / Math.sqrt(n2);
            }
            along(what + " along random direction " + k, be, forward, g, target, analytic, d, tol, norm);
        }
    }

    /** One directional difference: moves {@code target} by ±{@code move}; see {@link #directions}. */
    private static void along(String what, Backend be, Forward forward, float[] g, Tensor target, float[] analytic,
                              double[] move, double tol, double gradientNorm) {
        float[] v = be.toHostFloats(target);
        float[] plus = v.clone(), minus = v.clone();
        for (int i = 0; i < v.length; i++) {
            plus[i] = (float) (v[i] + move[i]);
            minus[i] = (float) (v[i] - move[i]);
        }
        double predicted = 0, moved = 0;
        for (int i = 0; i < v.length; i++) {
            double step = (double) plus[i] - minus[i];
            predicted += analytic[i] * step;
            moved += step * step;
        }
        double typical = gradientNorm * Math.sqrt(moved / v.length);
        be.upload(plus, target);
        double up = loss(be, forward.run(), g);
        be.upload(minus, target);
        double down = loss(be, forward.run(), g);
        be.upload(v, target);
        double measured = up - down, noise = 1e-5 * Math.max(Math.abs(up), Math.abs(down));
        double allowed = tol * (Math.abs(predicted) + typical) + noise;
        if (!(Math.abs(measured - predicted) <= allowed)) {
            fail(what + ": L(+) − L(−) = " + measured + " but ⟨gradient, move⟩ = " + predicted + " (allowed difference "
                    + allowed + ", of which float noise " + noise + ")");
        }
    }

    /**
     * Fails unless some element of {@code grad} is non-zero: for a trainable tensor that the loss depends on, a
     * gradient of exactly 0 everywhere means a backward that never reached it. (Where the math makes a gradient
     * 0 — every weight inside a self-attention block while its σ is 0 — the caller must not ask.)
     */
    public static void nonZero(String what, float[] grad) {
        for (float x : grad) {
            if (x != 0f) {
                return;
            }
        }
        fail(what + ": gradient is 0 everywhere (" + grad.length + " elements); the backward never reached it");
    }
}
