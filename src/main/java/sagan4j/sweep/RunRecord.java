package sagan4j.sweep;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import sagan4j.eval.Evaluation;

/**
 * One line of runs.jsonl: a finished run — its name, variant and seed, every setting it ran with (what a
 * rerun compares, the run folder left out), the step it reached, its wall time, and its evaluation (null when
 * the sweep ran with {@code --eval false}) or, for a run {@code --check-finite} stopped, the reason.
 */
public record RunRecord(String name, String variant, long seed, Map<String, String> settings, long steps, double seconds,
                        Map<String, Object> eval, String nonfinite) {
    /** The settings a rerun must find unchanged to keep a run: all but {@code out}, which names the folder. */
    static Map<String, String> identity(Map<String, String> settings) {
        Map<String, String> m = new LinkedHashMap<>(settings);
        m.remove("out");
        return m;
    }

    static RunRecord of(SweepPlan.Run r, long steps, double seconds, Evaluation e, String nonfinite) {
        return new RunRecord(r.name(), r.variant().name(), r.seed(), identity(r.config().toMap()), steps, seconds,
                e == null ? null : e.toMap(), nonfinite);
    }

    boolean matches(SweepPlan.Run r) {
        return name.equals(r.name()) && settings.equals(identity(r.config().toMap()));
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run", name);
        m.put("variant", variant);
        m.put("seed", seed);
        m.put("steps", steps);
        m.put("seconds", seconds);
        m.put("eval", eval);
        m.put("nonfinite", nonfinite);
        m.put("settings", new LinkedHashMap<String, Object>(settings));
        return m;
    }

    /** A line read back; a missing or mistyped field throws ClassCastException or NullPointerException, which {@link RunsFile} words. */
    @SuppressWarnings("unchecked")
    static RunRecord fromMap(Map<String, Object> m) {
        Map<String, String> settings = new LinkedHashMap<>();
        ((Map<String, Object>) m.get("settings")).forEach((k, v) -> settings.put(k, (String) v));
        return new RunRecord((String) java.util.Objects.requireNonNull(m.get("run")), (String) m.get("variant"),
                ((Number) m.get("seed")).longValue(), settings, ((Number) m.get("steps")).longValue(), ((Number) m.get("seconds")).doubleValue(),
                (Map<String, Object>) m.get("eval"), (String) m.get("nonfinite"));
    }

    /** A figure of the evaluation ({@code accuracy}, {@code frechet}, ...), or null without one. */
    Double figure(String key) {
        return eval == null || !(eval.get(key) instanceof Number n) ? null : n.doubleValue();
    }

    /** The per-class accuracies, or null without an evaluation. */
    double[] perClass() {
        if (eval == null || !(eval.get("accuracy_per_class") instanceof List<?> l)) {
            return null;
        }
        return l.stream().mapToDouble(o -> ((Number) o).doubleValue()).toArray();
    }
}
