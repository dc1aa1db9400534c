package sagan4j.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;
import sagan4j.io.NpyArray;
import sagan4j.nn.Parameter;
import sagan4j.nn.SelfAttention;

/**
 * {@code self-attention} and {@code self-attention-backward}: SAGAN's whole self-attention block
 * ({@link SelfAttention}) on x (B, C, H, W), with the weights used exactly as given (no spectral norm
 * inside), PyTorch layouts: w_theta, w_phi (C/8, C, 1, 1), w_g (C/2, C, 1, 1), w_o (C, C/2, 1, 1), the
 * four biases all given or none, and sigma (1). y = x + σ·o. The backward runs the forward and then the
 * layer's backward from zeroed gradients, and returns grad_x and the gradient of every weight, bias and σ.
 */
final class SelfAttentionOp implements Op {
    /** The weight roles in the order {@link SelfAttention} lists them. */
    private static final String[] ROLES = {"theta", "phi", "g", "o"};

    private final boolean backward;

    SelfAttentionOp(boolean backward) {
        this.backward = backward;
    }

    @Override
    public String name() {
        return backward ? "self-attention-backward" : "self-attention";
    }

    @Override
    public String summary() {
        return backward ? "gradients of self-attention: grad_x, grad_w_*, grad_b_* (with biases), grad_sigma"
                : "y = x + sigma * conv_o(softmax(theta^T phi) g) (SAGAN's block, weights as given)";
    }

    @Override
    public List<Port> inputs(Params p) {
        List<Port> ports = new ArrayList<>(List.of(
                Port.of("x", "B,C,H,W", "input, C divisible by 8, H and W even"),
                Port.of("w_theta", "Dt,C,1,1", "theta 1x1 conv weight (C/8, C, 1, 1)"),
                Port.of("w_phi", "Dp,C,1,1", "phi 1x1 conv weight (C/8, C, 1, 1)"),
                Port.of("w_g", "Cg,C,1,1", "g 1x1 conv weight (C/2, C, 1, 1)"),
                Port.of("w_o", "C,Co,1,1", "o 1x1 conv weight (C, C/2, 1, 1)"),
                Port.optional("b_theta", "Dt", "theta bias (all four biases or none)"),
                Port.optional("b_phi", "Dp", "phi bias"),
                Port.optional("b_g", "Cg", "g bias"),
                Port.optional("b_o", "C", "o bias"),
                Port.of("sigma", "1", "the learnable gate")));
        if (backward) {
            ports.add(Port.of("grad_y", "B,C,H,W", "gradient of the loss w.r.t. y"));
        }
        return ports;
    }

    @Override
    public List<Port> outputs(Params p) {
        if (!backward) {
            return List.of(Port.of("y", "B,C,H,W", "x + sigma * o"));
        }
        return List.of(Port.of("grad_x", "B,C,H,W", ""), Port.of("grad_w_theta", "Dt,C,1,1", ""),
                Port.of("grad_w_phi", "Dp,C,1,1", ""), Port.of("grad_w_g", "Cg,C,1,1", ""),
                Port.of("grad_w_o", "C,Co,1,1", ""), Port.optional("grad_b_theta", "Dt", "with biases"),
                Port.optional("grad_b_phi", "Dp", "with biases"), Port.optional("grad_b_g", "Cg", "with biases"),
                Port.optional("grad_b_o", "C", "with biases"), Port.of("grad_sigma", "1", ""));
    }

    @Override
    public List<ParamSpec> params() {
        return List.of();
    }

    @Override
    public void check(Map<String, Integer> dims, Map<String, NpyArray> in, Params p) {
        int c = dims.get("C"), h = dims.get("H"), w = dims.get("W");
        if (c % 8 != 0) {
            throw new OpInputException(name() + ": input 'x' needs C divisible by 8, got C = " + c);
        }
        if (h % 2 != 0 || w % 2 != 0) {
            throw new OpInputException(name() + ": input 'x' needs even H and W (2x2 max pooling), got H = " + h
                    + ", W = " + w);
        }
        requireDim("w_theta", "(C/8, C, 1, 1)", c / 8, dims.get("Dt"), c, in);
        requireDim("w_phi", "(C/8, C, 1, 1)", c / 8, dims.get("Dp"), c, in);
        requireDim("w_g", "(C/2, C, 1, 1)", c / 2, dims.get("Cg"), c, in);
        requireDim("w_o", "(C, C/2, 1, 1)", c / 2, dims.get("Co"), c, in);
        int biases = 0;
        for (String r : ROLES) {
            biases += in.containsKey("b_" + r) ? 1 : 0;
        }
        if (biases != 0 && biases != 4) {
            List<String> missing = new ArrayList<>();
            for (String r : ROLES) {
                if (!in.containsKey("b_" + r)) {
                    missing.add("b_" + r);
                }
            }
            throw new OpInputException(name() + ": biases b_theta, b_phi, b_g, b_o must be given all or none, missing "
                    + String.join(", ", missing));
        }
    }

    private void requireDim(String key, String spec, int want, int got, int c, Map<String, NpyArray> in) {
        if (got != want) {
            throw new OpInputException(name() + ": input '" + key + "' must have shape " + spec + " = "
                    + shape(key, want, c) + " for C = " + c + ", got " + java.util.Arrays.toString(in.get(key).shape()));
        }
    }

    private static String shape(String key, int want, int c) {
        return key.equals("w_o") ? "[" + c + ", " + want + ", 1, 1]" : "[" + want + ", " + c + ", 1, 1]";
    }

    @Override
    public Map<String, Tensor> run(Backend be, Map<String, Tensor> in, Params p) {
        Tensor x = in.get("x");
        boolean bias = in.get("b_theta") != null;
        Map<String, Tensor> out = new LinkedHashMap<>();
        // the initialisation draws are overwritten below; the seed only makes the build deterministic
        try (SelfAttention sa = new SelfAttention(be, "self_attention", x.dim(1), false, bias, new SplittableRandom(0))) {
            Parameter[] weights = new Parameter[4];
            for (int i = 0; i < 4; i++) {
                weights[i] = sa.weightsThetaPhiGO()[i].parameter();
                be.copy(in.get("w_" + ROLES[i]), weights[i].value());
            }
            Parameter[] biases = sa.biasesThetaPhiGO();
            if (bias) {
                for (int i = 0; i < 4; i++) {
                    be.copy(in.get("b_" + ROLES[i]), biases[i].value());
                }
            }
            be.copy(in.get("sigma"), sa.sigma().value());
            Tensor y = sa.forward(x);
            if (!backward) {
                out.put("y", copyOf(be, y));
                return out;
            }
            sa.zeroGrad();
            out.put("grad_x", copyOf(be, sa.backward(in.get("grad_y"))));
            for (int i = 0; i < 4; i++) {
                out.put("grad_w_" + ROLES[i], copyOf(be, weights[i].grad()));
            }
            if (bias) {
                for (int i = 0; i < 4; i++) {
                    out.put("grad_b_" + ROLES[i], copyOf(be, biases[i].grad()));
                }
            }
            out.put("grad_sigma", copyOf(be, sa.sigma().grad()));
            return out;
        } catch (RuntimeException e) {
            out.values().forEach(Tensor::close);
            throw e;
        }
    }

    /** A tensor the caller owns, holding what the module's (soon closed) tensor holds. */
    private static Tensor copyOf(Backend be, Tensor t) {
        Tensor c = be.empty(DType.FLOAT32, t.shape().dims());
        try {
            be.copy(t, c);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }
}
