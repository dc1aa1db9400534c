package sagan4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import sagan4j.bench.BenchCase;
import sagan4j.bench.BenchResult;
import sagan4j.bench.BenchRunner;
import sagan4j.bench.Benches;

/**
 * {@code bench}'s launches per call (the GPU runner's launch ratios against PyTorch come from them), against
 * the launch structure each kernel's bench documents: conditional batch norm {@code fused} is one kernel and
 * {@code two-pass} three (statistics, then normalise); the grouped spectral norm is one cooperative launch
 * for every weight per power-iteration step, while the per-layer chain is four phase launches per weight
 * and step.
 */
@Tag("native")
class BenchLaunchesNativeTest {
    @Test
    void launchesPerCallFollowTheKernelsStructure() {
        try (CudaBackend be = Gpu.open(CudaBackend.Options.defaults())) {
            BenchRunner r = new BenchRunner(be, 1, 2);
            Map<String, Double> cbn = launches(r, Benches.get("cond-batchnorm"), "B=4,C=8,H=4,W=4,K=3");
            assertEquals(1.0, cbn.get("fused"), cbn.toString());
            assertEquals(3.0, cbn.get("two-pass"), cbn.toString());
            Map<String, Double> sn = launches(r, Benches.get("spectral-norm"), "weights=3,out=8,rest=12,iters=1");
            assertEquals(1.0, sn.get("grouped"), sn.toString());
            assertEquals(4.0 * 3, sn.get("chain"), sn.toString());
        }
    }

    private static Map<String, Double> launches(BenchRunner r, BenchCase c, String shape) {
        List<BenchResult> rows = r.run(c, List.of(c.parseShape(shape)), List.of(), 1);
        return rows.stream().collect(Collectors.toMap(BenchResult::impl, BenchResult::launches));
    }
}
