package sagan4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.io.AtomicFiles;
import sagan4j.io.Json;
import sagan4j.io.NpyArray;
import sagan4j.io.NpyFormatException;
import sagan4j.io.SafeTensors;
import sagan4j.io.StreamedSafeTensors;
import sagan4j.testing.Slow;

/**
 * A real {@code sagan4j train} process (a child JVM on the CPU reference, threads pinned) killed with
 * {@code destroyForcibly} (SIGKILL) {@value #KILLS} times at seeded moments: during JVM start-up and resume,
 * at a random moment of a step, and right after a checkpoint's or a sample sheet's temporary file appears
 * (the child is then writing and forcing it). After each kill the run folder must hold only whole files:
 * every checkpoint passes its SHA-256 and the newest one is what {@link Checkpoints#newest} returns,
 * metrics.jsonl is whole lines 1..k, every PNG decodes, config.json parses, and temporary files are never
 * listed as checkpoints. The next life resumes from that checkpoint (or starts afresh when there is none);
 * in the end the run's final checkpoint — every tensor: G, D, u/v, running statistics, EMA-G, both Adam
 * states — its counters, its metrics and its last sample sheet are bit-identical to an uninterrupted run's.
 */
@Slow
class KillResumeTest {
    private static final int STEPS = 24;
    private static final int KILLS = 20;
    private static final long SEED = 20261201L;
    /** Only a hang gets near it: a life of this test runs for seconds. */
    private static final long HANG_BOUND_MS = TimeUnit.MINUTES.toMillis(sagan4j.cuda.natives.ChildProcess.HANG_BOUND_MINUTES);

    @TempDir
    Path tmp;

    /** Where a life is killed. */
    private enum Moment {
        /** a random moment in the first 3 s: JVM start-up, dataset, model, reading the checkpoint, the first steps */
        STARTUP,
        /** a random moment up to 0.8 s after the run reached its target step: inside a step, a metrics append, loss.png */
        MID_STEP,
        /** as soon as a checkpoint's temporary file appears (after the target step) */
        CHECKPOINT_WRITE,
        /** as soon as a sample sheet's temporary file appears (after the target step) */
        SAMPLE_WRITE
    }

    private static List<String> trainArgs(Path out) {
        return List.of("train", "--preset", "tiny", "--dataset", "synthetic", "--ch", "8", "--batch", "4", "--seed", "7",
                "--steps", String.valueOf(STEPS), "--log-every", "1", "--sample-every", "3", "--checkpoint-every", "1",
                "--keep-checkpoints", "3", "--ema-decay", "0.9", "--ema-start", "2", "--eval-every", "-1", "--prefetch", "2",
                "--device", "reference", "--out", out.toString());
    }

    /** The child JVM: the test class path, the reference backend's fork-join pool pinned to 2 threads, no relaunch. */
    private static Process start(Path log, List<String> args) throws IOException {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java, "-Xshare:auto", "-Djava.awt.headless=true",
                "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2", "-cp", System.getProperty("java.class.path"),
                "sagan4j.cli.Main"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMP_WAIT_POLICY", "passive");
        pb.environment().put("SAGAN4J_OMP_LAUNCHED", "1"); // the launcher must not fork a grandchild the kill would miss
        return pb.start();
    }

