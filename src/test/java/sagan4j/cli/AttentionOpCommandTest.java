package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sagan4j.testing.Reference.assertClose;
import static sagan4j.testing.Reference.random;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.io.Npy;
import sagan4j.io.NpyArray;
import sagan4j.testing.AttentionReference;

/** {@code sagan4j op attention} and {@code attention-backward} on the CPU: values, keys, and one-line errors. */
class AttentionOpCommandTest {
    @TempDir
    Path dir;

    private final SplittableRandom rng = new SplittableRandom(5);

    private String npy(String name, NpyArray a) throws Exception {
        Path f = dir.resolve(name + ".npy");
        Npy.write(f, a);
        return f.toString();
    }

    @Test
    void attentionHandComputed() throws Exception {
        // scores [0, ln 3] → softmax [1/4, 3/4] → o = 1/4·[4, 1] + 3/4·[8, -1] = [7, -0.5]
        String q = npy("q", NpyArray.ofFloats(new float[] {1}, 1, 1, 1));
        String k = npy("k", NpyArray.ofFloats(new float[] {0, (float) Math.log(3)}, 1, 2, 1));
        String v = npy("v", NpyArray.ofFloats(new float[] {4, 1, 8, -1}, 1, 2, 2));
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("op", "attention", "--device", "cpu", "--in", "q=" + q, "--in", "k=" + k, "--in", "v=" + v,
                "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        NpyArray o = Npy.read(out.resolve("o.npy"));
        assertArrayEquals(new int[] {1, 1, 2}, o.shape());
        assertArrayEquals(new float[] {7f, -0.5f}, o.floats(), 2e-6f);
        // scale 2: scores [0, 2 ln 3] → [1/10, 9/10] → o = [7.6, -0.8]
        r = CliRun.of("op", "attention", "--in", "q=" + q, "--in", "k=" + k, "--in", "v=" + v, "--out", out.toString(),
                "--param", "scale=2");
        assertEquals(0, r.exit(), r.err());
        assertArrayEquals(new float[] {7.6f, -0.8f}, Npy.read(out.resolve("o.npy")).floats(), 2e-6f);
    }

    @Test
    void forwardAndBackwardOnRandomInputsMatchTheReference() throws Exception {
        int b = 2, n = 7, m = 5, d = 3, c = 4;
        float scale = 0.5f;
        float[] q = random(rng, b * n * d, 1), k = random(rng, b * m * d, 1), v = random(rng, b * m * c, 1);
        float[] go = random(rng, b * n * c, 1);
        String[] in = {"--in", "q=" + npy("q", NpyArray.ofFloats(q, b, n, d)), "--in", "k=" + npy("k", NpyArray.ofFloats(k, b, m, d)),
            "--in", "v=" + npy("v", NpyArray.ofFloats(v, b, m, c))};
        Path out = dir.resolve("out");
        CliRun r = CliRun.of(concat(new String[] {"op", "attention", "--out", out.toString(), "--param", "scale=0.5"}, in));
        assertEquals(0, r.exit(), r.err());
        assertClose("o", Npy.read(out.resolve("o.npy")).floats(),
                AttentionReference.forward(b, n, m, d, c, scale, q, k, v).o(), 1e-6);

        r = CliRun.of(concat(new String[] {"op", "attention-backward", "--out", out.toString(), "--param", "scale=0.5",
            "--in", "grad_o=" + npy("go", NpyArray.ofFloats(go, b, n, c))}, in));
        assertEquals(0, r.exit(), r.err());
        double[][] g = AttentionReference.gradients(b, n, m, d, c, scale, q, k, v, go);
        String[] keys = {"grad_q", "grad_k", "grad_v"};
        int[][] shapes = {{b, n, d}, {b, m, d}, {b, m, c}};
        for (int i = 0; i < 3; i++) {
            NpyArray a = Npy.read(out.resolve(keys[i] + ".npy"));
            assertArrayEquals(shapes[i], a.shape(), keys[i]);
            assertClose(keys[i], a.floats(), g[i], 1e-6);
        }
    }

    @Test
    void listShowsKeysAndShapes() {
        CliRun r = CliRun.of("op", "--list");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("attention — "), r.out());
        assertTrue(r.out().contains("q (B,N,d)  k (B,M,d)  v (B,M,c)"), r.out());
        assertTrue(r.out().contains("grad_o (B,N,c)"), r.out());
        assertTrue(r.out().contains("grad_q (B,N,d)  grad_k (B,M,d)  grad_v (B,M,c)"), r.out());
    }

