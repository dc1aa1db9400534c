package sagan4j.sweep;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import sagan4j.backend.Backend;
import sagan4j.backend.ConfigException;
import sagan4j.eval.Evaluation;
import sagan4j.io.AtomicFiles;
import sagan4j.io.Json;
import sagan4j.train.NonFiniteException;
import sagan4j.train.Trainer;

/**
 * Runs a {@link SweepPlan} in DIR, one run after another, each a normal {@link Trainer} run in its own
 * folder DIR/runs/NAME (config.json, metrics, samples, checkpoints, eval.json, and train.log with what the
 * trainer printed), then one line in runs.jsonl and the tables rewritten. DIR/sweep.json pins the plan:
 * a rerun of the same command skips the runs runs.jsonl holds with the same settings and starts an
 * unfinished one again from nothing; another plan in the same DIR is refused.
 */
public final class Sweep {
    private final Backend be;
    private final SweepPlan plan;
    private final Path dir;
    private final PrintStream out;

    public Sweep(Backend be, SweepPlan plan, Path dir, PrintStream out) {
        this.be = be;
        this.plan = plan;
        this.dir = dir;
        this.out = out;
    }

    /** Runs what is left of the sweep; returns the number of runs trained by this call. */
    public int run() throws IOException {
        List<SweepPlan.Run> runs = plan.runs(dir.resolve("runs")); // every run's settings checked before anything is written
        Files.createDirectories(dir);
        AtomicFiles.removeLeftovers(dir);
        pin();
        RunsFile file = new RunsFile(dir.resolve("runs.jsonl"));
        List<RunRecord> done = file.read();
        int trained = 0;
        for (int i = 0; i < runs.size(); i++) {
            SweepPlan.Run r = runs.get(i);
            String at = "sweep: run " + (i + 1) + "/" + runs.size() + " " + r.name() + ": ";
            RunRecord earlier = done.stream().filter(d -> d.matches(r)).findFirst().orElse(null);
            if (earlier != null) {
                out.println(at + "finished before, kept (" + summary(earlier) + ")");
                continue;
            }
            RunRecord rec = train(r);
            done = file.append(done, rec);
            Results.write(dir, plan, runs, done);
            out.println(at + summary(done.get(done.size() - 1))); // the line as runs.jsonl keeps it
            trained++;
        }
        Results.write(dir, plan, runs, done);
        return trained;
    }

    /** sweep.json: written by the first call, compared by every later one. */
    private void pin() throws IOException {
        Path pinned = dir.resolve("sweep.json");
        String want = Json.write(plan.toMap());
        if (Files.exists(pinned)) {
            String have;
            try {
                have = Json.write(Json.parse(Files.readString(pinned, StandardCharsets.UTF_8)));
            } catch (IllegalArgumentException | java.nio.charset.MalformedInputException e) {
                throw new ConfigException(pinned + ": not a sweep.json written by sagan4j sweep (" + e.getMessage() + ")");
            }
            if (!have.equals(want)) {
                throw new ConfigException("--out " + dir + ": holds a sweep of another base config, --vary list or --seeds ("
                        + pinned + "), expected the same command or another --out");
            }
            return;
        }
        if (Files.exists(dir.resolve("runs.jsonl")) || Files.exists(dir.resolve("runs"))) {
            throw new ConfigException("--out " + dir + ": holds runs but no sweep.json, expected an empty folder or one made by sagan4j sweep");
        }
        AtomicFiles.write(pinned, (want + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** One run from nothing: whatever an interrupted earlier try left in its folder is removed first. */
    private RunRecord train(SweepPlan.Run r) throws IOException {
        Path folder = Path.of(r.config().out);
        deleteTree(folder);
        Files.createDirectories(folder);
        long t0 = System.nanoTime();
        try (PrintStream log = new PrintStream(Files.newOutputStream(folder.resolve("train.log")), true, StandardCharsets.UTF_8)) {
            be.graphs().ifPresent(g -> g.setEnabled(r.config().cudaGraphs));
            Trainer t = new Trainer(be, r.config(), folder, log);
            try {
                Evaluation e = t.run(false);
                return RunRecord.of(r, t.stepsReached(), (System.nanoTime() - t0) / 1e9, e, null);
            } catch (NonFiniteException e) {
                // a diverged run is a result of the sweep, not a failure of it
                log.println(e.getMessage());
                return RunRecord.of(r, e.step(), (System.nanoTime() - t0) / 1e9, null, e.getMessage());
            }
        }
    }

    private static void deleteTree(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> all = Files.walk(folder)) {
            for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    private static String summary(RunRecord r) {
        String head = String.format(Locale.ROOT, "step %d in %.1f s", r.steps(), r.seconds());
        if (r.nonfinite() != null) {
            return head + ", stopped: " + r.nonfinite();
        }
        Double acc = r.figure("accuracy"), fd = r.figure("frechet");
        return acc == null ? head + ", not evaluated" : String.format(Locale.ROOT, "%s, accuracy %.1f%%, Fréchet distance %.3f", head, 100 * acc, fd);
    }
}
