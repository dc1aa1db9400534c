package sagan4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.backend.InvalidInputException;
import sagan4j.reference.ReferenceBackend;
import sagan4j.io.CheckpointException;
import sagan4j.io.NpyArray;
import sagan4j.io.NpyFormatException;
import sagan4j.io.StreamedSafeTensors;
import sagan4j.testing.Fuzz;
import sagan4j.testing.Slow;

/**
 * Seeded, bounded fuzzing of the checkpoint reader: streamed .safetensors files with their SHA-256
 * (truncated, byte-mutated, absurd header lengths and numbers), read alone, as the newest of a run's
 * checkpoints (the previous one must then be used) and as {@code sample}/{@code eval} open them; a
 * damaged {@code latest} pointer; and damaged metadata and tensors restored into a real training step.
 * Every case loads or fails with one clean line ({@link NpyFormatException} naming the file, another
 * {@link InvalidInputException} when opened, a {@link CheckpointException} when restored); a checkpoint
 * that loads holds exactly the data bytes that were written.
 */
@Slow
class CheckpointFuzzTest {
    /** Cases per kind; the README quotes them. */
    public static final int FILE_CASES = 3000, POINTER_CASES = 500, RESTORE_CASES = 300;
    private static final Fuzz fuzz = Fuzz.shared();

    @TempDir
    Path tmp;

    /** A small checkpoint with a training run's metadata (config, classes, counters). */
    static Map<String, NpyArray> seedTensors() {
        Map<String, NpyArray> t = new TreeMap<>();
        t.put("G.linear.weight", NpyArray.ofFloats(new float[] {1, -2, 3.5f, 4, 5, 6}, 2, 3));
        t.put("G.bn.num_batches_tracked", NpyArray.ofInts(new int[] {42}, 1));
        t.put("adam_g.G.linear.weight.m", NpyArray.ofFloats(new float[] {0.25f, 0, 0, 0, 0, -1}, 2, 3));
        t.put("D.embed.weight", NpyArray.ofFloats(new float[10 * 4], 10, 4));
        return t;
    }

    static Map<String, String> seedMetadata() {
        TrainConfig cfg = new TrainConfig().set("dataset", "synthetic").set("ch", "8");
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", "pt");
        m.put("step", "20");
        m.put("d_steps", "20");
        m.put("config", Metrics.value(new LinkedHashMap<String, Object>(cfg.toMap())));
        m.put("classes", "10");
        return m;
    }

