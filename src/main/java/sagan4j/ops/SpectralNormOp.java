package sagan4j.ops;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.SpectralNormOps;
import sagan4j.backend.Tensor;
import sagan4j.io.NpyArray;

/**
 * {@code spectral-norm}: w (out, ...) viewed as (out, rest) and u (out) → w_sn = W/σ, σ, and the u, v
 * after {@code iters} power-iteration steps from u. With {@code iters=0}, σ = uᵀWv from the given u and
 * v (then v is an input) and u, v come back unchanged.
 */
final class SpectralNormOp implements Op {
    @Override
    public String name() {
        return "spectral-norm";
    }

    @Override
    public String summary() {
        return "w_sn = w/sigma, sigma = u^T W v after iters power-iteration steps from u (W = w as (out, rest))";
    }

    @Override
    public List<Port> inputs(Params p) {
        return List.of(Port.of("w", Port.ANY, "weight (out, ...), rank >= 2"),
                Port.of("u", "out", "left singular vector estimate (persistent u, or a fresh N(0,1) draw)"),
                Port.optional("v", "rest", "right singular vector; read only with iters=0"));
    }

    @Override
    public List<Port> outputs(Params p) {
        return List.of(Port.of("w_sn", Port.ANY, "w / sigma, the shape of w"), Port.of("sigma", "1", "sigma"),
                Port.of("u", "out", "u after the iteration"), Port.of("v", "rest", "v after the iteration"));
    }

    @Override
    public List<ParamSpec> params() {
        return List.of(ParamSpec.i("iters", "1", "power-iteration steps (0: sigma from the given u and v)"),
                ParamSpec.f("eps", "1e-12", "eps in normalize(x) = x / max(||x||, eps)"));
    }

    static int iters(Params p) {
        return p.getInt("iters", 1, 0);
    }

    static float eps(Params p) {
        float eps = p.getFloat("eps", SpectralNormOps.DEFAULT_EPS);
        if (!(eps > 0f)) {
            throw new OpInputException("param eps: expected a number > 0, got " + eps);
        }
        return eps;
    }

    /** w has rank ≥ 2 and u matches its first dimension; returns rest = the product of the others. */
    static int checkWeight(String op, Map<String, NpyArray> in) {
        int[] w = in.get("w").shape();
        if (w.length < 2) {
            throw new OpInputException(op + ": input 'w' must have rank >= 2 (out, ...), got shape " + Arrays.toString(w));
        }
        long rest = 1;
        for (int k = 1; k < w.length; k++) {
            if (w[k] < 1) {
                throw new OpInputException(op + ": input 'w' has an empty dimension: " + Arrays.toString(w));
            }
            rest *= w[k];
        }
        if (w[0] < 1 || rest * w[0] > Integer.MAX_VALUE) {
            throw new OpInputException(op + ": input 'w' must have 1 to 2^31-1 elements, got shape " + Arrays.toString(w));
        }
        int[] u = in.get("u").shape();
        if (u[0] != w[0]) {
            throw new OpInputException(op + ": input 'u' must have shape (out=" + w[0] + "), got " + Arrays.toString(u)
                    + " (out is w's first dimension)");
        }
        return (int) rest;
    }

    static void checkV(String op, Map<String, NpyArray> in, int rest) {
        int[] v = in.get("v").shape();
        if (v[0] != rest) {
            throw new OpInputException(op + ": input 'v' must have shape (rest=" + rest + "), got " + Arrays.toString(v)
                    + " (rest is the product of w's dimensions after the first)");
        }
    }

    @Override
    public void check(Map<String, Integer> dims, Map<String, NpyArray> in, Params p) {
        int rest = checkWeight(name(), in);
        int iters = iters(p);
        eps(p);
        if (iters == 0 && !in.containsKey("v")) {
            throw new OpInputException(name() + ": missing input 'v' (expected shape (rest=" + rest
                    + ")): iters=0 computes sigma = u^T W v from the given u and v");
        }
        if (iters > 0 && in.containsKey("v")) {
            throw new OpInputException(name() + ": input 'v' is read only with iters=0, got iters=" + iters);
        }
        if (in.containsKey("v")) {
            checkV(name(), in, rest);
        }
    }

    @Override
    public Map<String, Tensor> run(Backend be, Map<String, Tensor> in, Params p) {
        Tensor w = in.get("w");
        int out = SpectralNormOps.rows(w), rest = SpectralNormOps.cols(w);
        Map<String, Tensor> res = new LinkedHashMap<>();
        try {
            res.put("w_sn", be.empty(DType.FLOAT32, w.shape().dims()));
            res.put("sigma", be.empty(DType.FLOAT32, 1));
            Tensor u = be.empty(DType.FLOAT32, out);
            res.put("u", u);
            be.copy(in.get("u"), u);
            Tensor v = be.empty(DType.FLOAT32, rest);
            res.put("v", v);
            if (in.containsKey("v")) {
                be.copy(in.get("v"), v);
            }
            be.spectralNorm().forward(w, u, v, res.get("sigma"), res.get("w_sn"), iters(p), eps(p));
            return res;
        } catch (RuntimeException e) {
            res.values().forEach(Tensor::close);
            throw e;
        }
    }
}
