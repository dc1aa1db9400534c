package sagan4j.cuda.natives;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

/**
 * Runs a child process (gcc, readelf, a child JVM) for the loader tests, its output (stdout and stderr together)
 * going to a temporary file so that the wait below bounds the whole run. The bound is not a time budget: it is
 * far above any run on a loaded machine and only turns a hang into a failure instead of a stuck build.
 */
public final class ChildProcess {
    /** Generous: only a hang gets near it (a child JVM takes seconds, gcc well under a second). */
    public static final long HANG_BOUND_MINUTES = 10;

    /** The exit status and the whole output. */
    public record Result(int exit, String output) {
    }

    private ChildProcess() {
    }

    public static Result run(ProcessBuilder pb) throws IOException, InterruptedException {
        File log = File.createTempFile("sagan4j-child-", ".log");
        try {
            Process p = pb.redirectErrorStream(true).redirectOutput(log).start();
            if (!p.waitFor(HANG_BOUND_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly().waitFor();
                throw new IOException(String.join(" ", pb.command()) + " did not finish within " + HANG_BOUND_MINUTES
                        + " min (a hang: the bound only catches those); output so far:\n" + read(log));
            }
            return new Result(p.exitValue(), read(log));
        } finally {
            Files.deleteIfExists(log.toPath());
        }
    }

    private static String read(File f) throws IOException {
        return Files.readString(f.toPath(), StandardCharsets.UTF_8);
    }
}