    /** The tensors' little-endian bytes in iteration order (file order for a loaded file, name order for a TreeMap). */
    static byte[] bytes(Map<String, NpyArray> tensors) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (NpyArray a : tensors.values()) {
            ByteBuffer bb = ByteBuffer.allocate(4 * (int) a.size()).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < a.size(); i++) {
                if (a.isFloat()) {
                    bb.putFloat(a.floats()[i]);
                } else {
                    bb.putInt(a.ints()[i]);
                }
            }
            out.writeBytes(bb.array());
        }
        return out.toByteArray();
    }

    @Test
    void damagedCheckpointFilesFailCleanlyAndTheNewestGoodOneIsUsed() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("run").resolve("checkpoints"));
        Checkpoints ck = new Checkpoints(dir);
        Map<String, NpyArray> tensors = seedTensors();
        byte[] want = bytes(new TreeMap<>(tensors)); // the data section, in the order written
        ck.save(10, tensors, seedMetadata(), 5);
        Path newest = ck.save(20, tensors, seedMetadata(), 5);
        byte[] good = Files.readAllBytes(newest);
        int headerEnd = 8 + (int) ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getLong();
        SplittableRandom rng = new SplittableRandom(31);
        Predicate<Throwable> clean = Fuzz.oneLine(NpyFormatException.class, newest.toString());
        Predicate<Throwable> cleanOpen = clean.or(t -> t instanceof InvalidInputException && Fuzz.isOneLine(t.getMessage()));
        int loaded = 0;
        for (int c = 0; c < FILE_CASES; c++) {
            byte[] b = rng.nextBoolean() ? Fuzz.mutate(good, rng, 0, 8) : Fuzz.replaceNumber(good, rng, headerEnd);
            if (rng.nextInt(4) == 0) {
                b = good.clone();
                b[headerEnd + rng.nextInt(good.length - headerEnd)] ^= (byte) (1 + rng.nextInt(255)); // a data bit: the checksum must see it
            }
            Files.write(newest, b);
            switch (c % 3) {
                case 0 -> {
                    Object[] got = new Object[1];
                    if (fuzz.run("checkpoint read", c, () -> got[0] = StreamedSafeTensors.read(newest, true), clean)) {
                        loaded++;
                        assertArrayEquals(want, bytes(((sagan4j.io.SafeTensors.Contents) got[0]).tensors()),
                                "case " + c + ": a checkpoint that passes its checksum holds the bytes written");
                    }
                }
                case 1 -> {
                    Checkpoints.Loaded[] got = new Checkpoints.Loaded[1];
                    PrintStream log = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
                    fuzz.run("newest checkpoint", c, () -> got[0] = ck.newest(log), t -> false);
                    assertNotNull(got[0], "case " + c + ": the older good checkpoint is still there");
                    assertArrayEquals(want, bytes(got[0].contents().tensors()), "case " + c + ": " + got[0].file());
                    loaded += got[0].file().equals(newest) ? 1 : 0;
                }
                default -> loaded += fuzz.run("sample/eval open", c, () -> SavedRun.open(newest, null, System.err), cleanOpen) ? 1 : 0;
            }
        }
        assertTrue(loaded > 0 && loaded < FILE_CASES, "some damaged files still load (metadata-only changes), some fail: " + loaded);
    }

    @Test
    void aDamagedLatestPointerFallsBackToTheNewestGoodFile() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("run").resolve("checkpoints"));
        Checkpoints ck = new Checkpoints(dir);
        Map<String, NpyArray> tensors = seedTensors();
        ck.save(10, tensors, seedMetadata(), 5);
        Path newest = ck.save(20, tensors, seedMetadata(), 5);
        Path latest = dir.resolve(Checkpoints.LATEST);
        byte[] good = Files.readAllBytes(latest);
        SplittableRandom rng = new SplittableRandom(32);
        String[] names = {"", "\0", "../../etc/passwd", "step-00000010.safetensors", "step-99999999.safetensors", "/", "latest",
            "step-00000020.safetensors\nstep-00000010.safetensors", "\uD800", "ü\u2028", "step-0000001.safetensors"};
        for (int c = 0; c < POINTER_CASES; c++) {
            Files.deleteIfExists(latest);
            switch (rng.nextInt(4)) {
                case 0 -> Files.write(latest, Fuzz.mutate(good, rng, 0, 0));
                case 1 -> Files.write(latest, names[rng.nextInt(names.length)].getBytes(StandardCharsets.UTF_8));
                case 2 -> Files.write(latest, randomBytes(rng, 1 + rng.nextInt(64)));
                default -> Files.createDirectories(latest);
            }
            ByteArrayOutputStream logged = new ByteArrayOutputStream();
            PrintStream log = new PrintStream(logged, true, StandardCharsets.UTF_8);
            Checkpoints.Loaded[] got = new Checkpoints.Loaded[1];
            fuzz.run("latest pointer", c, () -> got[0] = ck.newest(log), t -> false);
            assertNotNull(got[0], "case " + c);
            assertTrue(got[0].file().getParent().equals(dir), "case " + c + ": a pointer cannot lead outside the folder: " + got[0].file());
            String text = logged.toString(StandardCharsets.UTF_8);
            assertTrue(text.lines().allMatch(Fuzz::isOneLine), "case " + c + ": log lines are whole lines: " + text);
            if (Files.isDirectory(latest)) {
                Files.delete(latest);
            }
        }
        Files.write(latest, good);
        assertEquals(newest, ck.newest(System.err).file());
    }

    @Test
    void damagedMetadataAndTensorsAreRefusedBeforeARealStepIsTouched() {
        TrainConfig cfg = new TrainConfig().set("dataset", "synthetic").set("ch", "8").set("batch", "4");
        try (ReferenceBackend be = new ReferenceBackend(); TrainStep step = TrainSetup.fromConfig(be, cfg, cfg.model(10))) {
            Map<String, NpyArray> tensors = RunState.tensors(step);
            Map<String, String> meta = RunState.metadata(step, cfg, 10);
            List<String> keys = new ArrayList<>(tensors.keySet());
            List<String> metaKeys = new ArrayList<>(meta.keySet());
            String[] absurd = {"-1", "", "abc", "9223372036854775808", "1e3", "null", "\n", "3.5", "2147483648"};
            SplittableRandom rng = new SplittableRandom(33);
            Predicate<Throwable> clean = t -> t instanceof CheckpointException && Fuzz.isOneLine(t.getMessage());
            int restored = 0;
            for (int c = 0; c < RESTORE_CASES; c++) {
                Map<String, NpyArray> t = new LinkedHashMap<>(tensors);
                Map<String, String> m = new LinkedHashMap<>(meta);
                String k = keys.get(rng.nextInt(keys.size()));
                NpyArray a = t.get(k);
                switch (rng.nextInt(6)) {
                    case 0 -> t.remove(k);
                    case 1 -> t.put(k + "x", a);
                    case 2 -> t.put(k, a.isFloat() ? NpyArray.ofInts(new int[(int) a.size()], a.shape()) : NpyArray.ofFloats(new float[(int) a.size()], a.shape()));
                    case 3 -> t.put(k, NpyArray.ofFloats(new float[(int) a.size() + 1], (int) a.size() + 1));
                    case 4 -> m.put(metaKeys.get(rng.nextInt(metaKeys.size())), absurd[rng.nextInt(absurd.length)]);
                    default -> m.remove(rng.nextBoolean() ? "step" : "d_steps");
                }
                restored += fuzz.run("restore", c, () -> {
                    RunState.restore(step, t, m, "case.safetensors");
                    return null;
                }, clean) ? 1 : 0;
            }
            assertTrue(restored > 0 && restored < RESTORE_CASES, "metadata the restore ignores still restores; the rest fail: " + restored);
        }
    }

    private static byte[] randomBytes(SplittableRandom rng, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) rng.nextInt(256);
        }
        return b;
    }
}
