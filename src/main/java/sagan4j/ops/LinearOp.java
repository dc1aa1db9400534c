package sagan4j.ops;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;

/** {@code linear} and {@code linear-backward}: y = x·wᵀ + b, PyTorch layout w (out, in), weights as given. */
final class LinearOp implements Op {
    private final boolean backward;

    LinearOp(boolean backward) {
        this.backward = backward;
    }

    @Override
    public String name() {
        return backward ? "linear-backward" : "linear";
    }

    @Override
    public String summary() {
        return backward ? "gradients of linear: grad_x = grad_y·w, grad_w = grad_yᵀ·x, grad_b = Σ_B grad_y"
                : "y = x·wᵀ + b";
    }

    @Override
    public List<Port> inputs(Params p) {
        return backward
                ? List.of(Port.of("x", "B,In", "input"), Port.of("w", "Out,In", "weight"), Port.of("grad_y", "B,Out", ""))
                : List.of(Port.of("x", "B,In", "input"), Port.of("w", "Out,In", "weight"), Port.optional("b", "Out", "bias"));
    }

    @Override
    public List<Port> outputs(Params p) {
        return backward
                ? List.of(Port.of("grad_x", "B,In", ""), Port.of("grad_w", "Out,In", ""), Port.of("grad_b", "Out", ""))
                : List.of(Port.of("y", "B,Out", ""));
    }

    @Override
    public List<ParamSpec> params() {
        return List.of();
    }

    @Override
    public Map<String, Tensor> run(Backend be, Map<String, Tensor> in, Params p) {
        Tensor x = in.get("x"), w = in.get("w");
        Map<String, Tensor> out = new LinkedHashMap<>();
        if (!backward) {
            Tensor y = be.empty(DType.FLOAT32, x.dim(0), w.dim(0));
            be.gemm(false, true, 1f, x, w, 0f, y);
            if (in.get("b") != null) {
                be.layers().addChannelBias(y, in.get("b"));
            }
            out.put("y", y);
            return out;
        }
        Tensor dy = in.get("grad_y");
        Tensor dx = be.empty(DType.FLOAT32, x.shape().dims()), dw = be.empty(DType.FLOAT32, w.shape().dims());
        Tensor db = be.empty(DType.FLOAT32, w.dim(0));
        be.gemm(false, false, 1f, dy, w, 0f, dx);
        be.gemm(true, false, 1f, dy, x, 0f, dw);
        be.layers().channelBiasGrad(dy, db);
        out.put("grad_x", dx);
        out.put("grad_w", dw);
        out.put("grad_b", db);
        return out;
    }
}
