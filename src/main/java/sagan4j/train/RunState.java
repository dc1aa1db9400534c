package sagan4j.train;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

import sagan4j.io.CheckpointException;
import sagan4j.io.NpyArray;
import sagan4j.models.Weights;
import sagan4j.optim.Optimizer;
import sagan4j.optim.ParamGroup;
import sagan4j.optim.StateDict;

/**
 * Everything a checkpoint holds, as named host arrays: G and D (weights, SN u/v, BN running statistics,
 * under their own names), EMA-G under {@code ema.}, both Adam states under {@code adam_g.} / {@code adam_d.}.
 * The step counters, the data position and the configuration travel in the metadata. The latents and the
 * data order are drawn from generators seeded by (seed, counter), so the counters are the whole RNG state.
 */
public final class RunState {
    static final String EMA = "ema.", ADAM_G = "adam_g.", ADAM_D = "adam_d.";

    private RunState() {
    }

    public static Map<String, NpyArray> tensors(TrainStep s) {
        Map<String, NpyArray> out = new LinkedHashMap<>(Weights.state(s.generator(), s.discriminator()));
        if (s.ema() != null) {
            Weights.state(s.ema().generator()).forEach((k, v) -> out.put(EMA + k, v));
        }
        s.optimizerG().stateDict().tensors().forEach((k, v) -> out.put(ADAM_G + k, v));
        s.optimizerD().stateDict().tensors().forEach((k, v) -> out.put(ADAM_D + k, v));
        return out;
    }

    /**
     * An optimizer's saved state: its tensors under {@code prefix}, its step count from the metadata, and the
     * learning rates of the run's settings (a checkpoint does not store them; a schedule derives them from the step).
     */
    private static StateDict savedState(Optimizer o, Map<String, NpyArray> saved, String prefix, long steps) {
        return new StateDict(steps, o.paramGroups().stream().map(ParamGroup::lr).toList(), prefixed(saved, prefix, false));
    }

    static Map<String, String> metadata(TrainStep s, TrainConfig cfg, int batchesPerEpoch) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", "pt");
        m.put("sagan4j.version", version());
        m.put("step", String.valueOf(s.gSteps()));
        m.put("d_steps", String.valueOf(s.dSteps()));
        m.put("data_epoch", String.valueOf(s.dSteps() / batchesPerEpoch));
        m.put("data_batch", String.valueOf(s.dSteps() % batchesPerEpoch));
        m.put("rng", "stateless: z, labels and data order are drawn from SplitMix64(seed, stream, counter); the counters are step and d_steps");
        m.put("config", Metrics.value(new LinkedHashMap<String, Object>(cfg.toMap())));
        m.put("model", s.generator().config().toString());
        m.put("classes", String.valueOf(s.generator().config().classes()));
        return m;
    }

    /** Checks that {@code saved} holds exactly this run's tensors with their shapes, then loads them all. */
    static void restore(TrainStep s, Map<String, NpyArray> saved, Map<String, String> meta, String file) {
        // the counters are checked before anything is loaded, so a bad header leaves the models untouched
        long step = metaLong(meta, "step", file), dSteps = metaLong(meta, "d_steps", file);
        Map<String, NpyArray> want = tensors(s);
        if (!new TreeSet<>(want.keySet()).equals(new TreeSet<>(saved.keySet()))) {
            TreeSet<String> missing = new TreeSet<>(want.keySet());
            missing.removeAll(saved.keySet());
            TreeSet<String> extra = new TreeSet<>(saved.keySet());
            extra.removeAll(want.keySet());
            throw new CheckpointException(file + ": does not match this run's model and settings (missing "
                    + (missing.isEmpty() ? "nothing" : missing.first() + (missing.size() > 1 ? " and " + (missing.size() - 1) + " more" : ""))
                    + ", unexpected " + (extra.isEmpty() ? "nothing" : extra.first()) + ")");
        }
        for (Map.Entry<String, NpyArray> e : want.entrySet()) {
            if (e.getValue().isFloat() != saved.get(e.getKey()).isFloat()) {
                throw new CheckpointException(file + ": " + e.getKey() + " is " + (saved.get(e.getKey()).isFloat() ? "F32" : "I32")
                        + ", this run's model has " + (e.getValue().isFloat() ? "F32" : "I32"));
            }
            if (!java.util.Arrays.equals(e.getValue().shape(), saved.get(e.getKey()).shape())) {
                throw new CheckpointException(file + ": " + e.getKey() + " has shape " + saved.get(e.getKey()).shapeString()
                        + ", this run's model has " + e.getValue().shapeString());
            }
        }
        Weights.load(prefixed(saved, "", true), s.generator(), s.discriminator());
        if (s.ema() != null) {
            Weights.load(prefixed(saved, EMA, false), s.ema().generator());
        }
        s.optimizerG().loadStateDict(savedState(s.optimizerG(), saved, ADAM_G, step));
        s.optimizerD().loadStateDict(savedState(s.optimizerD(), saved, ADAM_D, dSteps));
        s.restoreCounters(dSteps);
    }

    /** A non-negative integer from a checkpoint's metadata, or one line naming the key and what was there. */
    static int metaInt(Map<String, String> meta, String key, String file) {
        long v = metaLong(meta, key, file);
        if (v > Integer.MAX_VALUE) {
            throw new CheckpointException(file + ": metadata '" + key + "' is " + v + ", expected at most " + Integer.MAX_VALUE);
        }
        return (int) v;
    }

    static long metaLong(Map<String, String> meta, String key, String file) {
        String text = meta.get(key);
        try {
            long v = Long.parseLong(String.valueOf(text));
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // one line below
        }
        throw new CheckpointException(file + ": metadata '" + key + "' is " + (text == null ? "missing" : "'" + text + "'")
                + ", expected a non-negative integer (not a sagan4j training checkpoint, or a damaged header)");
    }

    /** The tensors under {@code prefix}, without it; with {@code plain}, those with none of the prefixes. */
    private static Map<String, NpyArray> prefixed(Map<String, NpyArray> all, String prefix, boolean plain) {
        Map<String, NpyArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NpyArray> e : all.entrySet()) {
            String k = e.getKey();
            boolean prefixedAny = k.startsWith(EMA) || k.startsWith(ADAM_G) || k.startsWith(ADAM_D);
            if (plain ? !prefixedAny : k.startsWith(prefix)) {
                out.put(plain ? k : k.substring(prefix.length()), e.getValue());
            }
        }
        return out;
    }

    static String version() {
        String v = RunState.class.getPackage().getImplementationVersion();
        return v == null ? "development build" : v;
    }
}
