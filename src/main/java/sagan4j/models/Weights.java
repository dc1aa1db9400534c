package sagan4j.models;

import java.util.LinkedHashMap;
import java.util.Map;

import sagan4j.backend.DType;
import sagan4j.backend.Tensor;
import sagan4j.io.CheckpointException;
import sagan4j.io.NpyArray;
import sagan4j.nn.Module;
import sagan4j.nn.Parameter;

/** Moves a model's parameters and buffers to and from named host arrays (the .safetensors contents). */
public final class Weights {
    private Weights() {
    }

    /** Every parameter and buffer of the modules, by name. */
    public static Map<String, NpyArray> state(Module... modules) {
        Map<String, NpyArray> out = new LinkedHashMap<>();
        for (Module m : modules) {
            for (Parameter p : m.parameters()) {
                Tensor t = p.value();
                out.put(p.name(), t.dtype() == DType.FLOAT32
                        ? NpyArray.ofFloats(t.backend().toHostFloats(t), t.shape().dims())
                        : NpyArray.ofInts(t.backend().toHostInts(t), t.shape().dims()));
            }
        }
        return out;
    }

    /**
     * Loads every parameter and buffer of the modules from {@code tensors}. Everything is checked first
     * (one line naming the tensor: missing, unexpected, wrong shape or type), then copied, so a bad file
     * changes nothing.
     */
    public static void load(Map<String, NpyArray> tensors, Module... modules) {
        Map<String, Parameter> wanted = new LinkedHashMap<>();
        for (Module m : modules) {
            for (Parameter p : m.parameters()) {
                wanted.put(p.name(), p);
            }
        }
        for (Map.Entry<String, Parameter> e : wanted.entrySet()) {
            NpyArray a = tensors.get(e.getKey());
            Tensor t = e.getValue().value();
            if (a == null) {
                throw new CheckpointException("weights: " + e.getKey() + " is missing (expected shape " + t.shape() + ")");
            }
            if (!java.util.Arrays.equals(a.shape(), t.shape().dims())) {
                throw new CheckpointException("weights: " + e.getKey() + " has shape " + a.shapeString() + ", the model expects " + t.shape());
            }
            if (a.isFloat() != (t.dtype() == DType.FLOAT32)) {
                throw new CheckpointException("weights: " + e.getKey() + " must be " + t.dtype().label());
            }
        }
        for (String name : tensors.keySet()) {
            if (!wanted.containsKey(name)) {
                throw new CheckpointException("weights: unexpected tensor " + name + " (not in this model; is the preset right?)");
            }
        }
        for (Map.Entry<String, Parameter> e : wanted.entrySet()) {
            NpyArray a = tensors.get(e.getKey());
            Tensor t = e.getValue().value();
            if (a.isFloat()) {
                t.backend().upload(a.floats(), t);
            } else {
                try (Tensor tmp = t.backend().fromHost(a.ints(), a.shape())) {
                    t.backend().copy(tmp, t);
                }
            }
        }
    }
}
