package sagan4j.ops;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import sagan4j.backend.Backend;
import sagan4j.backend.ConvOps;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;
import sagan4j.io.NpyArray;

/**
 * {@code conv2d} and {@code conv2d-backward}: stride 1, zero padding (default k/2), PyTorch layouts, the
 * weights used exactly as given (no spectral norm inside).
 */
final class Conv2dOp implements Op {
    private final boolean backward;

    Conv2dOp(boolean backward) {
        this.backward = backward;
    }

    @Override
    public String name() {
        return backward ? "conv2d-backward" : "conv2d";
    }

    @Override
    public String summary() {
        return backward ? "gradients of conv2d: grad_x, grad_w, grad_b (= grad_y summed over B, H, W)"
                : "y = conv2d(x, w) + b, stride 1, zero padding";
    }

    @Override
    public List<Port> inputs(Params p) {
        return backward
                ? List.of(Port.of("x", "B,Cin,H,W", "input"), Port.of("w", "Cout,Cin,k,k", "filters"),
                        Port.of("grad_y", "B,Cout,Ho,Wo", "gradient of the output"))
                : List.of(Port.of("x", "B,Cin,H,W", "input"), Port.of("w", "Cout,Cin,k,k", "filters"),
                        Port.optional("b", "Cout", "bias"));
    }

    @Override
    public List<Port> outputs(Params p) {
        return backward
                ? List.of(Port.of("grad_x", "B,Cin,H,W", ""), Port.of("grad_w", "Cout,Cin,k,k", ""), Port.of("grad_b", "Cout", ""))
                : List.of(Port.of("y", "B,Cout,Ho,Wo", "Ho = H + 2·padding − k + 1"));
    }

    @Override
    public List<ParamSpec> params() {
        return List.of(ParamSpec.i("padding", "k/2", "zero padding on each side"));
    }

    private static int padding(Params p, int k) {
        return p.getInt("padding", k / 2, 0);
    }

    @Override
    public void check(Map<String, Integer> dims, Map<String, NpyArray> in, Params p) {
        int k = dims.get("k"), pad = padding(p, k);
        if (pad >= k) {
            throw new OpInputException(name() + ": param padding must be in [0, " + (k - 1) + "] for k = " + k + ", got " + pad);
        }
        int ho = ConvOps.outputSize(dims.get("H"), k, pad), wo = ConvOps.outputSize(dims.get("W"), k, pad);
        if (ho < 1 || wo < 1) {
            throw new OpInputException(name() + ": input 'x' is smaller than the " + k + "x" + k + " filter with padding " + pad);
        }
        if (backward && (dims.get("Ho") != ho || dims.get("Wo") != wo)) {
            throw new OpInputException(name() + ": input 'grad_y' must have shape (B, Cout, " + ho + ", " + wo
                    + "), got (" + dims.get("B") + ", " + dims.get("Cout") + ", " + dims.get("Ho") + ", " + dims.get("Wo") + ")");
        }
    }

    @Override
    public Map<String, Tensor> run(Backend be, Map<String, Tensor> in, Params p) {
        Tensor x = in.get("x"), w = in.get("w");
        int k = w.dim(2), pad = padding(p, k);
        int ho = ConvOps.outputSize(x.dim(2), k, pad), wo = ConvOps.outputSize(x.dim(3), k, pad);
        Map<String, Tensor> out = new LinkedHashMap<>();
        if (!backward) {
            Tensor y = be.empty(DType.FLOAT32, x.dim(0), w.dim(0), ho, wo);
            be.conv().forward(x, w, pad, y);
            if (in.get("b") != null) {
                be.layers().addChannelBias(y, in.get("b"));
            }
            out.put("y", y);
            return out;
        }
        Tensor dy = in.get("grad_y");
        Tensor dx = be.empty(DType.FLOAT32, x.shape().dims()), dw = be.empty(DType.FLOAT32, w.shape().dims());
        Tensor db = be.empty(DType.FLOAT32, w.dim(0));
        be.conv().backwardData(dy, w, pad, dx);
        be.conv().backwardFilter(x, dy, pad, dw);
        be.layers().channelBiasGrad(dy, db);
        out.put("grad_x", dx);
        out.put("grad_w", dw);
        out.put("grad_b", db);
        return out;
    }
}