    @Test
    void twentyKillsAndResumesGiveTheUninterruptedRunBitForBit() throws Exception {
        long t0 = System.nanoTime();
        Path whole = tmp.resolve("whole");
        Process w = start(tmp.resolve("whole.log"), trainArgs(whole));
        assertTrue(w.waitFor(HANG_BOUND_MS, TimeUnit.MILLISECONDS), "uninterrupted run hung");
        assertEquals(0, w.exitValue(), () -> tail(tmp.resolve("whole.log")));
        double wholeSeconds = (System.nanoTime() - t0) / 1e9;

        Path run = tmp.resolve("killed");
        Files.createDirectories(run.resolve("checkpoints"));
        Files.createDirectories(run.resolve("samples"));
        Checkpoints checkpoints = new Checkpoints(run.resolve("checkpoints"));
        Random rng = new Random(SEED);
        int leftTemporary = 0;
        StringBuilder journal = new StringBuilder();
        Path expectedResume = null;
        for (int life = 0; life < KILLS; life++) {
            Moment moment = Moment.values()[life % Moment.values().length];
            long target = 1 + (long) life * (STEPS - 4) / KILLS;
            List<String> args = new ArrayList<>(trainArgs(run));
            if (expectedResume != null) {
                args.add("--resume");
            }
            Path log = tmp.resolve("life-" + life + ".log");
            List<Path> before = temporaries(run);
            Process p = start(log, args);
            String where = killAt(p, run, moment, target, rng, log);
            List<Path> temps = temporaries(run);
            temps.removeAll(before); // an earlier life's, not yet removed by this one's start
            leftTemporary += temps.isEmpty() ? 0 : 1;
            journal.append(String.format("life %2d: %s, killed %s; left %s%n", life, expectedResume == null ? "fresh" : "resumed",
                    where, temps.isEmpty() ? "no new temporary file" : temps.stream().map(t -> t.getFileName().toString()).toList()));
            checkResumeLine(log, expectedResume);
            expectedResume = checkRunFolder(run, checkpoints, journal);
        }
        Path last = tmp.resolve("last.log");
        Process p = start(last, withResume(trainArgs(run), expectedResume != null));
        assertTrue(p.waitFor(HANG_BOUND_MS, TimeUnit.MILLISECONDS), "the last life hung");
        assertEquals(0, p.exitValue(), () -> tail(last));
        checkResumeLine(last, expectedResume);
        checkRunFolder(run, checkpoints, journal);
        assertEquals(List.of(), temporaries(run), "a finished run leaves no temporary file");
        System.out.printf("KillResumeTest: %d kills, %d left a temporary file (a write cut short); uninterrupted run %.1f s, "
                + "whole test %.1f s%n%s", KILLS, leftTemporary, wholeSeconds, (System.nanoTime() - t0) / 1e9, journal);
        // the kills right after a temporary file appeared must have cut at least one write, or the test missed its window
        assertTrue(leftTemporary > 0, "no kill landed inside a write:\n" + journal);

        String name = Checkpoints.fileName(STEPS);
        SafeTensors.Contents a = StreamedSafeTensors.read(whole.resolve("checkpoints").resolve(name));
        SafeTensors.Contents b = StreamedSafeTensors.read(run.resolve("checkpoints").resolve(name));
        assertEquals(a.tensors().keySet(), b.tensors().keySet());
        for (String prefix : new String[] {"G.", "D.", RunState.EMA, RunState.ADAM_G, RunState.ADAM_D}) {
            assertTrue(a.tensors().keySet().stream().anyMatch(k -> k.startsWith(prefix)), prefix + " in the checkpoint");
        }
        assertTrue(a.tensors().keySet().stream().anyMatch(k -> k.endsWith("_u")), "spectral-norm u in the checkpoint");
        for (Map.Entry<String, NpyArray> e : a.tensors().entrySet()) {
            NpyArray x = e.getValue(), y = b.tensors().get(e.getKey());
            assertArrayEquals(x.shape(), y.shape(), e.getKey());
            if (x.isFloat()) {
                assertArrayEquals(bits(x.floats()), bits(y.floats()), e.getKey());
            } else {
                assertArrayEquals(x.ints(), y.ints(), e.getKey());
            }
        }
        for (String key : new String[] {"step", "d_steps", "data_epoch", "data_batch", StreamedSafeTensors.CHECKSUM_KEY}) {
            assertEquals(a.metadata().get(key), b.metadata().get(key), "metadata " + key);
        }
        List<String> ma = Files.readAllLines(whole.resolve("metrics.jsonl")), mb = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(STEPS, ma.size());
        assertEquals(STEPS, mb.size());
        for (int i = 0; i < STEPS; i++) {
            assertEquals(losses(ma.get(i)), losses(mb.get(i)), "metrics line " + (i + 1));
        }
        String sheet = String.format("samples/step-%08d.png", STEPS);
        assertArrayEquals(Files.readAllBytes(whole.resolve(sheet)), Files.readAllBytes(run.resolve(sheet)), sheet);
    }

