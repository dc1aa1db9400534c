package sagan4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.io.NpyArray;
import sagan4j.testing.HostBackends;

/**
 * A halflife-rule run stopped mid-ramp (β changes every update there) and resumed from its checkpoint ends
 * with the same EMA-G, bit for bit, as the run done in one go: β derives from the G step count alone, which
 * the checkpoint carries.
 */
class EmaResumeTest {
    @TempDir
    Path tmp;

    private static TrainConfig config(long steps) {
        TrainConfig c = new TrainConfig();
        c.dataset = "synthetic";
        c.ch = 8;
        c.batch = 2;
        c.steps = steps;
        c.timeLimit = "0";
        c.emaKimg = 10;      // the default rule: batch 2 stays in the ramp (half-life (t − 1)·2·0.05 images) throughout
        c.evalEvery = -1;
        c.sampleEvery = 0;
        c.checkpointEvery = 0;
        c.prefetch = 2;
        return c;
    }

    private static Map<String, NpyArray> finalState(Path dir) throws IOException {
        return new Checkpoints(dir.resolve("checkpoints")).newest(new PrintStream(new ByteArrayOutputStream())).contents().tensors();
    }

    @Test
    void resumingMidRampGivesTheUninterruptedEma() throws IOException {
        assertEquals(TrainConfig.EmaRule.HALFLIFE, new TrainConfig().emaRule, "the default rule is the one resumed here");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        Path whole = tmp.resolve("whole"), split = tmp.resolve("split");
        new Trainer(HostBackends.oneDnn(), config(6), whole, quiet).run(false);
        new Trainer(HostBackends.oneDnn(), config(3), split, quiet).run(false);
        new Trainer(HostBackends.oneDnn(), config(6), split, quiet).run(true);
        Map<String, NpyArray> a = finalState(whole), b = finalState(split);
        assertEquals(a.keySet(), b.keySet());
        int emaTensors = 0;
        for (String k : a.keySet()) {
            if (k.startsWith(RunState.EMA)) {
                emaTensors++;
                assertArrayEquals(a.get(k).floats(), b.get(k).floats(), 0f, k);
            }
        }
        assertTrue(emaTensors > 10, "EMA-G's tensors are in the checkpoint: " + emaTensors);
    }
}
