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
     * A directional check for whole networks: moves all of {@code target} at once by ±eps along its own
     * analytic gradient (normalised) and compares L(+) − L(−) with ⟨gradient, actual float move⟩, both in
     * double. A kink crossed by some activation changes the slope of only that element, so its effect is
     * averaged over the many elements the move touches, where per-element differences would straddle kinks
     * on nearly every sample. Allows {@code tol} relative plus the forward's float noise, about 1e-6·|L|.
     */
    public static void directional(String what, Backend be, Forward forward, float[] g, Tensor target, float[] analytic,
                                   double eps, double tol) {
        float[] v = be.toHostFloats(target);
        double norm = 0;
        for (float a : analytic) {
            norm += (double) a * a;
        }
        norm = Math.sqrt(norm);
        float[] plus = v.clone(), minus = v.clone();
        for (int i = 0; i < v.length; i++) {
            double d = norm > 0 ? analytic[i] / norm : 0;
            plus[i] = (float) (v[i] + eps * d);
            minus[i] = (float) (v[i] - eps * d);
        }
        double predicted = 0;
        for (int i = 0; i < v.length; i++) {
            predicted += (double) analytic[i] * ((double) plus[i] - minus[i]);
        }
        be.upload(plus, target);
        double up = loss(be, forward.run(), g);
        be.upload(minus, target);
        double down = loss(be, forward.run(), g);
        be.upload(v, target);
        double measured = up - down, noise = 1e-5 * Math.max(Math.abs(up), Math.abs(down));
        if (!(Math.abs(measured - predicted) <= tol * Math.abs(predicted) + noise)) {
            fail(what + ": L(+) − L(−) = " + measured + " but ⟨gradient, move⟩ = " + predicted + " (noise allowance " + noise + ")");
        }
    }
}
