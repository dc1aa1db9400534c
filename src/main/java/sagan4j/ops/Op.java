package sagan4j.ops;

import java.util.List;
import java.util.Map;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.io.NpyArray;

/**
 * A named computation over named tensors, run on any backend: what {@code sagan4j op NAME} executes.
 * The inputs reach {@link #run} already checked against {@link #inputs(Params)} (keys, types, ranks,
 * agreeing sizes, finite values) and {@link #check}.
 */
public interface Op {
    String name();

    String summary();

    /** The inputs, whose shape specs may depend on the params (a transpose, say). */
    List<Port> inputs(Params params);

    List<Port> outputs(Params params);

    List<ParamSpec> params();

    /** Checks beyond shapes (value ranges, say) on the host arrays; {@code dims} holds each bound shape symbol. */
    default void check(Map<String, Integer> dims, Map<String, NpyArray> in, Params params) {
    }

    /** Computes the outputs; the caller closes them. */
    Map<String, Tensor> run(Backend be, Map<String, Tensor> in, Params params);
}