    private void assertRejected(String expectedLine, Path out, String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(2, r.exit(), r.out() + r.err());
        assertEquals(expectedLine, r.err().strip());
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void badInputIsOneLineAndWritesNothing() throws Exception {
        String q = npy("q", NpyArray.ofFloats(random(rng, 2 * 5 * 4, 1), 2, 5, 4));
        String k = npy("k", NpyArray.ofFloats(random(rng, 2 * 3 * 4, 1), 2, 3, 4));
        String v = npy("v", NpyArray.ofFloats(random(rng, 2 * 3 * 6, 1), 2, 3, 6));
        String kBadD = npy("kd", NpyArray.ofFloats(random(rng, 2 * 3 * 5, 1), 2, 3, 5));
        String vBadB = npy("vb", NpyArray.ofFloats(random(rng, 3 * 3 * 6, 1), 3, 3, 6));
        String q2 = npy("q2", NpyArray.ofFloats(random(rng, 8, 1), 2, 4));
        float[] inf = random(rng, 2 * 3 * 6, 1);
        inf[7] = Float.POSITIVE_INFINITY;
        String vInf = npy("vinf", NpyArray.ofFloats(inf, 2, 3, 6));
        String goBad = npy("gob", NpyArray.ofFloats(random(rng, 2 * 5 * 5, 1), 2, 5, 5));
        String ints = npy("ints", NpyArray.ofInts(new int[] {1, 2, 3, 4, 5, 6}, 1, 2, 3));
        Path out = dir.resolve("never");
        String o = out.toString();
        assertRejected("sagan4j op: attention: input 'k' must have shape (B=2, M=3, d=4), got [2, 3, 5] (d is 4)", out,
                "op", "attention", "--in", "q=" + q, "--in", "k=" + kBadD, "--in", "v=" + v, "--out", o);
        assertRejected("sagan4j op: attention: input 'v' must have shape (B=2, M=3, c), got [3, 3, 6] (B is 2)", out,
                "op", "attention", "--in", "q=" + q, "--in", "k=" + k, "--in", "v=" + vBadB, "--out", o);
        assertRejected("sagan4j op: attention: input 'q' must have rank 3 (B,N,d), got shape [2, 4]", out,
                "op", "attention", "--in", "q=" + q2, "--in", "k=" + k, "--in", "v=" + v, "--out", o);
        assertRejected("sagan4j op: attention: missing input 'v' (expected shape (B,M,c))", out,
                "op", "attention", "--in", "q=" + q, "--in", "k=" + k, "--out", o);
        assertRejected("sagan4j op: attention: unknown input key 'grad_o' (expected [q (B,N,d), k (B,M,d), v (B,M,c)])", out,
                "op", "attention", "--in", "q=" + q, "--in", "k=" + k, "--in", "v=" + v, "--in", "grad_o=" + q, "--out", o);
        assertRejected("sagan4j op: attention: input 'v' element 7 is Infinity (expected finite values)", out,
                "op", "attention", "--in", "q=" + q, "--in", "k=" + k, "--in", "v=" + vInf, "--out", o);
        assertRejected("sagan4j op: attention: input 'q' must be float32, got integers", out,
                "op", "attention", "--in", "q=" + ints, "--in", "k=" + k, "--in", "v=" + v, "--out", o);
        assertRejected("sagan4j op: attention: unknown param 'scal' (expected one of [scale])", out,
                "op", "attention", "--in", "q=" + q, "--in", "k=" + k, "--in", "v=" + v, "--out", o, "--param", "scal=1");
        assertRejected("sagan4j op: param scale: expected a finite number, got 'inf'", out,
                "op", "attention", "--in", "q=" + q, "--in", "k=" + k, "--in", "v=" + v, "--out", o, "--param", "scale=inf");
        assertRejected("sagan4j op: attention-backward: missing input 'grad_o' (expected shape (B,N,c))", out,
                "op", "attention-backward", "--in", "q=" + q, "--in", "k=" + k, "--in", "v=" + v, "--out", o);
        assertRejected("sagan4j op: attention-backward: input 'grad_o' must have shape (B=2, N=5, c=6), got [2, 5, 5] (c is 6)",
                out, "op", "attention-backward", "--in", "q=" + q, "--in", "k=" + k, "--in", "v=" + v,
                "--in", "grad_o=" + goBad, "--out", o);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
