package sagan4j.ops;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The registry of every op {@code sagan4j op} knows, in the order {@code --list} prints them. */
public final class Ops {
    private static final Map<String, Op> ALL = new LinkedHashMap<>();

    static {
        register(new GemmOp());
        for (ActivationOp.Kind k : ActivationOp.Kind.values()) {
            register(new ActivationOp(k));
        }
        register(new Conv2dOp(false));
        register(new Conv2dOp(true));
        register(new LinearOp(false));
        register(new LinearOp(true));
        register(new CondBatchNormOp());
        register(new CondBatchNormBackwardOp());
        register(new AttentionOp());
        register(new AttentionBackwardOp());
        register(new SpectralNormOp());
        register(new SpectralNormBackwardOp());
        register(new SelfAttentionOp(false));
        register(new SelfAttentionOp(true));
    }

    private Ops() {
    }

    private static void register(Op op) {
        if (ALL.put(op.name(), op) != null) {
            throw new IllegalStateException("op " + op.name() + " registered twice");
        }
    }

    public static List<Op> all() {
        return Collections.unmodifiableList(new ArrayList<>(ALL.values()));
    }

    /** The op called {@code name}; fails with the list of known names. */
    public static Op get(String name) {
        Op op = ALL.get(name);
        if (op == null) {
            throw new OpInputException("unknown op '" + name + "' (known: " + String.join(", ", ALL.keySet()) + ")");
        }
        return op;
    }
}
