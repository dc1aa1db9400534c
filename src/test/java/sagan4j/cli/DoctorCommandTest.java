package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import org.junit.jupiter.api.Test;

import sagan4j.cuda.natives.CudaNatives;

/** Without a GPU, doctor says so in one line on stderr, prints nothing else, and exits 2. */
class DoctorCommandTest {
    @Test
    void noGpuIsOneLineAndExitTwo() {
        assumeFalse(CudaNatives.load().driver().loaded(), "this machine has an NVIDIA driver");
        CliRun r = CliRun.of("doctor");
        assertEquals(2, r.exit());
        assertEquals("", r.out());
        String line = r.err().strip();
        assertFalse(line.contains("\n"), "one line: " + r.err());
        assertTrue(line.startsWith("sagan4j doctor: no GPU: "), line);
        assertTrue(line.contains("libcuda.so.1"), line);
        assertFalse(line.contains("Exception"), line);
    }
}
