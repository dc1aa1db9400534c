package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.io.Json;
import sagan4j.io.NpyArray;
import sagan4j.io.SafeTensors;
import sagan4j.io.StreamedSafeTensors;
import sagan4j.testing.Slow;
import sagan4j.train.Checkpoints;

/**
 * {@code train --check-finite}: a run stopped at step 2 whose checkpoint gets ONE NaN in
 * {@code D.blocks.1.conv2.weight} (a middle layer of D: every layer before it stays finite) is resumed in
 * each mode. {@code all} names step 3, the D step, that layer and its output; {@code losses} (the default)
 * names step 3's D loss on real images; both write {@code step-00000003.nonfinite.safetensors}, which loads
 * and holds the poison, skipped by --resume; {@code off} trains on to the end.
 */
@Slow
class CheckFiniteCommandTest {
    private static final String POISONED = "D.blocks.1.conv2.weight";

    @TempDir
    static Path tmp;
    private static Path base;

    @BeforeAll
    static void twoCleanSteps() {
        base = tmp.resolve("base");
        train(base, 0, "--steps", "2");
    }

    private static CliRun train(Path out, int exit, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--dataset", "synthetic", "--ch", "8", "--batch", "4",
                "--log-every", "1", "--sample-every", "0", "--checkpoint-every", "1", "--eval-every", "-1", "--device", "reference",
                "--out", out.toString()));
        args.addAll(List.of(more));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(exit, r.exit(), () -> r.out() + r.err());
        return r;
    }

    /** A copy of the two-step run whose step-2 checkpoint holds one NaN in {@link #POISONED} (checksum rewritten). */
    private static Path poisonedCopy(String name) throws IOException {
        Path run = tmp.resolve(name);
        try (Stream<Path> s = Files.walk(base)) {
            for (Path p : s.sorted(Comparator.naturalOrder()).toList()) {
                Path to = run.resolve(base.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        Path ck = run.resolve("checkpoints/step-00000002.safetensors");
        SafeTensors.Contents c = StreamedSafeTensors.read(ck);
        Map<String, NpyArray> tensors = new LinkedHashMap<>(c.tensors());
        NpyArray w = tensors.get(POISONED);
        float[] f = w.floats().clone();
        f[f.length / 3] = Float.NaN;
        tensors.put(POISONED, NpyArray.ofFloats(f, w.shape()));
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        meta.remove(StreamedSafeTensors.CHECKSUM_KEY);
        StreamedSafeTensors.write(ck, tensors, meta);
        return run;
    }

    @Test
    void allNamesTheLayerWhoseOutputWentNonFiniteFirst() throws IOException {
        Path run = poisonedCopy("all");
        CliRun r = train(run, TrainCommand.EXIT_NONFINITE, "--resume", "--steps", "4", "--check-finite", "all");
        Path stop = run.resolve("checkpoints/step-00000003.nonfinite.safetensors");
        String line = r.err().strip();
        assertFalse(line.contains("\n"), "one line: " + line);
        assertTrue(line.matches("sagan4j train: non-finite value at step 3 \\(D step\\): the output of D\\.blocks\\.1\\.conv2 has \\d+ NaN or "
                + "infinite values? of \\d+, shape \\[8, 16, 16, 16\\]; final checkpoint " + java.util.regex.Pattern.quote(stop.toString())
                + " \\(marked nonfinite: --resume and --run skip it\\)"), line);
        assertMarkedCheckpoint(run, stop, line);
    }

    @Test
    void theDefaultChecksTheLosses() throws IOException {
        Path run = poisonedCopy("losses");
        CliRun r = train(run, TrainCommand.EXIT_NONFINITE, "--resume", "--steps", "4");
        Path stop = run.resolve("checkpoints/step-00000003.nonfinite.safetensors");
        assertEquals("sagan4j train: non-finite value at step 3 (D step): D loss on real images is NaN; final checkpoint " + stop
                + " (marked nonfinite: --resume and --run skip it)", r.err().strip());
        assertMarkedCheckpoint(run, stop, r.err().strip());
        // --resume then starts from the last finite checkpoint and says why it skipped the marked one
        CliRun again = train(run, TrainCommand.EXIT_NONFINITE, "--resume", "--steps", "4");
        assertTrue(again.out().contains("resumed from " + run.resolve("checkpoints/step-00000002.safetensors") + " at step 2"), again.out());
        assertTrue(again.out().contains("not resumed from " + stop + ": written when --check-finite stopped the run"), again.out());
    }

    @Test
    void offTrainsOnThroughTheNaN() throws IOException {
        Path run = poisonedCopy("off");
        CliRun r = train(run, 0, "--resume", "--steps", "4", "--check-finite", "off");
        assertTrue(r.out().contains("trained to step 4"), r.out());
        assertTrue(r.err().isBlank(), r.err());
        float[] w = StreamedSafeTensors.read(run.resolve("checkpoints/step-00000004.safetensors")).tensors().get(POISONED).floats();
        assertTrue(countNonFinite(w) > 0, "the NaN is still there: nothing checked");
    }

    @Test
    void aBadModeIsAUsageError() {
        CliRun r = CliRun.of("train", "--check-finite", "some", "--device", "reference");
        assertEquals(2, r.exit());
        assertEquals("sagan4j train: --check-finite: expected one of [off, losses, all], got 'some'", r.err().strip());
    }

    /** The marked checkpoint loads (checksum), holds the poison, carries the message, and is not a resumable checkpoint. */
    private static void assertMarkedCheckpoint(Path run, Path stop, String line) throws IOException {
        SafeTensors.Contents c = StreamedSafeTensors.read(stop);
        assertTrue(line.contains(c.metadata().get(Checkpoints.NONFINITE_KEY)), c.metadata() + "\n" + line);
        assertEquals("2", c.metadata().get("step"), "the updates completed before the stop");
        assertTrue(countNonFinite(c.tensors().get(POISONED).floats()) > 0);
        Checkpoints cks = new Checkpoints(run.resolve("checkpoints"));
        assertFalse(cks.list().contains(stop));
        assertEquals(List.of(stop), cks.nonFinite());
        assertEquals("step-00000002.safetensors", Files.readString(run.resolve("checkpoints/latest")).strip());
        List<String> metrics = Files.readAllLines(run.resolve("metrics.jsonl"));
        Map<?, ?> last = (Map<?, ?>) Json.parse(metrics.get(metrics.size() - 1));
        assertEquals(3L, ((Number) last.get("step")).longValue());
        assertTrue(line.contains((String) last.get(Checkpoints.NONFINITE_KEY)), last.toString());
        CliRun sample = CliRun.of("sample", "--checkpoint", stop.toString(), "--n", "1", "--ema", "false", "--device", "reference", "--out",
                run.resolve("stopped.png").toString());
        assertEquals(0, sample.exit(), sample.err());
        assertTrue(sample.err().contains("warning: " + stop + " was written when --check-finite stopped its run"), sample.out() + sample.err());
    }

    private static long countNonFinite(float[] f) {
        long n = 0;
        for (float v : f) {
            n += Float.isFinite(v) ? 0 : 1;
        }
        return n;
    }
}
