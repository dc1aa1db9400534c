package sagan4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import sagan4j.bench.BenchCase;
import sagan4j.bench.BenchResult;
import sagan4j.bench.BenchRunner;
import sagan4j.bench.Benches;

/**
 * Every bench case runs every CUDA implementation on a small shape, each timed the number of calls asked for.
 * Nothing about speed is asserted: on the emulator, or on a shared GPU, the times depend on the load.
 */
@Tag("native")
class BenchNativeTest {
    @Test
    void everyCaseRunsEveryImplementation() {
        try (CudaBackend be = Gpu.open(CudaBackend.Options.defaults())) {
            BenchRunner r = new BenchRunner(be, 1, 3);
            double copy = r.copyBandwidth(64L << 20);
            for (BenchCase c : Benches.all()) {
                List<BenchResult> rows = r.run(c, List.of(c.defaultShapes().get(c.defaultShapes().size() - 1)), List.of(), copy);
                assertEquals(c.impls(be), rows.stream().map(BenchResult::impl).toList(), c.name());
                for (BenchResult row : rows) {
                    assertEquals(3, row.calls(), row.toJson());
                }
            }
        }
    }
}
