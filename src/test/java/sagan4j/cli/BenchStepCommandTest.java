package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench step's table and JSON (no timing is asserted), and its one-line errors. */
class BenchStepCommandTest {
    @Test
    void tinyStepOnCpuPrintsTheTableAndWritesJson(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("step.json");
        CliRun r = CliRun.of("bench", "step", "--preset", "tiny", "--batch", "2", "--steps", "1", "--warmup", "0",
                "--device", "cpu", "--json", json.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("tiny batch 2 on CPU oneDNN"), r.out());
        assertTrue(r.out().contains("sagan4j (+ Adam)"), r.out());
        assertTrue(r.out().contains("convolutions"), r.out());
        String text = Files.readString(json);
        assertTrue(text.startsWith("{\"sagan4j\":{\"preset\":\"tiny\",\"batch\":2,"), text);
        assertTrue(text.contains("\"split_ms_per_step\":{\"copies\":"), text);
        assertFalse(text.contains("\"peer\""), text);
    }

    @Test
    void badArgumentsAreOneLineAndExitTwo() {
        CliRun r = CliRun.of("bench", "step", "--preset", "tiny", "--batch", "0");
        assertEquals(2, r.exit());
        assertEquals("sagan4j step: bench step: --batch, --steps and --rounds must be >= 1 and --warmup >= 0, got 0, 10, 1 and 3",
                r.err().strip());
        r = CliRun.of("bench", "step", "--preset", "nope");
        assertEquals(2, r.exit());
        assertTrue(r.err().strip().equals("sagan4j step: preset: expected tiny, sagan32, biggan32 or biggan128, got 'nope'"), r.err());
        r = CliRun.of("bench", "step", "--preset", "tiny", "--threads", "0");
        assertEquals(2, r.exit());
        assertEquals("sagan4j step: bench step: --threads must be >= 1, got 0", r.err().strip());
        r = CliRun.of("bench", "step", "--preset", "tiny", "--device", "tpu");
        assertEquals(2, r.exit());
        assertEquals("sagan4j step: --device: expected cpu, reference or cuda, got 'tpu'", r.err().strip());
    }
}
