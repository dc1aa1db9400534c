package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** The launcher's reading of --threads and its settings (the relaunch itself is exercised by every `java -jar` run). */
class OpenMpLaunchTest {
    @Test
    void passivePolicyWithAShortSpinUnlessTheUserSetEither() {
        assertEquals(Map.of("OMP_WAIT_POLICY", "passive", "GOMP_SPINCOUNT", "20000"), OpenMpLaunch.missing(Map.of(), null));
        // the user's spin count is kept, and a user's policy leaves the spin count to libgomp
        assertEquals(Map.of("OMP_WAIT_POLICY", "passive"), OpenMpLaunch.missing(Map.of("GOMP_SPINCOUNT", "0"), null));
        assertEquals(Map.of(), OpenMpLaunch.missing(Map.of("OMP_WAIT_POLICY", "active"), null));
        assertEquals(Map.of("OMP_NUM_THREADS", "2"), OpenMpLaunch.missing(Map.of("OMP_WAIT_POLICY", "passive", "OMP_NUM_THREADS", "1"), "2"));
        assertEquals(Map.of(), OpenMpLaunch.missing(Map.of(OpenMpLaunch.MARK, "1"), "2"));
    }

    @Test
    void threadsArgumentInBothSpellings() {
        assertEquals("3", OpenMpLaunch.threadsArgument(new String[] {"bench", "step", "--threads", "3"}));
        assertEquals("5", OpenMpLaunch.threadsArgument(new String[] {"bench", "step", "--threads=5", "--peer"}));
        assertNull(OpenMpLaunch.threadsArgument(new String[] {"bench", "step", "--threads"}));
        assertNull(OpenMpLaunch.threadsArgument(new String[] {"doctor"}));
    }
}
