package sagan4j.cuda.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static sagan4j.testing.Reference.assertClose;
import static sagan4j.testing.Reference.nans;
import static sagan4j.testing.Reference.random;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.reference.ReferenceBackend;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;

/**
 * Every CUDA attention version against the CPU reference (double accumulation) on the models' shapes and
 * awkward ones: fresh random inputs, outputs poisoned with NaN before each run, relative L2 ≤ 1e-5 with
 * every element checked as written, and each result bitwise identical when the call is repeated. The
 * backward gets the CPU forward's o and lse on both sides, so that it is checked on its own.
 */
@Tag("native")
class AttentionVsCpuNativeTest {
    private static final Backend CPU = new ReferenceBackend();
    private static CudaBackend cuda;
    private final SplittableRandom rng = new SplittableRandom(17);

    @BeforeAll
    static void open() {
        cuda = Gpu.open(CudaBackend.Options.defaults());
    }

    @AfterAll
    static void close() {
        if (cuda != null) {
            cuda.close();
        }
    }

    @ParameterizedTest(name = "{0}: B={1} N={2} M={3} d={4} c={5}")
    @CsvSource({
        "primes,                 3, 67, 17, 7, 13",
        "batch 1 tiny,           1, 1, 2, 1, 1",
        "d > 32 and c > 96,      2, 33, 9, 40, 100",
        "fused limits d=32 c=96, 2, 97, 33, 32, 96",
        "c = 97,                 5, 13, 2, 3, 97",
        "c = 200: column chunks, 2, 70, 40, 5, 200",
        "many key tiles,         1, 2, 2049, 5, 11",
        "batch > 65535,          65537, 1, 2, 1, 1",
        "SAGAN-32 D at batch 2,  2, 256, 64, 8, 32",
        "d = 64 c = 64: d tile 64,          2, 70, 33, 64, 64",
        "d = 48 c = 40,                     1, 45, 31, 48, 40",
        "d = 33 c = 96: backward simple,    2, 40, 20, 33, 96",
        "d = 65: simple both ways,          1, 9, 5, 65, 8",
        "N split in 2 with a tail,          1, 520, 40, 24, 96",
        "N split at d 64,                   1, 600, 32, 64, 64",
        "N split in 8,                      1, 2048, 32, 12, 48",
    })
    void awkwardShapes(String label, int batch, int n, int m, int d, int c) {
        check(batch, n, m, d, c, 1f);
    }

    @Tag("large")
    @ParameterizedTest(name = "{0}: B={1} N={2} M={3} d={4} c={5}")
    @CsvSource({
        "SAGAN-32 G,        64, 256, 64, 16, 64",
        "SAGAN-32 D,        64, 256, 64, 8, 32",
        "BigGAN-128 C=192,  1, 4096, 1024, 24, 96",
        "BigGAN-128 C=96,   1, 4096, 1024, 12, 48",
        "BigGAN-128 C=144,  1, 4096, 1024, 18, 72",
    })
    void modelShapes(String label, int batch, int n, int m, int d, int c) {
        check(batch, n, m, d, c, 1f);
    }

    /**
     * Which shapes the fused kernels cover (d ≤ 64 forward; d ≤ 32 with c ≤ 96 or d ≤ 64 with c ≤ 64 backward),
     * and that a shape they do not cover says so in one line, once per direction and shape, naming both.
     */
    @Test
    void fusedSaysOnceWhenItFallsBack() {
        CudaAttention att = (CudaAttention) cuda.attention();
        int before = att.fallbacks().size();
        for (int run = 0; run < 2; run++) {
            check(1, 5, 3, 64, 64, 1f);   // covered both ways
            check(1, 5, 3, 33, 96, 1f);   // backward falls back
            check(1, 5, 3, 70, 8, 1f);    // both fall back
        }
        List<String> lines = att.fallbacks().subList(before, att.fallbacks().size());
        assertEquals(List.of(
                "sagan4j attention backward B=1,N=5,M=3,d=33,c=96: fused falls back to simple (the fused backward needs d <= 32 with c <= 96, or d <= 64 with c <= 64; got d=33, c=96)",
                "sagan4j attention forward B=1,N=5,M=3,d=70,c=8: fused falls back to simple (the fused forward needs d <= 64, got d=70)",
                "sagan4j attention backward B=1,N=5,M=3,d=70,c=8: fused falls back to simple (the fused backward needs d <= 32 with c <= 96, or d <= 64 with c <= 64; got d=70, c=8)"),
                lines);
    }

