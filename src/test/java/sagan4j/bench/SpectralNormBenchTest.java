package sagan4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import sagan4j.reference.ReferenceBackend;
import sagan4j.ops.OpInputException;

/** {@code bench spectral-norm} runs on the CPU backend (the reference), with bytes from its formula. */
class SpectralNormBenchTest {
    @Test
    void runsOnTheCpuWithTheFormulaBytes() {
        try (ReferenceBackend cpu = new ReferenceBackend()) {
            BenchRunner r = new BenchRunner(cpu, 1, 3);
            double copy = r.copyBandwidth(4 << 20);
            BenchCase sn = Benches.get("spectral-norm");
            List<BenchResult> rows = r.run(sn, List.of(sn.parseShape("weights=3,out=17,rest=29,iters=2"),
                    sn.parseShape("preset=3,iters=1")), List.of(), copy);
            assertEquals(2, rows.size());
            BenchResult row = rows.get(0);
            assertEquals("cpu-reference", row.impl());
            assertEquals(4L * 3 * 17 * 29 * (2 * 2 + 2), row.bytes());
            assertEquals((4.0 * 2 + 1) * 3 * 17 * 29, row.flops());
            assertEquals(4L * 64 * 27 * 4, rows.get(1).bytes());
            assertTrue(rows.get(1).shape().startsWith("one conv (64,3,3,3) (preset=3,iters=1)"), rows.get(1).shape());
        }
    }

    @Test
    void presetsAreTheModelsWeights() {
        BenchCase sn = Benches.get("spectral-norm");
        assertEquals(30, SpectralNormBench.SAGAN32.length);
        assertTrue(sn.defaultShapes().get(0).label().startsWith("SAGAN-32"));
        OpInputException e = assertThrows(OpInputException.class, () -> sn.parseShape("preset=7,iters=1"));
        assertEquals("--shape: preset must be 1 (SAGAN-32), 2 (BigGAN-128) or 3 (one conv), got 7", e.getMessage());
        e = assertThrows(OpInputException.class, () -> sn.parseShape("weights=1,out=2,rest=3"));
        assertEquals("--shape: missing iters (expected keys weights,out,rest,iters), got 'weights=1,out=2,rest=3'",
                e.getMessage());
    }
}
