package sagan4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sagan4j.backend.Backend;
import sagan4j.backend.ConfigException;
import sagan4j.cuda.CudaBackend;
import sagan4j.data.Datasets;
import sagan4j.io.CheckpointException;
import sagan4j.train.ConfigBinder;
import sagan4j.train.TrainConfig;
import sagan4j.train.Trainer;

/**
 * {@code sagan4j train}: every {@link TrainConfig} setting is a flag (made from {@link ConfigBinder#specs()},
 * so none can be missing), layered by {@link ConfigBinder#bind}: defaults, then {@code --config FILE.json}
 * (or, with {@code --resume}, the run's own config.json), then the flags given.
 */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train a GAN; the run folder gets config, metrics, plot, samples, checkpoints, evaluation.",
        modelTransformer = TrainCommand.Flags.class)
final class TrainCommand implements Callable<Integer> {
    /** Exit status of a run stopped by --check-finite (docs/training.md). */
    static final int EXIT_NONFINITE = 3;

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE.json", description = "settings to start from (config.json of a run, or its \"settings\")")
    Path config;

    @Option(names = "--resume", description = "continue the run in --out from its newest checkpoint")
    boolean resume;

    /** Adds one option per TrainConfig setting. */
    static final class Flags implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            for (ConfigBinder.Spec s : ConfigBinder.specs()) {
                OptionSpec.Builder option = OptionSpec.builder("--" + s.flag()).type(String.class)
                        .arity(s.isSwitch() ? "0..1" : "1").paramLabel(s.type().getSimpleName().toUpperCase())
                        .description(s.help() + (s.defaultText() != null ? " (default: " + s.defaultText() + ")" : ""));
                if (s.isSwitch()) {
                    option.fallbackValue("true"); // a bare --flip means --flip true
                }
                spec.addOption(option.build());
            }
            return spec;
        }
    }

    @Override
    public Integer call() throws IOException {
        Map<String, String> given = new LinkedHashMap<>();
        for (ConfigBinder.Spec s : ConfigBinder.specs()) {
            OptionSpec o = spec.findOption("--" + s.flag());
            if (o != null && spec.commandLine().getParseResult().hasMatchedOption(o)) {
                given.put(s.flag(), o.getValue());
            }
        }
        TrainConfig cfg = ConfigBinder.bind(resume ? runFolderToResume() : config, given);
        if (cfg.out == null) {
            cfg.out = "runs/" + cfg.preset + "-" + Datasets.shortName(cfg.dataset) + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        }
        cfg.validate();
        Path out = CliPaths.of("--out", cfg.out);
        try (Backend be = openDevice(cfg.device)) {
            be.graphs().ifPresent(g -> g.setEnabled(cfg.cudaGraphs));
            new Trainer(be, cfg, out, System.out).run(resume);
        } catch (sagan4j.train.NonFiniteException e) {
            spec.commandLine().getErr().println("sagan4j train: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return EXIT_NONFINITE;
        }
        return 0;
    }

    private Path runFolderToResume() {
        OptionSpec out = spec.findOption("--out");
        if (!spec.commandLine().getParseResult().hasMatchedOption(out)) {
            throw new ConfigException("--resume: expected --out DIR naming the run folder to continue");
        }
        Path cfg = CliPaths.of("--out", (String) out.getValue()).resolve("config.json");
        if (!Files.exists(cfg)) {
            throw new CheckpointException("--resume: " + cfg + " is missing (expected a run folder made by sagan4j train)");
        }
        return cfg;
    }

    /** The named device, or CUDA when it opens and the fast CPU backend ({@code cpu}) otherwise. */
    static Backend openDevice(String device) {
        if (device != null) {
            return Devices.open(device);
        }
        try {
            return CudaBackend.open();
        } catch (RuntimeException | LinkageError e) {
            return Devices.open("cpu");
        }
    }
}
