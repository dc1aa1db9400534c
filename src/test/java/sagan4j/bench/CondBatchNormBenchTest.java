package sagan4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import sagan4j.reference.ReferenceBackend;

/** {@code bench cond-batchnorm} runs on the CPU backend, with the bytes of its formula. */
class CondBatchNormBenchTest {
    @Test
    void runsOnTheCpuBackend() {
        try (ReferenceBackend cpu = new ReferenceBackend()) {
            BenchRunner r = new BenchRunner(cpu, 1, 3);
            BenchCase cbn = Benches.get("cond-batchnorm");
            List<BenchResult> rows = r.run(cbn, List.of(cbn.parseShape("B=4,C=3,H=5,W=5,K=2")), List.of(), 10);
            assertEquals(1, rows.size());
            BenchResult row = rows.get(0);
            assertEquals("cpu-reference", row.impl());
            assertEquals(4L * (2 * 4 * 3 * 25 + 2 * 4 * 3 + 4 * 3), row.bytes());
            assertEquals(8.0 * 4 * 3 * 25, row.flops());
            assertEquals(3, row.calls());
            // the last default shape is the small one BenchNativeTest runs
            BenchShape last = cbn.defaultShapes().get(cbn.defaultShapes().size() - 1);
            assertEquals("SAGAN-32 G 4x4", last.label());
        }
    }
}
