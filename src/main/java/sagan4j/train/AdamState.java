package sagan4j.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import sagan4j.backend.Backend;
import sagan4j.backend.OptimOps;
import sagan4j.backend.Tensor;
import sagan4j.io.NpyArray;
import sagan4j.nn.Module;
import sagan4j.nn.Parameter;

/**
 * One network's Adam: the first and second moments beside each trainable parameter (zeros at the start)
 * and the step count t, all updated by one {@link OptimOps#adam(OptimOps.AdamGroup)} call (on CUDA one launch
 * for the whole network, the step count kept on the device).
 */
final class AdamState implements AutoCloseable {
    private final Backend be;
    private final List<Parameter> params;
    private final List<Tensor> m = new ArrayList<>();
    private final List<Tensor> v = new ArrayList<>();
    private final OptimOps.AdamGroup group;

    AdamState(Backend be, Module net, OptimOps.Adam settings) {
        this.be = be;
        this.params = net.weights();
        settings.validate();
        for (Parameter p : params) {
            m.add(be.zeros(p.value().shape().dims()));
            v.add(be.zeros(p.value().shape().dims()));
        }
        this.group = be.optim().adamGroup(params.stream().map(Parameter::value).toList(),
                params.stream().map(Parameter::grad).toList(), m, v, settings);
    }

    long step() {
        return group.step();
    }

    /** p ← Adam(p, its gradient), for every parameter of the network. */
    void update() {
        be.optim().adam(group);
    }

    /** The moments under {@code prefix + parameter name + ".m"/".v"}, for checkpoints. */
    Map<String, NpyArray> state(String prefix) {
        Map<String, NpyArray> out = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            int[] dims = params.get(i).value().shape().dims();
            out.put(prefix + params.get(i).name() + ".m", NpyArray.ofFloats(be.toHostFloats(m.get(i)), dims));
            out.put(prefix + params.get(i).name() + ".v", NpyArray.ofFloats(be.toHostFloats(v.get(i)), dims));
        }
        return out;
    }

    /** Names this state would save (for checking a checkpoint before loading anything). */
    List<String> names(String prefix) {
        List<String> out = new ArrayList<>();
        for (Parameter p : params) {
            out.add(prefix + p.name() + ".m");
            out.add(prefix + p.name() + ".v");
        }
        return out;
    }

    void load(Map<String, NpyArray> tensors, String prefix, long savedStep) {
        for (int i = 0; i < params.size(); i++) {
            be.upload(tensors.get(prefix + params.get(i).name() + ".m").floats(), m.get(i));
            be.upload(tensors.get(prefix + params.get(i).name() + ".v").floats(), v.get(i));
        }
        group.setStep(savedStep);
    }

    @Override
    public void close() {
        group.close();
        m.forEach(Tensor::close);
        v.forEach(Tensor::close);
    }
}
