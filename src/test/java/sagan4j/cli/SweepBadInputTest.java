package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad {@code sweep} input: one line saying what, what was expected and what came, exit 2, nothing written. */
class SweepBadInputTest {
    @TempDir
    Path tmp;

    private void refused(String expected, String... vary) throws IOException {
        Path base = Files.writeString(tmp.resolve("base.json"), SweepCommandTest.BASE), out = tmp.resolve("never");
        CliRun r = CliRun.of(SweepCommandTest.sweep(base, out, vary));
        assertEquals(2, r.exit(), r.out() + r.err());
        assertEquals("sagan4j sweep: " + expected, r.err().strip());
        assertFalse(Files.exists(out), "a refused sweep writes nothing");
    }

    @Test
    void badVarySyntaxUnknownKeysAndBadValuesAreOneLine() throws IOException {
        refused("--vary: expected KEY=V1,V2,... (a train setting and the values to try), got 'lr-g'", "lr-g");
        refused("--vary: expected KEY=V1,V2,... (a train setting and the values to try), got 'lr-g='", "lr-g=");
        refused("--vary: unknown setting 'lr-gg' (expected a flag of sagan4j train without its dashes, such as lr-g; see train --help)", "lr-gg=1e-4");
        refused("--vary lr-g: expected a finite number, got 'fast'", "lr-g=1e-4,fast");
        refused("--vary lr-g: an empty value in 'lr-g=1e-4,,2e-4', expected V1,V2,... with none empty", "lr-g=1e-4,,2e-4");
        refused("--vary lr-g: '1e-4' is listed twice, expected each value once", "lr-g=1e-4,1e-4");
        refused("--vary: 'seed' is set by the sweep itself (--out, --seeds, --device), expected another setting", "seed=1,2");
        refused("--vary: 'lr-g' is varied twice, expected each setting in one --vary", "lr-g=1e-4", "lrG=2e-4");
        refused("variant micro-batch=2+batch=3: --micro-batch: 2 must divide --batch 3", "micro-batch=2", "batch=3");
        refused("--vary: expected at least one KEY=V1,V2,... (the settings the sweep compares)");
    }
}
