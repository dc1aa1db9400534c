package sagan4j.sweep;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import sagan4j.backend.ConfigException;
import sagan4j.train.ConfigBinder;
import sagan4j.train.TrainConfig;

/**
 * What a sweep runs: every combination of the {@code --vary} values (the first --vary varies slowest) over
 * the base settings, each with seeds 1..{@code seeds}, in that order. A run's settings are the base, its
 * variant's values, {@code seed} k, and {@code out} DIR/runs/&lt;variant&gt;-seed&lt;k&gt;.
 */
public record SweepPlan(Map<String, String> base, List<Vary> vary, int seeds) {
    /** One combination of values: its folder-safe name and the settings it changes. */
    public record Variant(String name, Map<String, String> values) {
    }

    /** One training run of the sweep. */
    public record Run(String name, Variant variant, int seed, TrainConfig config) {
    }

    public SweepPlan {
        base = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(base));
        vary = List.copyOf(vary);
        if (seeds < 1) {
            throw new ConfigException("--seeds: expected at least 1, got " + seeds);
        }
        Set<String> keys = new HashSet<>();
        for (Vary v : vary) {
            if (!keys.add(v.flag())) {
                throw new ConfigException("--vary: '" + v.flag() + "' is varied twice, expected each setting in one --vary");
            }
        }
    }

    /** The base settings of {@code cfg} (its out, seed and device are the sweep's, so they are left out). */
    public static Map<String, String> baseOf(TrainConfig cfg) {
        Map<String, String> m = new LinkedHashMap<>(cfg.toMap());
        m.keySet().removeIf(k -> Vary.RESERVED.contains(flagOf(k)));
        return m;
    }

    private static String flagOf(String name) {
        return ConfigBinder.specs().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow().flag();
    }

    public List<Variant> variants() {
        List<Map<String, String>> combos = new ArrayList<>();
        combos.add(new LinkedHashMap<>());
        for (Vary v : vary) {
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> c : combos) {
                for (String value : v.values()) {
                    Map<String, String> m = new LinkedHashMap<>(c);
                    m.put(v.flag(), value);
                    next.add(m);
                }
            }
            combos = next;
        }
        List<Variant> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Map<String, String> c : combos) {
            String name = c.isEmpty() ? "base" : String.join("+", c.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
                    .replaceAll("[^A-Za-z0-9._=+-]", "_");
            if (!names.add(name)) {
                throw new ConfigException("--vary: two variants share the folder name '" + name + "' once their values are made folder-safe; expected values that differ in letters, digits or . _ - +");
            }
            out.add(new Variant(name, c));
        }
        return out;
    }

    /** Every run, variant by variant and seed by seed, with its settings checked; {@code runsDir} is DIR/runs. */
    public List<Run> runs(Path runsDir) {
        List<Run> out = new ArrayList<>();
        for (Variant v : variants()) {
            for (int k = 1; k <= seeds; k++) {
                String name = v.name() + "-seed" + k;
                TrainConfig c = new TrainConfig();
                base.forEach((key, text) -> ConfigBinder.set(c, key, text));
                v.values().forEach((key, text) -> ConfigBinder.set(c, key, text));
                c.seed = k;
                c.out = runsDir.resolve(name).toString();
                try {
                    c.validate();
                } catch (ConfigException bad) {
                    throw new ConfigException("variant " + v.name() + ": " + bad.getMessage());
                }
                out.add(new Run(name, v, k, c));
            }
        }
        return out;
    }

    /** sweep.json's content: what makes two sweeps the same one. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("base", new LinkedHashMap<String, Object>(base));
        m.put("vary", vary.stream().map(Vary::toString).toList());
        m.put("seeds", (long) seeds);
        return m;
    }
}
