package sagan4j.ops;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.SpectralNormOps;
import sagan4j.backend.Tensor;
import sagan4j.io.NpyArray;

/**
 * {@code spectral-norm-backward}: grad_w = (G − ⟨G, W/σ⟩·u vᵀ)/σ with G = grad_w_sn and σ = uᵀWv from the
 * given u and v (those the forward returned), u and v treated as constants.
 */
final class SpectralNormBackwardOp implements Op {
    @Override
    public String name() {
        return "spectral-norm-backward";
    }

    @Override
    public String summary() {
        return "grad_w = (G - <G, w/sigma> u v^T) / sigma, G = grad_w_sn, sigma = u^T W v (u, v constant)";
    }

    @Override
    public List<Port> inputs(Params p) {
        return List.of(Port.of("w", Port.ANY, "weight (out, ...), rank >= 2"),
                Port.of("u", "out", "u returned by the forward"),
                Port.of("v", "rest", "v returned by the forward"),
                Port.of("grad_w_sn", Port.ANY, "dL/d(w_sn), the shape of w"));
    }

    @Override
    public List<Port> outputs(Params p) {
        return List.of(Port.of("grad_w", Port.ANY, "dL/dw, the shape of w"));
    }

    @Override
    public List<ParamSpec> params() {
        return List.of();
    }

    @Override
    public void check(Map<String, Integer> dims, Map<String, NpyArray> in, Params p) {
        int rest = SpectralNormOp.checkWeight(name(), in);
        SpectralNormOp.checkV(name(), in, rest);
        int[] w = in.get("w").shape(), g = in.get("grad_w_sn").shape();
        if (!Arrays.equals(w, g)) {
            throw new OpInputException(name() + ": input 'grad_w_sn' must have the shape of w " + Arrays.toString(w)
                    + ", got " + Arrays.toString(g));
        }
    }

    @Override
    public Map<String, Tensor> run(Backend be, Map<String, Tensor> in, Params p) {
        Tensor w = in.get("w"), u = in.get("u"), v = in.get("v");
        SpectralNormOps sn = be.spectralNorm();
        try (Tensor sigma = be.empty(DType.FLOAT32, 1)) {
            sn.forward(w, u, v, sigma, null, 0, SpectralNormOps.DEFAULT_EPS);   // sigma = u^T W v, nothing updated
            Tensor gradW = be.empty(DType.FLOAT32, w.shape().dims());
            try {
                sn.backward(w, u, v, sigma, in.get("grad_w_sn"), gradW);
            } catch (RuntimeException e) {
                gradW.close();
                throw e;
            }
            return Map.of("grad_w", gradW);
        }
    }
}
