package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code sagan4j kernels} lists the packed fatbin, which must hold Hopper (sm_90) SASS. */
class KernelsCommandTest {
    @Test
    void listsSm90Sass() {
        CliRun r = CliRun.of("kernels");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("sm_90"), r.out());
    }
}
