package sagan4j.nn;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import sagan4j.backend.Backend;
import sagan4j.backend.ShapeException;
import sagan4j.backend.Tensor;

/**
 * Orthogonal regularisation of weight matrices (BigGAN, Brock et al. 2019), each weight W viewed as
 * (out, rest) — a conv's filters as rows — with M = (W Wᵀ) ⊙ (1 − I), its off-diagonal Gram matrix.
 * Two forms:
 * <ul>
 *   <li>{@link Form#SEED_FROBENIUS}: the seed's loss β·‖M‖_F (a plain Frobenius norm, not squared), whose
 *       gradient (β/‖M‖_F)·2·M·W is added to each weight's gradient. ‖M‖_F = 0 has no derivative; there,
 *       and wherever ‖M‖_F ≤ {@link #NOISE_FLOOR}·‖W Wᵀ‖_F (rows orthogonal to float precision, where M
 *       is rounding noise and its direction meaningless), the subgradient 0 is used.</li>
 *   <li>{@link Form#BIGGAN_GRADIENT}: BigGAN-PyTorch's {@code ortho}: 2β·M·W added directly to the
 *       gradient (no loss term is formed).</li>
 * </ul>
 * Runs with backend ops only: W Wᵀ and M·W are GEMMs (the latter accumulated straight into the gradient
 * with β = 1), the diagonal is cleared by {@link sagan4j.backend.LayerOps#zeroDiagonal}, ‖M‖²_F by {@link sagan4j.backend.LayerOps#dot}.
 * The seed form reads each ‖M‖_F to the host (one synchronisation per {@link #addGradients()} call),
 * so it cannot be captured in a CUDA graph; the BigGAN form stays on the device. Scratch: one (out, out)
 * matrix per weight, kept between calls.
 */
public final class OrthogonalRegularization implements AutoCloseable {
    /** Which regulariser. */
    public enum Form {
        SEED_FROBENIUS, BIGGAN_GRADIENT
    }

    /** The seed's and BigGAN's β. */
    public static final float DEFAULT_BETA = 1e-4f;

    /** ‖M‖_F at or below this fraction of ‖W Wᵀ‖_F counts as 0 in the seed form's gradient. */
    public static final double NOISE_FLOOR = 1e-5;

    private final Backend be;
    private final List<Parameter> weights;
    private final float beta;
    private final Form form;
    private final Map<Parameter, Tensor[]> scratch = new HashMap<>();

    /**
     * @param weights trainable parameters of rank ≥ 2 (see {@link #matrices(List)} to pick them from a
     *                module's {@link Module#weights()}), all on {@code be}
     */
    public OrthogonalRegularization(Backend be, List<Parameter> weights, float beta, Form form) {
        for (Parameter p : weights) {
            if (!p.trainable() || p.value().rank() < 2) {
                throw new ShapeException("orthogonal regularisation: " + p.name() + " " + p.value().shape()
                        + " must be a trainable weight of rank >= 2");
            }
            if (p.value().backend() != be) {
                throw new ShapeException("orthogonal regularisation: " + p.name() + " belongs to backend "
                        + p.value().backend().name() + ", expected " + be.name());
            }
        }
        if (!(beta >= 0f) || !Float.isFinite(beta)) {
            throw new IllegalArgumentException("orthogonal regularisation: beta must be finite and >= 0, got " + beta);
        }
        this.be = be;
        this.weights = List.copyOf(weights);
        this.beta = beta;
        this.form = form;
    }

    /** The trainable parameters of rank ≥ 2 (weights, not biases, gains or σ), in order. */
    public static List<Parameter> matrices(List<Parameter> params) {
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : params) {
            if (p.trainable() && p.value().rank() >= 2) {
                out.add(p);
            }
        }
        return out;
    }

    public Form form() {
        return form;
    }

    public float beta() {
        return beta;
    }

    public List<Parameter> weights() {
        return weights;
    }

    /** W as (out, rest). */
    private static Tensor matrix(Tensor t) {
        return t.reshape(t.dim(0), (int) (t.size() / t.dim(0)));
    }

    /** Per weight: [M (out, out), ‖M‖²_F (1), ‖W Wᵀ‖²_F (1)]. */
    private Tensor[] buffers(Parameter p) {
        return scratch.computeIfAbsent(p, k -> {
            int out = k.value().dim(0);
            return new Tensor[] {be.empty(sagan4j.backend.DType.FLOAT32, out, out), be.zeros(1), be.zeros(1)};
        });
    }

    /** Computes M for every weight (and, when {@code norms}, ‖M‖²_F and ‖W Wᵀ‖²_F on the device). */
    private void offDiagonalGrams(boolean norms) {
        for (Parameter p : weights) {
            Tensor[] s = buffers(p);
            Tensor w = matrix(p.value());
            be.gemm(false, true, 1f, w, w, 0f, s[0]);
            if (norms) {
                be.layers().dot(s[0], s[0], s[2]);
            }
            be.layers().zeroDiagonal(s[0]);
            if (norms) {
                be.layers().dot(s[0], s[0], s[1]);
            }
        }
    }

    /** Adds the regulariser's gradient to each weight's gradient (see the class comment for the forms). */
    public void addGradients() {
        if (form == Form.BIGGAN_GRADIENT) {
            offDiagonalGrams(false);
            for (Parameter p : weights) {
                be.gemm(false, false, 2f * beta, buffers(p)[0], matrix(p.value()), 1f, matrix(p.grad()));
            }
            return;
        }
        offDiagonalGrams(true);
        for (Parameter p : weights) {
            Tensor[] s = buffers(p);
            double m2 = be.toHostFloats(s[1])[0], p2 = be.toHostFloats(s[2])[0];
            double norm = Math.sqrt(m2);
            if (!(norm > NOISE_FLOOR * Math.sqrt(p2))) {
                continue; // ‖M‖ = 0 (to float precision): the subgradient 0
            }
            be.gemm(false, false, (float) (2 * beta / norm), s[0], matrix(p.value()), 1f, matrix(p.grad()));
        }
    }

    /**
     * The seed form's value β·Σ_W ‖M‖_F as a host float (summed in double; synchronises), whichever form
     * this regulariser applies — for logging the loss, which BigGAN's form never materialises.
     */
    public float loss() {
        offDiagonalGrams(true);
        double sum = 0;
        for (Parameter p : weights) {
            sum += Math.sqrt(be.toHostFloats(buffers(p)[1])[0]);
        }
        return (float) (beta * sum);
    }

    @Override
    public void close() {
        for (Tensor[] s : scratch.values()) {
            for (Tensor t : s) {
                t.close();
            }
        }
        scratch.clear();
    }
}
