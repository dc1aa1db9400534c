package sagan4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sagan4j.backend.Backend;
import sagan4j.backend.ConfigException;
import sagan4j.sweep.Sweep;
import sagan4j.sweep.SweepPlan;
import sagan4j.sweep.Vary;
import sagan4j.train.ConfigBinder;
import sagan4j.train.TrainConfig;

/**
 * {@code sagan4j sweep}: the base settings ({@code --config}, then {@code --time-limit}, {@code --steps},
 * {@code --eval} on top), every {@code --vary} combination × {@code --seeds} seeds, trained one after another
 * by {@link Sweep} (docs/training.md, "Sweeps").
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Train every --vary combination with --seeds seeds, one after another; tabulate accuracy, Fréchet distance and steps (resumable).")
final class SweepCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE.json", description = "base settings (a run's config.json or a JSON object of settings; default: train's defaults)")
    Path config;

    @Option(names = "--vary", paramLabel = "KEY=V1,V2", description = "a train setting and the values to try; repeat for a grid")
    List<String> vary = new ArrayList<>();

    @Option(names = "--seeds", defaultValue = "3", description = "seeds per variant, 1..N (default 3)")
    int seeds;

    @Option(names = "--time-limit", paramLabel = "DURATION", description = "each run's wall-time bound, e.g. 8m (default: the base config's)")
    String timeLimit;

    @Option(names = "--steps", paramLabel = "N", description = "each run's step bound (default: the base config's)")
    String steps;

    @Option(names = "--eval", arity = "1", defaultValue = "true", description = "evaluate each run at its end (default true)")
    boolean eval;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "the sweep folder: sweep.json, runs.jsonl, results.md/.json, runs/")
    String out;

    @Option(names = "--device", description = "cpu or cuda (default: cuda when a GPU works, else cpu)")
    String device;

    @Override
    public Integer call() throws IOException {
        Map<String, String> given = new LinkedHashMap<>();
        if (timeLimit != null) {
            given.put("time-limit", timeLimit);
        }
        if (steps != null) {
            given.put("steps", steps);
        }
        if (!eval) {
            given.put("eval-every", "-1");
        }
        TrainConfig base = ConfigBinder.bind(config, given).validate();
        SweepPlan plan = new SweepPlan(SweepPlan.baseOf(base), vary.stream().map(Vary::parse).toList(), seeds);
        if (plan.vary().isEmpty()) {
            throw new ConfigException("--vary: expected at least one KEY=V1,V2,... (the settings the sweep compares)");
        }
        Path dir = CliPaths.of("--out", out);
        plan.runs(dir.resolve("runs")); // every run's settings checked before a device opens
        try (Backend be = TrainCommand.openDevice(device != null ? device : base.device)) {
            new Sweep(be, plan, dir, System.out).run();
        }
        return 0;
    }
}
