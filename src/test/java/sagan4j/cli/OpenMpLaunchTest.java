package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The launcher's reading of --threads (the relaunch itself is exercised by every `java -jar` run). */
class OpenMpLaunchTest {
    @Test
    void threadsArgumentInBothSpellings() {
        assertEquals("3", OpenMpLaunch.threadsArgument(new String[] {"bench", "step", "--threads", "3"}));
        assertEquals("5", OpenMpLaunch.threadsArgument(new String[] {"bench", "step", "--threads=5", "--peer"}));
        assertNull(OpenMpLaunch.threadsArgument(new String[] {"bench", "step", "--threads"}));
        assertNull(OpenMpLaunch.threadsArgument(new String[] {"doctor"}));
    }
}