    private static List<String> withResume(List<String> args, boolean resume) {
        List<String> out = new ArrayList<>(args);
        if (resume) {
            out.add("--resume");
        }
        return out;
    }

    /**
     * Waits for the moment, then kills. The child must still be running then: every target lies before the
     * last step, and each life's progress is bounded by its target, so no life can finish the run.
     */
    private static String killAt(Process p, Path run, Moment moment, long target, Random rng, Path log) throws Exception {
        long start = System.nanoTime(), deadline = moment == Moment.STARTUP ? start + rng.nextInt(3000) * 1_000_000L : Long.MAX_VALUE;
        long midDelay = rng.nextInt(800) * 1_000_000L;
        try (WatchService watch = FileSystems.getDefault().newWatchService()) {
            for (Path d : new Path[] {run, run.resolve("checkpoints"), run.resolve("samples")}) {
                d.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            }
            while (true) {
                if (!p.isAlive()) {
                    fail("the child ended (exit " + p.exitValue() + ") before its kill (" + moment + ", target step " + target + "):\n" + tail(log));
                }
                if (System.nanoTime() - start > HANG_BOUND_MS * 1_000_000L) {
                    p.destroyForcibly().waitFor();
                    fail("the child did not reach step " + target + " within the hang bound:\n" + tail(log));
                }
                long now = System.nanoTime();
                if (now >= deadline) {
                    return kill(p, moment + String.format(" at %.0f ms", (now - start) / 1e6));
                }
                WatchKey key = watch.poll(Math.max(1, Math.min(5, (deadline - now) / 1_000_000L)), TimeUnit.MILLISECONDS);
                if (key == null) {
                    continue;
                }
                Path dir = (Path) key.watchable();
                for (WatchEvent<?> ev : key.pollEvents()) {
                    if (!(ev.context() instanceof Path name)) {
                        continue;
                    }
                    boolean created = ev.kind() == StandardWatchEventKinds.ENTRY_CREATE && AtomicFiles.isTemporary(name);
                    boolean inWrite = created && (moment == Moment.CHECKPOINT_WRITE && dir.endsWith("checkpoints") && name.toString().startsWith(".step-")
                            || moment == Moment.SAMPLE_WRITE && dir.endsWith("samples"));
                    if (inWrite && progress(run) >= target) {
                        return kill(p, moment + " of " + name);
                    }
                    if (moment == Moment.MID_STEP && deadline == Long.MAX_VALUE && progress(run) >= target) {
                        deadline = System.nanoTime() + midDelay;
                    }
                }
                key.reset();
            }
        }
    }

    private static String kill(Process p, String where) throws InterruptedException {
        p.destroyForcibly();
        assertTrue(p.waitFor(HANG_BOUND_MS, TimeUnit.MILLISECONDS), "a killed child did not end");
        return where;
    }

    /** The highest step among metrics.jsonl's whole lines (0 before the first). */
    private static long progress(Path run) throws IOException {
        Path f = run.resolve("metrics.jsonl");
        if (!Files.exists(f)) {
            return 0;
        }
        String text = Files.readString(f, StandardCharsets.UTF_8);
        long max = 0;
        for (String line : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
            if (!line.isBlank()) {
                max = Math.max(max, ((Number) ((Map<?, ?>) Json.parse(line)).get("step")).longValue());
            }
        }
        return max;
    }

    /** A life that printed its resume line resumed from the checkpoint the check before it found. */
    private static void checkResumeLine(Path log, Path expected) throws IOException {
        String out = Files.readString(log, StandardCharsets.UTF_8);
        if (expected == null) {
            assertFalse(out.contains("resumed from"), out);
        } else if (out.contains("resumed from")) {
            assertTrue(out.contains("resumed from " + expected + " at step "), "expected a resume from " + expected + ":\n" + out);
        }
    }

