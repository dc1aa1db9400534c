package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.io.Json;
import sagan4j.io.Npy;
import sagan4j.io.NpyArray;
import sagan4j.io.StreamedSafeTensors;
import sagan4j.testing.Slow;

/**
 * {@code train}, {@code sample} and {@code eval} end to end on the CPU reference: a small run of the tiny
 * preset on the synthetic set writes every artefact; a run stopped at N/2 and resumed reproduces the
 * uninterrupted run bit for bit; sample and eval work on its checkpoint; a damaged checkpoint is named
 * and skipped.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Slow
class TrainCommandTest {
    @TempDir
    static Path tmp;

    /** Small enough for CI: width 8, batch 8. */
    private static final String[] SMALL = {"--dataset", "synthetic", "--ch", "8", "--batch", "8", "--log-every", "5",
        "--sample-every", "10", "--checkpoint-every", "10", "--eval-samples", "50", "--device", "reference"};

    @BeforeAll
    static void cache() {
        // shared by the test classes of one build, so the evaluation classifier is trained once
        System.setProperty("sagan4j.cache", Path.of("target", "classifier-cache").toAbsolutePath().toString());
    }

    private static CliRun train(Path out, String... more) {
        String[] args = new String[1 + SMALL.length + 2 + more.length];
        args[0] = "train";
        System.arraycopy(SMALL, 0, args, 1, SMALL.length);
        args[1 + SMALL.length] = "--out";
        args[2 + SMALL.length] = out.toString();
        System.arraycopy(more, 0, args, 3 + SMALL.length, more.length);
        CliRun r = CliRun.of(args);
        assertEquals(0, r.exit(), () -> r.out() + r.err());
        return r;
    }

    @Test
    @Order(1)
    void aRunWritesEveryArtefact() throws IOException {
        Path run = tmp.resolve("whole");
        CliRun r = train(run, "--steps", "20");
        assertTrue(r.out().lines().findFirst().orElseThrow().matches(
                "sagan4j train: device reference \\(.*\\), preset .*tiny.*, dataset synthetic \\(2000 images\\), run folder .*whole"), r.out());
        Map<?, ?> config = (Map<?, ?>) Json.parse(Files.readString(run.resolve("config.json")));
        assertEquals("20", ((Map<?, ?>) config.get("settings")).get("steps"));
        List<String> metrics = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(5, metrics.size(), "4 intervals of 5 steps and the final evaluation");
        for (String key : new String[] {"d_loss_real", "d_loss_fake", "g_loss", "d_real", "d_fake", "sigma_max", "sigma_min",
            "step_time_s", "images_per_s"}) {
            assertTrue(((Map<?, ?>) Json.parse(metrics.get(0))).get(key) instanceof Number, key + " in " + metrics.get(0));
        }
        assertTrue(metrics.get(4).contains("\"accuracy\""), metrics.get(4));
        assertPng(run.resolve("loss.png"));
        assertPng(run.resolve("samples/step-00000010.png"));
        assertPng(run.resolve("samples/step-00000020.png"));
        assertEquals("step-00000020.safetensors", Files.readString(run.resolve("checkpoints/latest")).strip());
        Map<String, String> meta = StreamedSafeTensors.read(run.resolve("checkpoints/step-00000020.safetensors")).metadata();
        assertEquals("20", meta.get("step"));
        assertEquals(64, meta.get(StreamedSafeTensors.CHECKSUM_KEY).length());
        assertTrue(Files.exists(run.resolve("eval.json")));
    }

    private static void assertPng(Path p) throws IOException {
        byte[] b = Files.readAllBytes(p);
        assertTrue(b.length > 100 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G', p + " is a PNG");
    }

    @Test
    @Order(2)
    void resumingAtHalfReproducesTheUninterruptedRunBitForBit() throws IOException {
        Path half = tmp.resolve("half");
        train(half, "--steps", "10", "--eval-every", "-1");
        CliRun r = train(half, "--resume", "--steps", "20");
        assertTrue(r.out().contains("resumed from"), r.out());
        var whole = StreamedSafeTensors.read(tmp.resolve("whole/checkpoints/step-00000020.safetensors")).tensors();
        var resumed = StreamedSafeTensors.read(half.resolve("checkpoints/step-00000020.safetensors")).tensors();
        assertEquals(whole.keySet(), resumed.keySet());
        assertTrue(whole.keySet().stream().anyMatch(k -> k.startsWith("adam_d.")) && whole.keySet().stream().anyMatch(k -> k.startsWith("ema.")));
        for (String k : whole.keySet()) {
            NpyArray a = whole.get(k), b = resumed.get(k);
            if (a.isFloat()) {
                assertArrayEquals(a.floats(), b.floats(), k);
            } else {
                assertArrayEquals(a.ints(), b.ints(), k);
            }
        }
        List<String> m1 = Files.readAllLines(tmp.resolve("whole/metrics.jsonl")), m2 = Files.readAllLines(half.resolve("metrics.jsonl"));
        for (int i = 0; i < 4; i++) {
            assertEquals(lossesOf(m1.get(i)), lossesOf(m2.get(i)), "metrics line " + i);
        }
    }

    private static String lossesOf(String line) {
        Map<?, ?> m = (Map<?, ?>) Json.parse(line);
        return m.get("step") + " " + m.get("d_loss_real") + " " + m.get("d_loss_fake") + " " + m.get("g_loss") + " " + m.get("sigma_max");
    }

    @Test
    @Order(3)
    void sampleWritesAPngGridAndNpyWithLabels() throws IOException {
        Path run = tmp.resolve("whole");
        CliRun png = CliRun.of("sample", "--run", run.toString(), "--n", "3", "--truncation", "1.5", "--device", "reference",
                "--out", tmp.resolve("grid.png").toString());
        assertEquals(0, png.exit(), png.err());
        assertPng(tmp.resolve("grid.png"));
        CliRun npy = CliRun.of("sample", "--checkpoint", run.resolve("checkpoints/step-00000010.safetensors").toString(), "--class", "4",
                "--n", "5", "--interpolate", "--device", "reference", "--out", tmp.resolve("s.npy").toString());
        assertEquals(0, npy.exit(), npy.err());
        NpyArray images = Npy.read(tmp.resolve("s.npy")), labels = Npy.read(tmp.resolve("s.labels.npy"));
        assertArrayEquals(new int[] {5, 1, 32, 32}, images.shape());
        assertArrayEquals(new int[] {4, 4, 4, 4, 4}, labels.ints());
        for (float v : images.floats()) {
            assertTrue(v >= -1 && v <= 1, "tanh output in [-1, 1]: " + v);
        }
        CliRun bad = CliRun.of("sample", "--run", run.toString(), "--class", "10", "--device", "reference", "--out", tmp.resolve("x.png").toString());
        assertEquals(2, bad.exit());
        assertEquals("sagan4j sample: --class: expected all or a class in [0, 10), got '10'", bad.err().strip());
    }

    @Test
    @Order(4)
    void evalScoresTheCheckpoint() {
        CliRun r = CliRun.of("eval", "--run", tmp.resolve("whole").toString(), "--n", "50", "--device", "reference");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().matches("(?s).*step-00000020.safetensors: accuracy [0-9.]+% on 50 samples \\(on 50 real held-out images: [0-9.]+%\\), Fréchet distance [0-9.]+ \\(50 real train images vs held-out: [0-9.]+\\).*"),
                r.out());
        CliRun truncated = CliRun.of("eval", "--run", tmp.resolve("whole").toString(), "--n", "50", "--truncation", "0.5", "--device", "reference");
        assertEquals(0, truncated.exit(), truncated.err());
        assertTrue(truncated.out().contains("z truncated at ±0.5: accuracy "), truncated.out());
        CliRun bad = CliRun.of("eval", "--run", tmp.resolve("whole").toString(), "--truncation", "0.01", "--device", "reference");
        assertEquals(2, bad.exit());
        assertEquals("sagan4j eval: --truncation: expected 0 (none) or a finite value of at least 0.1, got 0.01", bad.err().strip());
        // tiny's default recomputes EMA-G's batch-norm statistics first (32 batches); 0 keeps the checkpoint's
        CliRun running = CliRun.of("eval", "--run", tmp.resolve("whole").toString(), "--n", "50", "--standing-stats", "0", "--device", "reference");
        assertEquals(0, running.exit(), running.err());
        assertNotEquals(frechet(r.out()), frechet(running.out()), "standing statistics change the samples");
        CliRun badStanding = CliRun.of("eval", "--run", tmp.resolve("whole").toString(), "--standing-stats", "-1", "--device", "reference");
        assertEquals(2, badStanding.exit());
        assertEquals("sagan4j eval: --standing-stats: expected 0 or more batches, got -1", badStanding.err().strip());
    }

    private static String frechet(String evalOut) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Fréchet distance ([0-9.]+)").matcher(evalOut);
        assertTrue(m.find(), evalOut);
        return m.group(1);
    }

    @Test
    @Order(5)
    void aDamagedCheckpointIsNamedAndThePreviousOneUsed() throws IOException {
        Path run = tmp.resolve("whole");
        Path newest = run.resolve("checkpoints/step-00000020.safetensors");
        byte[] b = Files.readAllBytes(newest);
        b[b.length - 3] ^= 0x40;
        Files.write(newest, b);
        CliRun r = CliRun.of("sample", "--run", run.toString(), "--n", "1", "--device", "reference", "--out", tmp.resolve("prev.png").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("checkpoint skipped: " + newest + ": fails its SHA-256 checksum"), r.err());
        assertTrue(r.out().contains("step-00000010.safetensors"), r.out());
    }

    @Test
    void everySettingIsAFlag() {
        CliRun r = CliRun.of("train", "--help");
        assertEquals(0, r.exit());
        for (sagan4j.train.ConfigBinder.Spec s : sagan4j.train.ConfigBinder.specs()) {
            String flag = "--" + s.flag();
            assertTrue(r.out().contains(flag + "=") || r.out().contains(flag + "[="), s.name() + " in\n" + r.out());
        }
        assertTrue(r.out().contains("--lr-g=") && r.out().contains("--time-limit=") && r.out().contains("--resume"), r.out());
    }

    @Test
    void missingDataAndBadFlagsGiveOneLine() {
        CliRun r = CliRun.of("train", "--dataset", "fashion-mnist:" + tmp.resolve("nowhere"), "--steps", "1", "--device", "reference",
                "--out", tmp.resolve("none").toString());
        assertEquals(2, r.exit());
        assertEquals("sagan4j train: " + tmp.resolve("nowhere/train-images-idx3-ubyte.gz") + ": missing; expected Fashion-MNIST's idx"
                + " files: install them with `apt-get install -y dataset-fashion-mnist` (or name another folder: --dataset fashion-mnist:DIR)",
                r.err().strip());
        CliRun bad = CliRun.of("train", "--lr-g", "fast", "--device", "reference");
        assertEquals(2, bad.exit());
        assertEquals("sagan4j train: --lr-g: expected a finite number, got 'fast'", bad.err().strip());
    }
}
