package sagan4j.cuda.train;

import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import sagan4j.bench.StepBench;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.DeviceCounters;
import sagan4j.cuda.Gpu;
import sagan4j.models.GanConfig;

@Tag("native")
class PresetStepCountsNativeTest {
    private static final Gpu.Shared CUDA = new Gpu.Shared(CudaBackend.Options.defaults());

    @AfterAll
    static void close() {
        CUDA.close();
    }

    @ParameterizedTest
    @CsvSource({"tiny,4", "biggan32,4"})
    void counts(String preset, int batch) {
        long t0 = System.nanoTime();
        Map<String, Long> k0 = DeviceCounters.kernelsByName();
        StepBench.Result r = StepBench.run(CUDA.get(), GanConfig.preset(preset), batch, 3, 1);
        Map<String, Long> k1 = DeviceCounters.kernelsByName();
        Map<String, Long> d = new TreeMap<>();
        k1.forEach((k, v) -> d.put(k, (v - k0.getOrDefault(k, 0L)) / 4));
        System.out.println("COUNTS " + preset + " b" + batch + " D: " + r.dCounts());
        System.out.println("COUNTS " + preset + " b" + batch + " G: " + r.gCounts());
        System.out.println("COUNTS " + preset + " per step by kernel: " + d);
        System.out.println("COUNTS " + preset + " took " + (System.nanoTime() - t0) / 1e9 + " s");
    }
}
