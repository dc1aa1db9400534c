package sagan4j.ops;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;

/** {@code relu}, {@code leaky-relu}, {@code tanh}: elementwise, any shape. */
final class ActivationOp implements Op {
    enum Kind {
        RELU, LEAKY_RELU, TANH
    }

    private final Kind kind;

    ActivationOp(Kind kind) {
        this.kind = kind;
    }

    @Override
    public String name() {
        return kind.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Override
    public String summary() {
        return switch (kind) {
            case RELU -> "y = max(x, 0)";
            case LEAKY_RELU -> "y = x if x > 0 else slope*x";
            case TANH -> "y = tanh(x)";
        };
    }

    @Override
    public List<Port> inputs(Params p) {
        return List.of(Port.of("x", Port.ANY, "any shape"));
    }

    @Override
    public List<Port> outputs(Params p) {
        return List.of(Port.of("y", Port.ANY, "the shape of x"));
    }

    @Override
    public List<ParamSpec> params() {
        return kind == Kind.LEAKY_RELU ? List.of(ParamSpec.f("slope", "0.2", "negative slope")) : List.of();
    }

    @Override
    public Map<String, Tensor> run(Backend be, Map<String, Tensor> in, Params p) {
        Tensor x = in.get("x");
        Tensor y = be.empty(DType.FLOAT32, x.shape().dims());
        switch (kind) {
            case RELU -> be.relu(x, y);
            case LEAKY_RELU -> be.leakyRelu(x, p.getFloat("slope", 0.2f), y);
            case TANH -> be.tanh(x, y);
        }
        return Map.of("y", y);
    }
}
