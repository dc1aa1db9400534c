package sagan4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.backend.ConfigException;
import sagan4j.testing.Fuzz;
import sagan4j.testing.Slow;

/**
 * Seeded, bounded fuzzing of the config JSON that {@code --config} and {@code --resume} read: a run's
 * config.json and a bare object of settings, truncated, byte-mutated, with absurd numbers and with values
 * replaced by lists, objects, odd text and unknown keys. Every case reads and validates, or fails with one
 * {@link ConfigException} line.
 */
@Slow
class ConfigFileFuzzTest {
    /** The README quotes it. */
    public static final int CASES = 3000;
    private static final Fuzz fuzz = Fuzz.shared();

    @TempDir
    Path tmp;

    private static String settingsJson() {
        TrainConfig cfg = new TrainConfig().set("dataset", "synthetic").set("steps", "20").set("ch", "8");
        return Metrics.value(new LinkedHashMap<String, Object>(cfg.toMap()));
    }

    @Test
    void damagedConfigFilesFailCleanly() throws IOException {
        String settings = settingsJson();
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("sagan4j_version", "development build");
        run.put("device", "reference");
        List<byte[]> seeds = List.of(settings.getBytes(StandardCharsets.UTF_8),
                ("{\"sagan4j_version\":\"dev\",\"device\":\"reference\",\"model\":\"tiny\",\"settings\":" + settings + "}").getBytes(StandardCharsets.UTF_8));
        String[] values = {"[1,2]", "{\"a\":1}", "\"a\\nb\"", "\"\\u2028\"", "\"ü😀\"", "-1", "1e400", "99999999999999999999", "null", "true",
            "\"\"", "3.5", "\"--batch\""};
        SplittableRandom rng = new SplittableRandom(41);
        Path file = tmp.resolve("config.json");
        Predicate<Throwable> clean = t -> t instanceof ConfigException && Fuzz.isOneLine(t.getMessage());
        int read = 0;
        for (int c = 0; c < CASES; c++) {
            byte[] base = seeds.get(rng.nextInt(seeds.size()));
            byte[] b = switch (rng.nextInt(3)) {
                case 0 -> Fuzz.mutate(base, rng, 0, 0);
                case 1 -> Fuzz.replaceNumber(base, rng, base.length);
                default -> replaceValue(base, values[rng.nextInt(values.length)], rng);
            };
            Files.write(file, b);
            read += fuzz.run("config", c, () -> ConfigFile.read(file, new TrainConfig()).validate(), clean) ? 1 : 0;
        }
        assertTrue(read > 0 && read < CASES, "some damaged files still read (a changed value that is valid), some fail: " + read);
    }

    /** One "key": value pair's value (or, one time in eight, its key) replaced. */
    private static byte[] replaceValue(byte[] json, String value, SplittableRandom rng) {
        String s = new String(json, StandardCharsets.UTF_8);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"(\\w+)\":(\"[^\"]*\"|[^,}]+)").matcher(s);
        List<int[]> spans = new java.util.ArrayList<>();
        while (m.find()) {
            spans.add(new int[] {m.start(1), m.end(1), m.start(2), m.end(2)});
        }
        int[] p = spans.get(rng.nextInt(spans.size()));
        String out = rng.nextInt(8) == 0 ? s.substring(0, p[0]) + "no_such_" + s.substring(p[0])
                : s.substring(0, p[2]) + value + s.substring(p[3]);
        return out.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void whatTheFuzzFoundIsOneLine() throws IOException {
        Path f = tmp.resolve("c.json");
        Files.write(f, "[1, 2]".getBytes(StandardCharsets.UTF_8));
        // was: ClassCastException (a list is not a map) out of train --config
        assertLine(f, f + ": expected a JSON object of settings, got a list");
        Files.write(f, "{\"preset\": \"a\\nb\"}".getBytes(StandardCharsets.UTF_8));
        // was: a raw newline in the message (two lines on stderr)
        assertLine(f, "\\x0a");
        Files.write(f, new byte[] {'{', '"', (byte) 0xff, '"', ':', '1', '}'});
        assertLine(f, f + ": not UTF-8 text");
        Files.write(f, "{\"batch\": {\"x\": 1}}".getBytes(StandardCharsets.UTF_8));
        assertLine(f, f + ": setting 'batch' is an object");
        Files.write(f, "{\"timeLimit\": null, \"steps\": 5}".getBytes(StandardCharsets.UTF_8));
        // was: NullPointerException in validate() (null is the default only where the default is null)
        assertLine(f, "--time-limit: expected text, got 'null'");
        Files.createDirectories(tmp.resolve("dir.json"));
        assertLine(tmp.resolve("dir.json"), "not a regular file");
        Files.write(f, ("{\"settings\": " + settingsJson() + "}").getBytes(StandardCharsets.UTF_8));
        assertEquals(20, ConfigFile.read(f, new TrainConfig()).steps, "a good file still reads");
    }

    private static void assertLine(Path f, String contains) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.read(f, new TrainConfig()).validate().model(10));
        assertTrue(Fuzz.isOneLine(e.getMessage()) && e.getMessage().contains(contains), e.getMessage());
    }
}
