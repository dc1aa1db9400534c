package sagan4j.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import sagan4j.backend.Backend;
import sagan4j.backend.ConfigException;
import sagan4j.io.CheckpointException;
import sagan4j.io.NpyArray;
import sagan4j.io.StreamedSafeTensors;
import sagan4j.models.GanConfig;
import sagan4j.models.Generator;
import sagan4j.models.Weights;

/** A checkpoint opened for sampling or evaluation: its configuration, and G or EMA-G rebuilt from it. */
public final class SavedRun {
    private final Path file;
    private final TrainConfig config;
    private final GanConfig model;
    private final Map<String, NpyArray> tensors;

    private SavedRun(Path file, TrainConfig config, GanConfig model, Map<String, NpyArray> tensors) {
        this.file = file;
        this.config = config;
        this.model = model;
        this.tensors = tensors;
    }

    /** {@code --checkpoint FILE} or {@code --run DIR} (its newest checkpoint that passes its checksum). */
    public static SavedRun open(Path checkpoint, Path run, PrintStream log) throws IOException {
        if ((checkpoint == null) == (run == null)) {
            throw new ConfigException("expected exactly one of --checkpoint FILE and --run DIR");
        }
        Path file;
        sagan4j.io.SafeTensors.Contents c;
        if (run != null) {
            if (!Files.isDirectory(run)) {
                throw new CheckpointException("--run " + run + ": not a folder (expected a run folder with checkpoints/)");
            }
            Checkpoints.Loaded l = new Checkpoints(run.resolve("checkpoints")).newest(log);
            if (l == null) {
                throw new CheckpointException("--run " + run + ": no usable checkpoint in " + run.resolve("checkpoints"));
            }
            file = l.file();
            c = l.contents();
        } else {
            file = checkpoint;
            if (!Files.exists(file)) {
                throw new CheckpointException("--checkpoint " + file + ": missing (expected a checkpoint written by sagan4j train)");
            }
            c = StreamedSafeTensors.read(file, true);
        }
        if (c.metadata().get(Checkpoints.NONFINITE_KEY) != null) {
            log.println("warning: " + file + " was written when --check-finite stopped its run (" + c.metadata().get(Checkpoints.NONFINITE_KEY) + ")");
        }
        String json = c.metadata().get("config");
        if (json == null || c.metadata().get("classes") == null) {
            throw new CheckpointException(file + ": not a sagan4j training checkpoint (no config in its metadata)");
        }
        TrainConfig cfg = ConfigFile.apply(json, file + " (its config metadata)", new TrainConfig());
        cfg.classes = RunState.metaInt(c.metadata(), "classes", file.toString());
        return new SavedRun(file, cfg, cfg.model(cfg.classes), c.tensors());
    }

    public Path file() {
        return file;
    }

    public TrainConfig config() {
        return config;
    }

    public GanConfig model() {
        return model;
    }

    public boolean hasEma() {
        return tensors.keySet().stream().anyMatch(k -> k.startsWith(RunState.EMA));
    }

    /**
     * The generator {@code sample} and {@code eval} draw from, as {@code train} samples: EMA-G ({@code ema}
     * null: when the run kept one) or G, with {@code standingStats} batches of standing statistics first
     * (null: the run's {@link TrainConfig#standingStats()}; 0: the checkpoint's running statistics).
     */
    public Generator sampler(Backend be, Boolean ema, Integer standingStats) {
        int batches = standingStats != null ? standingStats : config.standingStats();
        if (batches < 0) {
            throw new ConfigException("--standing-stats: expected 0 or more batches, got " + batches);
        }
        Generator gen = generator(be, ema != null ? ema : hasEma());
        if (batches > 0) {
            try {
                Ema.standingStatistics(be, gen, batches, config.batch, config.seed);
            } catch (RuntimeException e) {
                gen.close();
                throw e;
            }
        }
        return gen;
    }

    /** EMA-G ({@code ema}, when the run kept one) or G, loaded, in eval mode. */
    public Generator generator(Backend be, boolean ema) {
        if (ema && !hasEma()) {
            throw new CheckpointException(file + ": has no EMA-G (the run had --ema-kimg 0 or, under --ema-rule fixed, --ema-decay 0); use --ema false");
        }
        String prefix = ema ? RunState.EMA + "G." : "G.";
        Map<String, NpyArray> g = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                g.put(ema ? k.substring(RunState.EMA.length()) : k, v);
            }
        });
        Generator gen = new Generator(be, model);
        try {
            Weights.load(g, gen);
        } catch (RuntimeException e) {
            gen.close();
            throw e;
        }
        gen.train(false);
        return gen;
    }
}
