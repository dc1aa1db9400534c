package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.testing.Fuzz;

/** Regression tests for what the command-line fuzzing found: each line below once exited 0 or 1, or printed two lines. */
class CliBadInputTest {
    @TempDir
    Path tmp;

    private static CliRun usage(String contains, String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(2, r.exit(), r.out() + r.err());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(Fuzz.isOneLine(err) && err.contains(contains), err);
        return r;
    }

    @Test
    void helpRefusesWhatItDoesNotKnow() {
        // was: picocli's help command printed usage and exited 0
        usage("Unknown option: '--nosuch'", "help", "--nosuch");
        usage("Unmatched argument at index 2: 'extra'", "help", "train", "extra");
        usage("unknown command 'nosuch'", "help", "nosuch");
        CliRun ok = CliRun.of("help", "model");
        assertEquals(0, ok.exit(), ok.err());
        assertTrue(ok.out().startsWith("Usage: sagan4j model"), ok.out());
    }

    @Test
    void aBadTimeLimitFailsBeforeTheRunFolderIsMade() {
        // was: with --steps set, --time-limit was parsed only after the run folder (samples/) had been made
        Path run = tmp.resolve("run");
        usage("--time-limit: expected a duration", "train", "--dataset", "synthetic", "--steps", "1", "--device", "reference",
                "--time-limit", "abc", "--out", run.toString());
        assertFalse(Files.exists(run), "nothing written");
    }

    @Test
    void pathsThatCannotBePathsAreUsageErrors() {
        // was: InvalidPathException (exit 1 with a stack trace)
        usage("--out: expected a path", "train", "--dataset", "synthetic", "--steps", "1", "--device", "reference", "--out", "a\0b");
        usage("is not a valid path", "train", "--dataset", "folder:a\0b", "--steps", "1", "--device", "reference",
                "--out", tmp.resolve("run").toString());
        assertFalse(Files.exists(tmp.resolve("run")));
    }

    @Test
    void controlCharactersInValuesAreEscapedNotPrinted() {
        // was: the newline went to stderr as is (two lines), or picocli's newlines were turned into spaces
        usage("got 'a\\x0ab'", "model", "--preset", "a\nb");
        usage("'x\\x0dy'", "doctor", "x\ry");
    }

    @Test
    void aConfigThatIsNotAnObjectIsOneLine() throws IOException {
        // was: ClassCastException (exit 1 with a stack trace)
        Path cfg = Files.writeString(tmp.resolve("c.json"), "[1, 2]");
        usage("expected a JSON object of settings, got a list", "train", "--config", cfg.toString(), "--out", tmp.resolve("run").toString());
        assertFalse(Files.exists(tmp.resolve("run")));
    }
}
