package sagan4j.cuda.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import sagan4j.bench.StepBench;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.DeviceCounters;
import sagan4j.cuda.Gpu;
import sagan4j.models.GanConfig;

/**
 * The GPU work of one training step of each preset (after three warm-up steps), as {@code bench step --device
 * cuda} counts it: kernel launches, cuBLAS/cuDNN calls, copies, synchronisations, cuMemAlloc. The counts are
 * exact and the same on the emulator as on a GPU (they depend only on the code path), so each is held to a
 * ceiling: the count recorded in docs/performance.md after issue 10's fusions (multi-tensor Adam and gradient
 * zeroing, the grouped spectral norm per network, bias + activation epilogues, the SN backward accumulating into
 * the gradient). A change that adds launches or round trips to the step fails here and must say why (and raise
 * the ceiling). After three warm-up steps a step allocates nothing new on the device (the caching allocator
 * serves it; with one warm-up the D step still made 33 cuMemAlloc calls, because D's scratch changes shape
 * between the D step's batch of 2B and the G step's B, and the cache holds both sizes only from the third step on).
 */
@Tag("native")
class StepCountsNativeTest {
    private static final Gpu.Shared CUDA = new Gpu.Shared(CudaBackend.Options.defaults());

    @AfterAll
    static void close() {
        CUDA.close();
    }

    /**
     * Ceilings per D step and per G step, "kernels/library calls/H→D/D→H/D→D/syncs" (measured on the emulator,
     * 2026-12-01, cuDNN convolutions and cuBLAS GEMMs; every upload still synchronises the stream). Before the
     * fusions tiny's were D 296/65/5/1/15/7 and G 370/76/3/1/18/5.
     */
    @ParameterizedTest(name = "{0} batch {1}")
    @CsvSource({
        "tiny, 4, 180/65/5/1/15/7, 235/76/3/1/18/5",
        "sagan32, 4, 180/65/5/1/15/7, 235/76/3/1/18/5",
    })
    void stepStaysUnderItsCeilings(String preset, int batch, String dCeiling, String gCeiling) {
        check(preset, batch, dCeiling, gCeiling);
    }

    /** The BigGAN presets: minutes per step on the emulator, so only when asked for (--include-tag large). */
    @Tag("large")
    @ParameterizedTest(name = "{0} batch {1}")
    @CsvSource({
        "biggan32, 4, 207/81/5/1/15/7, 356/184/3/1/18/5",
    })
    void bigganStepStaysUnderItsCeilings(String preset, int batch, String dCeiling, String gCeiling) {
        check(preset, batch, dCeiling, gCeiling);
    }

    private static void check(String preset, int batch, String dCeiling, String gCeiling) {
        StepBench.Result r = StepBench.run(CUDA.get(), GanConfig.preset(preset), batch, 3, 1);
        System.out.println(preset + " batch " + batch + ", D step: " + r.dCounts());
        System.out.println(preset + " batch " + batch + ", G step: " + r.gCounts());
        check(preset + " D step", r.dCounts(), dCeiling);
        check(preset + " G step", r.gCounts(), gCeiling);
    }

    private static void check(String what, DeviceCounters.Snapshot c, String ceilings) {
        long[] ceiling = Arrays.stream(ceilings.split("/")).mapToLong(Long::parseLong).toArray();
        assertTrue(c.kernels() > 0 && c.libraryCalls() > 0, what + ": the step reached the GPU: " + c);
        assertEquals(0, c.allocations(), what + ": cuMemAlloc inside a warm step: " + c);
        long[] got = {c.kernels(), c.libraryCalls(), c.copiesToDevice(), c.copiesToHost(), c.copiesOnDevice(), c.syncs()};
        String[] names = {"kernels", "library calls", "H→D copies", "D→H copies", "D→D copies", "syncs"};
        for (int i = 0; i < got.length; i++) {
            assertTrue(got[i] <= ceiling[i], what + ": " + got[i] + " " + names[i] + ", ceiling " + ceiling[i] + " (" + c + ")");
        }
    }
}