    /**
     * Everything in the run folder is whole; returns the checkpoint the next life must resume from (null: none yet).
     */
    private static Path checkRunFolder(Path run, Checkpoints checkpoints, StringBuilder journal) throws IOException {
        String context = "\n" + journal;
        Path config = run.resolve("config.json");
        if (Files.exists(config)) {
            assertTrue(Json.parse(Files.readString(config)) instanceof Map<?, ?>, "config.json" + context);
        }
        Path metrics = run.resolve("metrics.jsonl");
        if (Files.exists(metrics)) {
            String text = Files.readString(metrics, StandardCharsets.UTF_8);
            assertTrue(text.isEmpty() || text.endsWith("\n"), "metrics.jsonl ends inside a line: " + text + context);
            long step = 0;
            for (String line : text.lines().toList()) {
                Object row = Json.parse(line);   // throws on a cut line
                assertTrue(row instanceof Map<?, ?>, line + context);
                assertEquals(++step, ((Number) ((Map<?, ?>) row).get("step")).longValue(), "metrics lines are steps 1, 2, ...: " + text + context);
            }
        }
        List<Path> pngs = new ArrayList<>();
        if (Files.exists(run.resolve("loss.png"))) {
            pngs.add(run.resolve("loss.png"));
        }
        try (Stream<Path> s = Files.list(run.resolve("samples"))) {
            s.filter(f -> !AtomicFiles.isTemporary(f)).forEach(pngs::add);
        }
        for (Path png : pngs) {
            assertNotNull(ImageIO.read(png.toFile()), png + " decodes" + context);
        }
        List<Path> listed = checkpoints.list();
        try (Stream<Path> s = Files.list(checkpoints.dir())) {
            for (Path f : s.toList()) {
                String n = f.getFileName().toString();
                assertTrue(listed.contains(f) || n.equals(Checkpoints.LATEST) || AtomicFiles.isTemporary(f), "unexpected file " + f + context);
                assertFalse(AtomicFiles.isTemporary(f) && listed.contains(f), f + " is a temporary file listed as a checkpoint" + context);
            }
        }
        Path newestWhole = null;
        for (Path f : listed) {
            try {
                Map<String, String> meta = StreamedSafeTensors.read(f).metadata();
                assertEquals(f.getFileName().toString(), Checkpoints.fileName(Long.parseLong(meta.get("step"))), "step in " + f);
                newestWhole = f;
            } catch (NpyFormatException e) {
                fail("a checkpoint is damaged: " + e.getMessage() + context);
            }
        }
        if (Files.exists(checkpoints.dir().resolve(Checkpoints.LATEST))) {
            String named = Files.readString(checkpoints.dir().resolve(Checkpoints.LATEST), StandardCharsets.UTF_8);
            assertTrue(named.endsWith("\n") && listed.contains(checkpoints.dir().resolve(named.strip())), "latest names " + named + context);
        }
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        Checkpoints.Loaded loaded = checkpoints.newest(new PrintStream(said, true, StandardCharsets.UTF_8));
        assertEquals(newestWhole, loaded == null ? null : loaded.file(), said + context);
        return newestWhole;
    }

    private static List<Path> temporaries(Path run) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path d : new Path[] {run, run.resolve("checkpoints"), run.resolve("samples")}) {
            try (Stream<Path> s = Files.list(d)) {
                s.filter(AtomicFiles::isTemporary).forEach(out::add);
            }
        }
        return out;
    }

    private static int[] bits(float[] f) {
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            b[i] = Float.floatToRawIntBits(f[i]);
        }
        return b;
    }

    private static String losses(String line) {
        Map<?, ?> m = (Map<?, ?>) Json.parse(line);
        StringBuilder sb = new StringBuilder();
        for (String k : new String[] {"step", "epoch", "d_loss_real", "d_loss_fake", "g_loss", "d_real", "d_fake", "sigma_max", "sigma_min"}) {
            sb.append(k).append('=').append(m.get(k)).append(' ');
        }
        return sb.toString();
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log, StandardCharsets.UTF_8);
            return s.length() <= 4000 ? s : s.substring(s.length() - 4000);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
