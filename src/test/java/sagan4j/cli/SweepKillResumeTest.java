package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.cuda.natives.ChildProcess;
import sagan4j.testing.ChildJvm;
import sagan4j.testing.Slow;

/**
 * A sweep in a child JVM killed (SIGKILL) as soon as runs.jsonl has its first line, so the second run is
 * under way or just starting; the same command again keeps the first run — its line byte for byte, its
 * folder's files untouched — trains the other three, and ends with the complete table.
 */
@Slow
class SweepKillResumeTest {
    @TempDir
    Path tmp;

    @Test
    void aKilledSweepResumesWithoutRedoingFinishedRuns() throws Exception {
        Path cache = Path.of("target", "classifier-cache").toAbsolutePath();
        System.setProperty("sagan4j.cache", cache.toString());
        Path base = Files.writeString(tmp.resolve("base.json"), SweepCommandTest.BASE), dir = tmp.resolve("sweep");
        String[] args = SweepCommandTest.sweep(base, dir, "lr-g=1e-4,3e-4");
        // passive OpenMP threads, and no relaunch: the launcher must not fork a grandchild the kill would miss
        Process p = ChildJvm.start(tmp.resolve("child.log"), Main.class, List.of("-Dsagan4j.cache=" + cache, "-Djava.awt.headless=true"),
                Map.of("OMP_WAIT_POLICY", "passive", "SAGAN4J_OMP_LAUNCHED", "1"), args);
        Path lines = dir.resolve("runs.jsonl");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(ChildProcess.HANG_BOUND_MINUTES); // only a hang gets near it
        while (!(Files.exists(lines) && !Files.readString(lines).isEmpty())) {
            assertTrue(p.isAlive(), () -> "the child ended before its first run finished: " + read(tmp.resolve("child.log")));
            assertTrue(System.nanoTime() < deadline, "no run finished within the hang bound (" + ChildProcess.HANG_BOUND_MINUTES + " min)");
            Thread.sleep(20);
        }
        p.destroyForcibly().waitFor();
        List<String> kept = Files.readAllLines(lines);
        assertTrue(kept.size() < 4, "killed before the sweep ended: " + kept.size() + " line(s)");
        Path first = dir.resolve("runs").resolve("lr-g=1e-4-seed1");
        FileTime eval = Files.getLastModifiedTime(first.resolve("eval.json")), config = Files.getLastModifiedTime(first.resolve("config.json"));

        CliRun r = CliRun.of(args);
        assertEquals(0, r.exit(), r.err());
        List<String> said = r.out().lines().filter(l -> l.startsWith("sweep: run ")).toList();
        assertEquals(4, said.size(), r.out());
        for (int i = 0; i < 4; i++) {
            assertEquals(i < kept.size(), said.get(i).contains(": finished before, kept ("), said.get(i));
        }
        List<String> all = Files.readAllLines(lines);
        assertEquals(4, all.size());
        assertEquals(kept, all.subList(0, kept.size()), "the lines of the finished runs are kept as they were");
        assertEquals(eval, Files.getLastModifiedTime(first.resolve("eval.json")), "the finished run was not redone");
        assertEquals(config, Files.getLastModifiedTime(first.resolve("config.json")));
        assertTrue(Files.readString(dir.resolve("results.md")).contains("4 of 4 runs finished"));
        for (String run : List.of("lr-g=1e-4-seed2", "lr-g=3e-4-seed1", "lr-g=3e-4-seed2")) {
            assertTrue(Files.isRegularFile(dir.resolve("runs").resolve(run).resolve("eval.json")), run);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