    private void check(int batch, int n, int m, int d, int c, float scale) {
        float[] q = random(rng, batch * n * d, 1), k = random(rng, batch * m * d, 1), v = random(rng, batch * m * c, 1);
        float[] go = random(rng, batch * n * c, 1);
        float[] o, lse, gq, gk, gv;
        try (Tensor tq = CPU.fromHost(q, batch, n, d); Tensor tk = CPU.fromHost(k, batch, m, d);
             Tensor tv = CPU.fromHost(v, batch, m, c); Tensor tgo = CPU.fromHost(go, batch, n, c);
             Tensor to = CPU.zeros(batch, n, c); Tensor tl = CPU.zeros(batch, n);
             Tensor tgq = CPU.zeros(batch, n, d); Tensor tgk = CPU.zeros(batch, m, d); Tensor tgv = CPU.zeros(batch, m, c)) {
            CPU.attention().forward(tq, tk, tv, scale, to, tl);
            CPU.attention().backward(tq, tk, tv, to, tl, tgo, scale, tgq, tgk, tgv);
            o = CPU.toHostFloats(to);
            lse = CPU.toHostFloats(tl);
            gq = CPU.toHostFloats(tgq);
            gk = CPU.toHostFloats(tgk);
            gv = CPU.toHostFloats(tgv);
        }
        List<String> impls = cuda.attention().impls();
        assertEquals(List.of("fused", "simple", "baseline"), impls);
        try (Tensor tq = cuda.fromHost(q, batch, n, d); Tensor tk = cuda.fromHost(k, batch, m, d);
             Tensor tv = cuda.fromHost(v, batch, m, c); Tensor tgo = cuda.fromHost(go, batch, n, c);
             Tensor cpuO = cuda.fromHost(o, batch, n, c); Tensor cpuLse = cuda.fromHost(lse, batch, n);
             Tensor to = cuda.empty(sagan4j.backend.DType.FLOAT32, batch, n, c);
             Tensor tl = cuda.empty(sagan4j.backend.DType.FLOAT32, batch, n);
             Tensor tgq = cuda.empty(sagan4j.backend.DType.FLOAT32, batch, n, d);
             Tensor tgk = cuda.empty(sagan4j.backend.DType.FLOAT32, batch, m, d);
             Tensor tgv = cuda.empty(sagan4j.backend.DType.FLOAT32, batch, m, c)) {
            for (String impl : impls) {
                cuda.attention().setImpl(impl);
                float[][] first = null;
                for (int run = 0; run < 2; run++) {
                    cuda.upload(nans(batch * n * c), to);
                    cuda.upload(nans(batch * n), tl);
                    cuda.upload(nans(batch * n * d), tgq);
                    cuda.upload(nans(batch * m * d), tgk);
                    cuda.upload(nans(batch * m * c), tgv);
                    cuda.attention().forward(tq, tk, tv, scale, to, tl);
                    cuda.attention().backward(tq, tk, tv, cpuO, cpuLse, tgo, scale, tgq, tgk, tgv);
                    float[][] got = {cuda.toHostFloats(to), cuda.toHostFloats(tl), cuda.toHostFloats(tgq),
                        cuda.toHostFloats(tgk), cuda.toHostFloats(tgv)};
                    if (first == null) {
                        String w = impl + " B=" + batch + " N=" + n + " M=" + m + " d=" + d + " c=" + c + " ";
                        assertClose(w + "o", got[0], o, 1e-5);
                        assertClose(w + "lse", got[1], lse, 1e-5);
                        if (m > 1) {   // one key: grad_q = grad_k = 0 up to rounding
                            assertClose(w + "grad_q", got[2], gq, 1e-5);
                            assertClose(w + "grad_k", got[3], gk, 1e-5);
                        }
                        assertClose(w + "grad_v", got[4], gv, 1e-5);
                        first = got;
                    } else {
                        String[] names = {"o", "lse", "grad_q", "grad_k", "grad_v"};
                        for (int i = 0; i < 5; i++) {
                            assertArrayEquals(first[i], got[i], impl + " " + names[i] + " differs between two runs");
                        }
                    }
                }
            }
        } finally {
            cuda.attention().setImpl("fused");
        }
    }
}
