package sagan4j.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;

/** {@code gemm}: c = alpha·op(a)·op(b) + beta·c0, row-major 2-D. */
final class GemmOp implements Op {
    @Override
    public String name() {
        return "gemm";
    }

    @Override
    public String summary() {
        return "c = alpha*op(a)@op(b) + beta*c (row-major; op transposes when trans_a/trans_b)";
    }

    @Override
    public List<Port> inputs(Params p) {
        List<Port> ports = new ArrayList<>();
        ports.add(Port.of("a", p.getBool("trans_a", false) ? "K,M" : "M,K", "left matrix"));
        ports.add(Port.of("b", p.getBool("trans_b", false) ? "N,K" : "K,N", "right matrix"));
        ports.add(Port.optional("c", "M,N", "added as beta*c (omit for zeros)"));
        return ports;
    }

    @Override
    public List<Port> outputs(Params p) {
        return List.of(Port.of("c", "M,N", "result"));
    }

    @Override
    public List<ParamSpec> params() {
        return List.of(ParamSpec.b("trans_a", "false", "use a transposed"),
                ParamSpec.b("trans_b", "false", "use b transposed"),
                ParamSpec.f("alpha", "1", "scale of the product"),
                ParamSpec.f("beta", "0", "scale of c"));
    }

    @Override
    public Map<String, Tensor> run(Backend be, Map<String, Tensor> in, Params p) {
        boolean ta = p.getBool("trans_a", false), tb = p.getBool("trans_b", false);
        Tensor a = in.get("a"), b = in.get("b"), c0 = in.get("c");
        int m = ta ? a.dim(1) : a.dim(0), n = tb ? b.dim(0) : b.dim(1);
        Tensor c = be.empty(DType.FLOAT32, m, n);
        float beta = p.getFloat("beta", 0f);
        if (c0 != null) {
            be.copy(c0, c);
        } else {
            beta = 0f;
        }
        be.gemm(ta, tb, p.getFloat("alpha", 1f), a, b, beta, c);
        return Map.of("c", c);
    }
}
