package sagan4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import sagan4j.reference.ReferenceBackend;

/** {@code bench optim} runs every implementation on the CPU backend, with the bytes of its formulas. */
class OptimBenchTest {
    @Test
    void runsEveryImplementationOnTheCpuBackend() {
        try (ReferenceBackend cpu = new ReferenceBackend()) {
            BenchCase optim = Benches.get("optim");
            List<BenchResult> rows = new BenchRunner(cpu, 1, 3).run(optim, List.of(optim.parseShape("T=3,S=10")), List.of(), 2);
            assertEquals(List.of("adam-multi", "adam-per-tensor", "ema-multi", "zero-multi", "gan-loss"),
                    rows.stream().map(BenchResult::impl).toList());
            long n = 3 * 10;
            assertEquals(List.of(28 * n, 28 * n, 12 * n, 4 * n, 8L * 10 + 16), rows.stream().map(BenchResult::bytes).toList());
            rows.forEach(row -> assertEquals(3, row.calls(), row.impl()));
            assertEquals("small network", optim.defaultShapes().get(optim.defaultShapes().size() - 1).label());
        }
    }
}
