package sagan4j.examples;

import static sagan4j.testing.Reference.random;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;
import sagan4j.testing.AttentionReference;
import sagan4j.testing.Reference;

/** Runs the README/doc embedding example of the attention kernels exactly as written, and checks its output. */
@Tag("native")
class AttentionExampleNativeTest {
    @Test
    void embeddingExampleComputesAttention() {
        Gpu.open(CudaBackend.Options.defaults()).close();   // skips (or fails under SAGAN4J_REQUIRE_GPU) without a GPU
        SplittableRandom rng = new SplittableRandom(1);
        int b = 2, n = 256, m = 64, d = 16, c = 64;   // SAGAN 32x32 generator attention
        float[] q = random(rng, b * n * d, 1), k = random(rng, b * m * d, 1), v = random(rng, b * m * c, 1);
        float[] o = AttentionExample.run(q, k, v, b, n, m, d, c);
        Reference.assertClose("example o", o, AttentionReference.forward(b, n, m, d, c, 1, q, k, v).o(), 1e-5);
    }
}
