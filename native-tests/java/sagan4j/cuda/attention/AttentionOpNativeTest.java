package sagan4j.cuda.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static sagan4j.testing.Reference.assertClose;
import static sagan4j.testing.Reference.random;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import sagan4j.reference.ReferenceBackend;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;
import sagan4j.io.NpyArray;
import sagan4j.ops.OpRunner;
import sagan4j.ops.Ops;
import sagan4j.ops.Params;

/** {@code sagan4j op attention / attention-backward --device cuda} give the CPU's outputs (same keys and shapes). */
@Tag("native")
class AttentionOpNativeTest {
    @Test
    void opsOnCudaMatchTheCpu() {
        SplittableRandom rng = new SplittableRandom(23);
        int b = 3, n = 37, m = 11, d = 16, c = 64;
        Map<String, NpyArray> in = new LinkedHashMap<>();
        in.put("q", NpyArray.ofFloats(random(rng, b * n * d, 1), b, n, d));
        in.put("k", NpyArray.ofFloats(random(rng, b * m * d, 1), b, m, d));
        in.put("v", NpyArray.ofFloats(random(rng, b * m * c, 1), b, m, c));
        Params scale = new Params(Map.of("scale", "0.7"));
        try (CudaBackend cuda = Gpu.open(CudaBackend.Options.defaults()); ReferenceBackend cpu = new ReferenceBackend()) {
            compare(OpRunner.run(Ops.get("attention"), cuda, in, scale), OpRunner.run(Ops.get("attention"), cpu, in, scale));
            in.put("grad_o", NpyArray.ofFloats(random(rng, b * n * c, 1), b, n, c));
            compare(OpRunner.run(Ops.get("attention-backward"), cuda, in, scale),
                    OpRunner.run(Ops.get("attention-backward"), cpu, in, scale));
        }
    }

    private static void compare(Map<String, NpyArray> gpu, Map<String, NpyArray> cpu) {
        assertEquals(cpu.keySet(), gpu.keySet());
        for (String key : cpu.keySet()) {
            assertArrayEquals(cpu.get(key).shape(), gpu.get(key).shape(), key);
            assertClose(key, gpu.get(key).floats(), cpu.get(key).floats(), 1e-5);
        }
    }
}
