package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sagan4j bench attention} on the CPU: a table naming the CPU backend, one JSON line per row. */
class AttentionBenchCommandTest {
    @Test
    void tableAndJson(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("a.json");
        CliRun r = CliRun.of("bench", "attention-backward", "--device", "reference", "--shape", "B=1,N=8,M=4,d=3,c=5",
                "--warmup", "1", "--iters", "2", "--json", json.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("CPU reference") && r.out().contains("attention-backward"), r.out());
        String lines = Files.readString(json);
        assertEquals(1, lines.lines().count(), lines);
        assertTrue(lines.contains("\"kernel\":\"attention-backward\",\"shape\":\"custom (B=1,N=8,M=4,d=3,c=5)\",\"impl\":\"reference\""),
                lines);
    }
}
