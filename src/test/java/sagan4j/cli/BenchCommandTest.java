package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sagan4j bench} on the CPU: a table, JSON lines, and one-line errors. */
class BenchCommandTest {
    @Test
    void tableAndJson(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json");
        CliRun r = CliRun.of("bench", "gemm", "--device", "reference", "--shape", "batch=1,M=16,N=16,K=16",
                "--warmup", "1", "--iters", "3", "--json", json.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("copy bandwidth"), r.out());
        assertTrue(r.out().contains("cpu-reference"), r.out());
        String lines = Files.readString(json);
        assertEquals(1, lines.lines().count());
        assertTrue(lines.contains("\"shape\":\"custom (batch=1,M=16,N=16,K=16)\""), lines);
    }

    @Test
    void unknownKernelIsOneLine() {
        CliRun r = CliRun.of("bench", "nope", "--device", "cpu");
        assertEquals(2, r.exit());
        assertTrue(r.err().strip().startsWith("sagan4j bench: unknown kernel 'nope' (known: gemm"), r.err());
    }
}
