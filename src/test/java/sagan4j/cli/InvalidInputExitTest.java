package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import sagan4j.backend.InvalidInputException;
import sagan4j.cuda.runtime.CudaUnavailableException;
import sagan4j.testing.Fuzz;

/**
 * Exit 2 is decided by {@link InvalidInputException} alone: every subclass in the build (found by scanning
 * the compiled classes, so a new one is covered without editing this test), thrown from a command, exits 2
 * with one line naming the command, its control characters escaped; a bug exits 1 with a stack trace. The
 * kinds the issue names (config, checkpoint, data) are also reached through real command lines.
 */
class InvalidInputExitTest {
    @TempDir
    Path tmp;

    @Command(name = "thrower")
    static final class Thrower implements Callable<Integer> {
        private final RuntimeException toThrow;

        Thrower(RuntimeException toThrow) {
            this.toThrow = toThrow;
        }

        @Override
        public Integer call() {
            throw toThrow;
        }
    }

    private record Run(int exit, String err) {
    }

    /** {@code e} thrown from a command, handled as {@link Main} handles every command's exceptions. */
    private static Run thrown(RuntimeException e) {
        CommandLine cl = new CommandLine(new Thrower(e));
        cl.setExecutionExceptionHandler(Main::handle);
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(), err.toString());
    }

    /** Every concrete class under sagan4j that extends InvalidInputException (the base included). */
    private static List<Class<? extends InvalidInputException>> subclasses() throws IOException, URISyntaxException, ClassNotFoundException {
        Path root = Path.of(InvalidInputException.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<Class<? extends InvalidInputException>> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root.resolve("sagan4j"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
                String name = root.relativize(f).toString().replace(f.getFileSystem().getSeparator(), ".").replaceAll("\\.class$", "");
                Class<?> c = Class.forName(name, false, InvalidInputExitTest.class.getClassLoader());
                if (InvalidInputException.class.isAssignableFrom(c) && !Modifier.isAbstract(c.getModifiers())) {
                    out.add(c.asSubclass(InvalidInputException.class));
                }
            }
        }
        return out;
    }

    @Test
    void everyInvalidInputExceptionExitsTwoWithOneLine() throws Exception {
        Set<String> seen = new TreeSet<>();
        for (Class<? extends InvalidInputException> c : subclasses()) {
            InvalidInputException e = c.getConstructor(String.class).newInstance("--x: expected a\nb, got 'c\u2028d'");
            Run r = thrown(e);
            String what = c.getName() + ": " + r.err();
            assertEquals(Main.EXIT_USAGE, r.exit(), what);
            assertEquals("sagan4j thrower: --x: expected a\\x0ab, got 'c\\x2028d'", r.err().strip(), what);
            assertTrue(Fuzz.isOneLine(r.err().strip()), what);
            seen.add(c.getSimpleName());
        }
        assertTrue(seen.containsAll(Set.of("InvalidInputException", "ShapeException", "ConfigException", "CheckpointException",
                "DataException", "NpyFormatException", "OpInputException")), "the scan found the hierarchy: " + seen);
    }

    @Test
    void noGpuExitsTwoAndABugExitsOneWithItsStackTrace() {
        Run gpu = thrown(new CudaUnavailableException("no CUDA driver (expected libcuda.so)"));
        assertEquals(Main.EXIT_USAGE, gpu.exit());
        assertEquals("sagan4j thrower: no CUDA driver (expected libcuda.so)", gpu.err().strip());
        for (RuntimeException bug : List.of(new IllegalArgumentException("plain"), new IllegalStateException("broken"), new NullPointerException())) {
            Run r = thrown(bug);
            assertEquals(1, r.exit(), r.err());
            assertTrue(r.err().contains(bug.getClass().getName()) && r.err().contains("\tat "), r.err());
        }
    }

    private static void exitsTwo(String line, String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(Main.EXIT_USAGE, r.exit(), r.out() + r.err());
        assertEquals(line, r.err().strip());
    }

    @Test
    void configCheckpointAndDataFailuresFromRealCommandLinesExitTwo() {
        Path run = tmp.resolve("run");
        // ConfigException: a learning rate (was ShapeException from Adam's own check)
        exitsTwo("sagan4j train: --lr-g: expected a finite learning rate of 0 or more, got -1.0", "train", "--dataset", "synthetic",
                "--steps", "1", "--device", "reference", "--lr-g", "-1", "--out", run.toString());
        exitsTwo("sagan4j train: --resume: expected --out DIR naming the run folder to continue", "train", "--resume");
        // CheckpointException: a run folder without config.json, a missing checkpoint
        exitsTwo("sagan4j train: --resume: " + run.resolve("config.json") + " is missing (expected a run folder made by sagan4j train)",
                "train", "--resume", "--out", run.toString());
        Path missing = tmp.resolve("missing.safetensors");
        exitsTwo("sagan4j sample: --checkpoint " + missing + ": missing (expected a checkpoint written by sagan4j train)", "sample",
                "--checkpoint", missing.toString(), "--out", tmp.resolve("s.png").toString());
        // DataException: no such image folder
        CliRun data = CliRun.of("train", "--dataset", "folder:" + tmp.resolve("nowhere"), "--steps", "1", "--device", "reference",
                "--out", run.toString());
        assertEquals(Main.EXIT_USAGE, data.exit(), data.err());
        assertTrue(data.err().strip().startsWith("sagan4j train: " + tmp.resolve("nowhere")) && Fuzz.isOneLine(data.err().strip()), data.err());
        assertFalse(Files.exists(run), "nothing written");
    }
}
