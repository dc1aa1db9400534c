package sagan4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import sagan4j.bench.BenchCase;
import sagan4j.bench.BenchResult;
import sagan4j.bench.BenchRunner;
import sagan4j.bench.Benches;

/** Every bench case runs every CUDA implementation on a small shape (timings themselves are not asserted). */
@Tag("native")
class BenchNativeTest {
    @Test
    void everyCaseRunsEveryImplementation() {
        try (CudaBackend be = Gpu.open(CudaBackend.Options.defaults())) {
            BenchRunner r = new BenchRunner(be, 1, 3);
            double copy = r.copyBandwidth(64L << 20);
            assertTrue(copy > 10, "device copy bandwidth " + copy + " GB/s");
            for (BenchCase c : Benches.all()) {
                List<BenchResult> rows = r.run(c, List.of(c.defaultShapes().get(c.defaultShapes().size() - 1)), List.of(), copy);
                assertEquals(c.impls(be).size(), rows.size(), c.name());
                for (BenchResult row : rows) {
                    assertTrue(row.medianMs() > 0, row.toJson());
                }
            }
        }
    }
}
