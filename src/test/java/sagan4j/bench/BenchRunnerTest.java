package sagan4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import sagan4j.cpu.CpuBackend;
import sagan4j.ops.OpInputException;

/** The harness on the CPU backend: derived numbers follow from the measured median and the formulas. */
class BenchRunnerTest {
    @Test
    void gemmOnCpuReportsConsistentNumbers() {
        try (CpuBackend cpu = new CpuBackend()) {
            BenchRunner r = new BenchRunner(cpu, 1, 5);
            double copy = r.copyBandwidth(8 << 20);
            assertTrue(copy > 0.1, "copy bandwidth " + copy);
            BenchCase gemm = Benches.get("gemm");
            List<BenchResult> rows = r.run(gemm, List.of(gemm.parseShape("batch=2,M=32,N=48,K=16")), List.of(), copy);
            assertEquals(1, rows.size());
            BenchResult row = rows.get(0);
            assertEquals("cpu-reference", row.impl());
            assertEquals(4L * 2 * (32 * 16 + 16 * 48 + 32 * 48), row.bytes());
            assertEquals(2.0 * 2 * 32 * 48 * 16, row.flops());
            assertEquals(row.bytes() / (row.medianMs() * 1e6), row.gbPerS(), 1e-9);
            assertEquals(1.0, row.speedupOverBaseline(), 1e-12, "the baseline against itself");
            assertTrue(row.minMs() <= row.medianMs());
            assertTrue(row.toJson().startsWith("{\"kernel\":\"gemm\""), row.toJson());
        }
    }

    @Test
    void convOnCpuUsesTheFormulas() {
        try (CpuBackend cpu = new CpuBackend()) {
            BenchRunner r = new BenchRunner(cpu, 0, 2);
            BenchCase conv = Benches.get("conv");
            List<BenchResult> rows = r.run(conv, List.of(conv.parseShape("B=2,Cin=3,Cout=4,H=5,W=6")), List.of(), 1);
            assertEquals(1, rows.size());
            assertEquals(4L * (2 * 3 * 30 + 4 * 3 * 9 + 2 * 4 * 30), rows.get(0).bytes());
            assertEquals(2.0 * 2 * 4 * 30 * 3 * 9, rows.get(0).flops());
        }
    }

    @Test
    void layerPrimitivesWithoutABaseline() {
        try (CpuBackend cpu = new CpuBackend()) {
            BenchCase layers = Benches.get("layers");
            List<BenchResult> rows = new BenchRunner(cpu, 0, 2).run(layers, List.of(layers.parseShape("B=2,C=3,H=4,W=6")),
                    List.of(), 1);
            assertEquals(6, rows.size());
            assertEquals(4L * 5 * 144, rows.get(0).bytes(), "upsample: read n, write 4n");
            assertTrue(Double.isNaN(rows.get(0).speedupOverBaseline()), "no baseline, no speed-up");
        }
    }

    @Test
    void badShapesAndImplsAreOneLine() {
        BenchCase gemm = Benches.get("gemm");
        OpInputException e = assertThrows(OpInputException.class, () -> gemm.parseShape("batch=1,M=2,N=3"));
        assertEquals("--shape: missing K (expected keys batch,M,N,K), got 'batch=1,M=2,N=3'", e.getMessage());
        e = assertThrows(OpInputException.class, () -> gemm.parseShape("batch=1,M=0,N=3,K=1"));
        assertEquals("--shape: M must be a positive integer, got '0'", e.getMessage());
        try (CpuBackend cpu = new CpuBackend()) {
            e = assertThrows(OpInputException.class, () -> new BenchRunner(cpu, 0, 1)
                    .run(gemm, gemm.defaultShapes(), List.of("tiled"), 1));
            assertEquals("--impl: gemm on reference has [cpu-reference], not 'tiled'", e.getMessage());
        }
        assertEquals(2.5, BenchRunner.median(new double[] {4, 1, 2, 3}));
    }
}
