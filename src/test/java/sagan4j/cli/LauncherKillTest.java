package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.cuda.natives.ChildProcess;
import sagan4j.testing.Slow;

/**
 * {@code sagan4j train} as users start it: without OMP_WAIT_POLICY the launcher runs the command in a child
 * JVM (OpenMpLaunch). Killing the launcher with SIGKILL, which runs no hook, must not leave that child
 * training on as an orphan: it sees its launcher gone and halts. The bounds only catch a hang.
 */
@Slow
class LauncherKillTest {
    @TempDir
    Path tmp;

    @Test
    void killingTheLauncherEndsItsChild() throws Exception {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java, "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"),
                "sagan4j.cli.Main", "train", "--dataset", "synthetic", "--ch", "8", "--batch", "4", "--steps", "100000",
                "--eval-every", "-1", "--device", "reference", "--out", tmp.resolve("run").toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("log").toFile());
        pb.environment().remove("OMP_WAIT_POLICY"); // surefire sets it; without it the launcher relaunches
        pb.environment().remove(OpenMpLaunch.MARK);
        Process launcher = pb.start();
        ProcessHandle child = null;
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(ChildProcess.HANG_BOUND_MINUTES); // only a hang gets near it
        // the child is running the command once the run folder's config.json exists
        while (System.nanoTime() < until && (child == null || !Files.exists(tmp.resolve("run/config.json")))) {
            assertTrue(launcher.isAlive(), () -> "the launcher ended early: " + read(tmp.resolve("log")));
            child = launcher.children().findFirst().orElse(null);
            Thread.sleep(50);
        }
        assertTrue(child != null && Files.exists(tmp.resolve("run/config.json")), "no training child: " + read(tmp.resolve("log")));
        launcher.destroyForcibly();
        assertTrue(launcher.waitFor(ChildProcess.HANG_BOUND_MINUTES, TimeUnit.MINUTES), "a SIGKILLed launcher did not end");
        assertTrue(child.onExit().get(ChildProcess.HANG_BOUND_MINUTES, TimeUnit.MINUTES) != null && !child.isAlive(), "the child trains on as an orphan");
        assertTrue(read(tmp.resolve("log")).contains("sagan4j: the launcher (pid " + launcher.pid() + ") ended; stopping"),
                read(tmp.resolve("log")));
        assertEquals(137, launcher.exitValue(), "SIGKILL");
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "(no log)";
        }
    }
}
