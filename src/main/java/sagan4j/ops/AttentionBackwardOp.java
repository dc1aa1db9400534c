package sagan4j.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;

/**
 * {@code attention-backward}: grad_q, grad_k, grad_v of {@code attention} at (q, k, v) for grad_o. The
 * forward's o and log-sum-exp, which the backward needs, are recomputed here on the same backend.
 */
final class AttentionBackwardOp implements Op {
    @Override
    public String name() {
        return "attention-backward";
    }

    @Override
    public String summary() {
        return "grad_q, grad_k, grad_v of attention for grad_o (the forward is recomputed)";
    }

    @Override
    public List<Port> inputs(Params p) {
        List<Port> ports = new ArrayList<>(AttentionOp.ports());
        ports.add(Port.of("grad_o", "B,N,c", "gradient of the loss w.r.t. o"));
        return ports;
    }

    @Override
    public List<Port> outputs(Params p) {
        return List.of(Port.of("grad_q", "B,N,d", "gradient w.r.t. q"), Port.of("grad_k", "B,M,d", "gradient w.r.t. k"),
                Port.of("grad_v", "B,M,c", "gradient w.r.t. v"));
    }

    @Override
    public List<ParamSpec> params() {
        return List.of(AttentionOp.SCALE);
    }

    @Override
    public Map<String, Tensor> run(Backend be, Map<String, Tensor> in, Params p) {
        Tensor q = in.get("q"), k = in.get("k"), v = in.get("v");
        int b = q.dim(0), n = q.dim(1), m = k.dim(1), d = q.dim(2), c = v.dim(2);
        float scale = p.getFloat("scale", 1f);
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (Tensor o = be.empty(DType.FLOAT32, b, n, c); Tensor lse = be.empty(DType.FLOAT32, b, n)) {
            out.put("grad_q", be.empty(DType.FLOAT32, b, n, d));
            out.put("grad_k", be.empty(DType.FLOAT32, b, m, d));
            out.put("grad_v", be.empty(DType.FLOAT32, b, m, c));
            be.attention().forward(q, k, v, scale, o, lse);
            be.attention().backward(q, k, v, o, lse, in.get("grad_o"), scale, out.get("grad_q"), out.get("grad_k"),
                    out.get("grad_v"));
        } catch (RuntimeException e) {
            out.values().forEach(Tensor::close);
            throw e;
        }
        return out;
    }
}
