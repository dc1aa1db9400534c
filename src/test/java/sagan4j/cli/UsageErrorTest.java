package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A command line that does not parse: exit 2 and exactly one line on stderr naming the problem. */
class UsageErrorTest {
    @ParameterizedTest
    @ValueSource(strings = {"nosuchcommand", "model --preset", "model --no-such-flag", "demo --size abc", "op"})
    void oneLineAndExit2(String line) {
        CliRun r = CliRun.of(line.split(" "));
        assertEquals(2, r.exit(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line, got:\n" + r.err());
        assertTrue(r.err().startsWith("sagan4j"), r.err());
    }
}
