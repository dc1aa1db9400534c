package sagan4j.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import sagan4j.io.NpyArray;

/**
 * What an optimizer's checkpoint holds ({@link Optimizer#stateDict()}): the updates done, the learning rate of
 * each param group (in group order), and its per-parameter tensors as host arrays, named
 * {@code <parameter name>.<slot>} (Adam: {@code .m}, {@code .v}).
 */
public record StateDict(long steps, List<Float> lrs, Map<String, NpyArray> tensors) {
    public StateDict {
        lrs = List.copyOf(lrs);
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors)); // in the optimizer's order
    }
}
