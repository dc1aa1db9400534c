package sagan4j.ops;

import java.util.List;
import java.util.Map;

import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;

/** {@code attention}: o = softmax over M of (scale·q kᵀ) · v, on the backend's default attention version. */
final class AttentionOp implements Op {
    static final ParamSpec SCALE = ParamSpec.f("scale", "1", "multiplies q kᵀ before the softmax (SAGAN/BigGAN: 1)");

    @Override
    public String name() {
        return "attention";
    }

    @Override
    public String summary() {
        return "o = softmax(scale * q @ k^T, over M) @ v, batched";
    }

    @Override
    public List<Port> inputs(Params p) {
        return ports();
    }

    /** q, k, v as both attention ops take them. */
    static List<Port> ports() {
        return List.of(Port.of("q", "B,N,d", "queries (theta)"), Port.of("k", "B,M,d", "keys (phi)"),
                Port.of("v", "B,M,c", "values (g)"));
    }

    @Override
    public List<Port> outputs(Params p) {
        return List.of(Port.of("o", "B,N,c", "attention output"));
    }

    @Override
    public List<ParamSpec> params() {
        return List.of(SCALE);
    }

    @Override
    public Map<String, Tensor> run(Backend be, Map<String, Tensor> in, Params p) {
        Tensor q = in.get("q"), v = in.get("v");
        int b = q.dim(0), n = q.dim(1), c = v.dim(2);
        Tensor o = be.empty(DType.FLOAT32, b, n, c);
        try (Tensor lse = be.empty(DType.FLOAT32, b, n)) {
            be.attention().forward(q, in.get("k"), v, p.getFloat("scale", 1f), o, lse);
        } catch (RuntimeException e) {
            o.close();
            throw e;
        }
        return Map.of("o", o);
    }
}
