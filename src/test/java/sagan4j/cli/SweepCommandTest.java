package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.io.Json;
import sagan4j.testing.Slow;

/**
 * {@code sagan4j sweep} end to end on the synthetic set: 2 variants × 2 seeds of 2 steps each write runs.jsonl,
 * a run folder per run and a table whose every number the test recomputes from the per-run lines; the same
 * command again keeps every run; another plan in the same folder is refused in one line.
 */
@Slow
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SweepCommandTest {
    @TempDir
    static Path tmp;

    static Path dir;

    @BeforeAll
    static void cache() throws IOException {
        // shared by the test classes of one build, so the evaluation classifier is trained once
        System.setProperty("sagan4j.cache", Path.of("target", "classifier-cache").toAbsolutePath().toString());
        dir = tmp.resolve("sweep");
        Files.writeString(tmp.resolve("base.json"), BASE);
    }

    /** The smallest run that still evaluates: tiny at width 8, batch 4, 40 samples, no sheets or checkpoints on the way. */
    static final String BASE = "{\"dataset\": \"synthetic\", \"ch\": 8, \"batch\": 4, \"evalSamples\": 40, \"sampleEvery\": 0,"
            + " \"checkpointEvery\": 0, \"logEvery\": 1, \"prefetch\": 2}";

    static String[] sweep(Path base, Path out, String... vary) {
        List<String> a = new ArrayList<>(List.of("sweep", "--config", base.toString(), "--seeds", "2", "--steps", "2", "--device", "cpu",
                "--out", out.toString()));
        for (String v : vary) {
            a.add("--vary");
            a.add(v);
        }
        return a.toArray(String[]::new);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> lines(Path dir) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String l : Files.readAllLines(dir.resolve("runs.jsonl"))) {
            out.add((Map<String, Object>) Json.parse(l));
        }
        return out;
    }

    @Test
    @Order(1)
    @SuppressWarnings("unchecked")
    void twoVariantsTwoSeedsWriteACompleteTable() throws IOException {
        CliRun r = CliRun.of(sweep(tmp.resolve("base.json"), dir, "lr-g=1e-4,3e-4"));
        assertEquals(0, r.exit(), r.err());
        List<String> said = r.out().lines().filter(l -> l.startsWith("sweep: run ")).toList();
        assertEquals(4, said.size(), r.out());
        assertTrue(said.get(0).startsWith("sweep: run 1/4 lr-g=1e-4-seed1: step 2 in "), said.get(0));
        assertTrue(said.get(3).startsWith("sweep: run 4/4 lr-g=3e-4-seed2: step 2 in "), said.get(3));
        List<Map<String, Object>> lines = lines(dir);
        assertEquals(List.of("lr-g=1e-4-seed1", "lr-g=1e-4-seed2", "lr-g=3e-4-seed1", "lr-g=3e-4-seed2"),
                lines.stream().map(l -> l.get("run")).toList());
        for (Map<String, Object> l : lines) {
            Path run = dir.resolve("runs").resolve((String) l.get("run"));
            for (String f : List.of("config.json", "eval.json", "metrics.jsonl", "train.log")) {
                assertTrue(Files.isRegularFile(run.resolve(f)), run + " has " + f);
            }
            Map<String, Object> settings = (Map<String, Object>) l.get("settings");
            assertEquals(String.valueOf(l.get("seed")), settings.get("seed"), "the run's seed is its seed number");
            assertEquals(2L, l.get("steps"));
            assertEquals(40L, ((Map<String, Object>) l.get("eval")).get("samples"));
        }
        assertTrue(Files.readString(dir.resolve("runs").resolve("lr-g=3e-4-seed2").resolve("config.json")).contains("\"lrG\":\"3.0E-4\""),
                "the variant's value reached the run's own config.json");

        // the table, recomputed from the lines: per variant, seeds 1 and 2
        Map<String, Object> results = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("results.json")));
        List<Map<String, Object>> variants = (List<Map<String, Object>>) results.get("variants");
        assertEquals(List.of("lr-g=1e-4", "lr-g=3e-4"), variants.stream().map(v -> v.get("variant")).toList());
        String md = Files.readString(dir.resolve("results.md"));
        assertTrue(md.contains("4 of 4 runs finished; --vary lr-g=1e-4,3e-4, 2 seed(s)."), md);
        for (int v = 0; v < 2; v++) {
            Map<String, Object> a = (Map<String, Object>) lines.get(2 * v).get("eval"), b = (Map<String, Object>) lines.get(2 * v + 1).get("eval");
            Map<String, Object> row = variants.get(v);
            assertEquals(2L, row.get("runs"));
            for (String key : List.of("accuracy", "frechet", "frechet_real_train")) {
                double x = num(a.get(key)), y = num(b.get(key));
                checkSpread(x, y, (Map<String, Object>) row.get(key), row.get("variant") + " " + key);
            }
            List<Object> pa = (List<Object>) a.get("accuracy_per_class"), pb = (List<Object>) b.get("accuracy_per_class");
            List<Object> pr = (List<Object>) row.get("accuracy_per_class");
            assertEquals(pa.size(), pr.size(), "one spread per class");
            for (int k = 0; k < pa.size(); k++) {
                checkSpread(num(pa.get(k)), num(pb.get(k)), (Map<String, Object>) pr.get(k), row.get("variant") + " class " + k);
            }
            checkSpread(2, 2, (Map<String, Object>) row.get("steps"), "steps");
            // the markdown row: mean ± std (min–max) of the accuracy in %, worked out here
            double x = 100 * num(a.get("accuracy")), y = 100 * num(b.get("accuracy"));
            String cell = String.format(Locale.ROOT, "%.1f ± %.1f (%.1f–%.1f)", (x + y) / 2, Math.abs(x - y) / Math.sqrt(2), Math.min(x, y), Math.max(x, y));
            assertTrue(md.contains("| " + row.get("variant") + " | 2 | 2 ± 0 (2–2) | " + cell + " | "), cell + " in\n" + md);
        }
    }

    /** Two seeds: mean (x + y)/2, sample std |x − y|/√2, min, max; to the 6 significant digits the file keeps. */
    private static void checkSpread(double x, double y, Map<String, Object> s, String what) {
        assertEquals((x + y) / 2, num(s.get("mean")), 1e-5 * Math.max(1, Math.abs(x + y)), what + " mean");
        assertEquals(Math.abs(x - y) / Math.sqrt(2), num(s.get("std")), 1e-5 * Math.max(1, Math.abs(x - y)), what + " std");
        assertEquals(Math.min(x, y), num(s.get("min")), 1e-5 * Math.max(1, Math.abs(x)), what + " min");
        assertEquals(Math.max(x, y), num(s.get("max")), 1e-5 * Math.max(1, Math.abs(y)), what + " max");
    }

    private static double num(Object o) {
        return ((Number) o).doubleValue();
    }

    @Test
    @Order(2)
    void theSameCommandAgainKeepsEveryRunAndAnotherPlanIsRefused() throws IOException {
        byte[] before = Files.readAllBytes(dir.resolve("runs.jsonl"));
        Map<String, FileTime> times = new LinkedHashMap<>();
        for (Map<String, Object> l : lines(dir)) {
            Path eval = dir.resolve("runs").resolve((String) l.get("run")).resolve("eval.json");
            times.put(eval.toString(), Files.getLastModifiedTime(eval));
        }
        CliRun r = CliRun.of(sweep(tmp.resolve("base.json"), dir, "lr-g=1e-4,3e-4"));
        assertEquals(0, r.exit(), r.err());
        assertEquals(4, r.out().lines().filter(l -> l.contains(": finished before, kept (step 2 in ")).count(), r.out());
        assertEquals(new String(before, StandardCharsets.UTF_8), Files.readString(dir.resolve("runs.jsonl")), "no line added or changed");
        for (Map.Entry<String, FileTime> e : times.entrySet()) {
            assertEquals(e.getValue(), Files.getLastModifiedTime(Path.of(e.getKey())), e.getKey() + " not rewritten");
        }

        CliRun other = CliRun.of(sweep(tmp.resolve("base.json"), dir, "lr-g=1e-4,2e-4"));
        assertEquals(2, other.exit());
        assertEquals(1, other.err().strip().lines().count(), other.err());
        assertTrue(other.err().contains("holds a sweep of another base config, --vary list or --seeds"), other.err());
        Path changed = Files.writeString(tmp.resolve("base2.json"), BASE.replace("\"batch\": 4", "\"batch\": 8"));
        CliRun otherBase = CliRun.of(sweep(changed, dir, "lr-g=1e-4,3e-4"));
        assertEquals(2, otherBase.exit());
        assertTrue(otherBase.err().contains("holds a sweep of another base config"), otherBase.err());
        assertEquals(new String(before, StandardCharsets.UTF_8), Files.readString(dir.resolve("runs.jsonl")), "refusals write nothing");
    }
}
