package sagan4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import sagan4j.backend.Backend;
import sagan4j.reference.ReferenceBackend;

/** {@code bench attention} and {@code bench attention-backward} run on the CPU backend; bytes and FLOPs by formula. */
class AttentionBenchTest {
    @Test
    void bothCasesRunOnTheCpu() {
        try (Backend be = new ReferenceBackend()) {
            BenchRunner r = new BenchRunner(be, 1, 2);
            for (String name : List.of("attention", "attention-backward")) {
                BenchCase c = Benches.get(name);
                BenchShape s = c.parseShape("B=2,N=9,M=5,d=3,c=7");
                List<BenchResult> rows = r.run(c, List.of(s), List.of(), 10.0);
                assertEquals(1, rows.size(), name);
                BenchResult row = rows.get(0);
                assertEquals("reference", row.impl());
                assertEquals(2, row.calls(), row.toJson());
                assertTrue(Double.isNaN(row.speedupOverBaseline()), "no baseline on the CPU");
                boolean bw = name.endsWith("backward");
                assertEquals(bw ? 4L * 2 * (2 * 9 * 3 + 2 * 5 * 3 + 2 * 5 * 7 + 3 * 9 * 7 + 9)
                        : 4L * 2 * (9 * 3 + 5 * 3 + 5 * 7 + 9 * 7 + 9), row.bytes(), name);
                assertEquals(2.0 * 2 * 9 * 5 * (bw ? 3 * 3 + 2 * 7 : 3 + 7), row.flops(), name);
            }
        }
    }

    @Test
    void defaultShapesAreTheModelsOnes() {
        List<BenchShape> shapes = Benches.get("attention").defaultShapes();
        assertTrue(shapes.stream().anyMatch(s -> s.spec().equals("B=64,N=256,M=64,d=16,c=64")), shapes.toString());
        assertTrue(shapes.stream().anyMatch(s -> s.spec().equals("B=64,N=256,M=64,d=8,c=32")), shapes.toString());
        assertTrue(shapes.stream().anyMatch(s -> s.spec().equals("B=8,N=4096,M=1024,d=24,c=96")), shapes.toString());
    }
}
