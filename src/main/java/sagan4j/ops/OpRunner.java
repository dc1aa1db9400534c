package sagan4j.ops;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;
import sagan4j.io.NpyArray;

/**
 * Runs an {@link Op} on host arrays: checks every key, type, shape and value first (so bad input fails
 * before any kernel runs), uploads, runs on the backend, and downloads the outputs.
 */
public final class OpRunner {
    private OpRunner() {
    }

    /** Validates the inputs; returns the size bound to each shape symbol. */
    public static Map<String, Integer> validate(Op op, Map<String, NpyArray> in, Params params) {
        params.requireValid(op.name(), op.params());
        List<Port> ports = op.inputs(params);
        Set<String> keys = new HashSet<>();
        for (Port p : ports) {
            keys.add(p.key());
        }
        for (String k : in.keySet()) {
            if (!keys.contains(k)) {
                throw new OpInputException(op.name() + ": unknown input key '" + k + "' (expected "
                        + ports.stream().map(Port::describe).toList() + ")");
            }
        }
        Map<String, Integer> dims = new LinkedHashMap<>();
        for (Port p : ports) {
            NpyArray a = in.get(p.key());
            if (a == null) {
                if (p.optional()) {
                    continue;
                }
                throw new OpInputException(op.name() + ": missing input '" + p.key() + "' (expected shape ("
                        + p.shape() + "))");
            }
            checkType(op, p, a);
            bind(op, p, a.shape(), dims);
            if (a.isFloat()) {
                float[] f = a.floats();
                for (int i = 0; i < f.length; i++) {
                    if (!Float.isFinite(f[i])) {
                        throw new OpInputException(op.name() + ": input '" + p.key() + "' element " + i + " is "
                                + f[i] + " (expected finite values)");
                    }
                }
            }
        }
        op.check(dims, in, params);
        return dims;
    }

    /** Validates, runs on {@code be}, and returns the outputs as host arrays. */
    public static Map<String, NpyArray> run(Op op, Backend be, Map<String, NpyArray> in, Params params) {
        validate(op, in, params);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, NpyArray> e : in.entrySet()) {
                NpyArray a = e.getValue();
                tensors.put(e.getKey(), a.isFloat() ? be.fromHost(a.floats(), a.shape()) : be.fromHost(a.ints(), a.shape()));
            }
            Map<String, Tensor> out = op.run(be, tensors, params);
            Map<String, NpyArray> host = new LinkedHashMap<>();
            try {
                for (Map.Entry<String, Tensor> e : out.entrySet()) {
                    Tensor t = e.getValue();
                    host.put(e.getKey(), t.dtype() == DType.FLOAT32
                            ? NpyArray.ofFloats(be.toHostFloats(t), t.shape().dims())
                            : NpyArray.ofInts(be.toHostInts(t), t.shape().dims()));
                }
            } finally {
                out.values().forEach(Tensor::close);
            }
            return host;
        } finally {
            tensors.values().forEach(Tensor::close);
        }
    }

    private static void checkType(Op op, Port p, NpyArray a) {
        boolean wantFloat = p.dtype() == DType.FLOAT32;
        if (wantFloat != a.isFloat()) {
            throw new OpInputException(op.name() + ": input '" + p.key() + "' must be "
                    + (wantFloat ? "float32" : "int32 or int64 labels") + ", got " + (a.isFloat() ? "float32" : "integers"));
        }
    }

    private static void bind(Op op, Port p, int[] shape, Map<String, Integer> dims) {
        if (p.shape().equals(Port.ANY)) {
            return;
        }
        String[] syms = p.shape().split(",");
        if (syms.length != shape.length) {
            throw new OpInputException(op.name() + ": input '" + p.key() + "' must have rank " + syms.length
                    + " (" + p.shape() + "), got shape " + java.util.Arrays.toString(shape));
        }
        for (int i = 0; i < syms.length; i++) {
            String s = syms[i].strip();
            int want;
            if (s.chars().allMatch(Character::isDigit)) {
                want = Integer.parseInt(s);
            } else if (dims.containsKey(s)) {
                want = dims.get(s);
            } else {
                if (shape[i] < 1) {
                    throw new OpInputException(op.name() + ": input '" + p.key() + "' has an empty dimension: "
                            + java.util.Arrays.toString(shape));
                }
                dims.put(s, shape[i]);
                continue;
            }
            if (shape[i] != want) {
                throw new OpInputException(op.name() + ": input '" + p.key() + "' must have shape (" + expected(p, dims)
                        + "), got " + java.util.Arrays.toString(shape) + " (" + s + " is " + want + ")");
            }
        }
    }

    private static String expected(Port p, Map<String, Integer> dims) {
        StringBuilder sb = new StringBuilder();
        for (String s : p.shape().split(",")) {
            s = s.strip();
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(dims.containsKey(s) ? s + "=" + dims.get(s) : s);
        }
        return sb.toString();
    }
}
