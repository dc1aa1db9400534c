package sagan4j.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import sagan4j.ops.OpInputException;

/** Every benchmark case {@code sagan4j bench} knows. */
public final class Benches {
    private static final Map<String, BenchCase> ALL = new LinkedHashMap<>();

    static {
        register(new GemmBench());
        register(new ConvBench());
        register(new LayersBench());
        AttentionBench.cases().forEach(Benches::register);
        register(new SpectralNormBench());
        register(new CondBatchNormBench());
        register(new OptimBench());
    }

    private Benches() {
    }

    private static void register(BenchCase c) {
        ALL.put(c.name(), c);
    }

    public static List<BenchCase> all() {
        return List.copyOf(ALL.values());
    }

    public static BenchCase get(String name) {
        BenchCase c = ALL.get(name);
        if (c == null) {
            throw new OpInputException("unknown kernel '" + name + "' (known: " + String.join(", ", ALL.keySet()) + ")");
        }
        return c;
    }
}
