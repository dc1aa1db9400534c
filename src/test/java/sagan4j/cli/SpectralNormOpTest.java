package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.io.Npy;
import sagan4j.io.NpyArray;
import sagan4j.testing.Reference;

/** {@code sagan4j op spectral-norm} and {@code spectral-norm-backward} on the CPU: values and one-line errors. */
class SpectralNormOpTest {
    @TempDir
    Path dir;

    private String npy(String name, NpyArray a) throws Exception {
        Path f = dir.resolve(name + ".npy");
        Npy.write(f, a);
        return f.toString();
    }

    @Test
    void oneStepByHandOnAConvShapedWeight() throws Exception {
        // w (2, 1, 1, 2) viewed as [[3, 0], [0, 1]]; u = [1, 1] → σ = √8.2, v = [3, 1]/√10, u = [9, 1]/√82
        String w = npy("w", NpyArray.ofFloats(new float[] {3, 0, 0, 1}, 2, 1, 1, 2));
        String u = npy("u", NpyArray.ofFloats(new float[] {1, 1}, 2));
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("op", "spectral-norm", "--device", "cpu", "--in", "w=" + w, "--in", "u=" + u,
                "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        float s = (float) Math.sqrt(8.2);
        NpyArray sigma = Npy.read(out.resolve("sigma.npy"));
        assertArrayEquals(new int[] {1}, sigma.shape());
        assertArrayEquals(new float[] {s}, sigma.floats());
        NpyArray wsn = Npy.read(out.resolve("w_sn.npy"));
        assertArrayEquals(new int[] {2, 1, 1, 2}, wsn.shape());
        assertArrayEquals(new float[] {3 / s, 0, 0, 1 / s}, wsn.floats());
        assertArrayEquals(new float[] {(float) (9 / Math.sqrt(82)), (float) (1 / Math.sqrt(82))},
                Npy.read(out.resolve("u.npy")).floats());
        assertArrayEquals(new float[] {(float) (3 / Math.sqrt(10)), (float) (1 / Math.sqrt(10))},
                Npy.read(out.resolve("v.npy")).floats());
    }

    @Test
    void evalWithGivenVectorsAndTheBackward() throws Exception {
        int m = 3, n = 4;
        SplittableRandom rng = new SplittableRandom(9);
        float[] wf = Reference.random(rng, m * n, 1), uf = Reference.random(rng, m, 1), vf = Reference.random(rng, n, 1);
        float[] gf = Reference.random(rng, m * n, 1);
        String w = npy("w", NpyArray.ofFloats(wf, m, n)), u = npy("u", NpyArray.ofFloats(uf, m));
        String v = npy("v", NpyArray.ofFloats(vf, n)), g = npy("g", NpyArray.ofFloats(gf, m, n));
        double sigma = 0, gw = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                sigma += (double) uf[i] * wf[i * n + j] * vf[j];
                gw += (double) gf[i * n + j] * wf[i * n + j];
            }
        }
        Path out = dir.resolve("eval");
        CliRun r = CliRun.of("op", "spectral-norm", "--in", "w=" + w, "--in", "u=" + u, "--in", "v=" + v,
                "--out", out.toString(), "--param", "iters=0");
        assertEquals(0, r.exit(), r.err());
        assertEquals(sigma, Npy.read(out.resolve("sigma.npy")).floats()[0], 1e-6 * Math.abs(sigma));
        assertArrayEquals(uf, Npy.read(out.resolve("u.npy")).floats());
        assertArrayEquals(vf, Npy.read(out.resolve("v.npy")).floats());

        Path back = dir.resolve("back");
        r = CliRun.of("op", "spectral-norm-backward", "--in", "w=" + w, "--in", "u=" + u, "--in", "v=" + v,
                "--in", "grad_w_sn=" + g, "--out", back.toString());
        assertEquals(0, r.exit(), r.err());
        NpyArray dw = Npy.read(back.resolve("grad_w.npy"));
        assertArrayEquals(new int[] {m, n}, dw.shape());
        double[] expected = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                expected[i * n + j] = (gf[i * n + j] - gw / sigma * uf[i] * vf[j]) / sigma;
            }
        }
        Reference.assertClose("grad_w", dw.floats(), expected, 1e-6);
    }

    @Test
    void fiveStepsFromAGivenUAreRepeatable() throws Exception {
        SplittableRandom rng = new SplittableRandom(4);
        String w = npy("w", NpyArray.ofFloats(Reference.random(rng, 5 * 27, 1), 5, 3, 3, 3));
        String u = npy("u", NpyArray.ofFloats(Reference.random(rng, 5, 1), 5));
        for (String o : new String[] {"a", "b"}) {
            CliRun r = CliRun.of("op", "spectral-norm", "--in", "w=" + w, "--in", "u=" + u, "--out",
                    dir.resolve(o).toString(), "--param", "iters=5", "--param", "eps=1e-8");
            assertEquals(0, r.exit(), r.err());
        }
        assertArrayEquals(Npy.read(dir.resolve("a/w_sn.npy")).floats(), Npy.read(dir.resolve("b/w_sn.npy")).floats());
    }

    private void assertRejected(String expectedLine, Path out, String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(2, r.exit(), r.out() + r.err());
        assertEquals(expectedLine, r.err().strip());
        assertFalse(r.err().strip().contains("\n"), "one line");
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void badInputIsOneLineAndWritesNothing() throws Exception {
        String w = npy("w", NpyArray.ofFloats(new float[24], 4, 2, 3));
        String w1 = npy("w1", NpyArray.ofFloats(new float[4], 4));
        String u = npy("u", NpyArray.ofFloats(new float[] {1, 2, 3, 4}, 4));
        String u5 = npy("u5", NpyArray.ofFloats(new float[5], 5));
        String v = npy("v", NpyArray.ofFloats(new float[6], 6));
        String v5 = npy("v5", NpyArray.ofFloats(new float[5], 5));
        String g = npy("g", NpyArray.ofFloats(new float[24], 4, 6));
        String inf = npy("inf", NpyArray.ofFloats(new float[] {1, 2, Float.POSITIVE_INFINITY, 4}, 4));
        String ints = npy("ints", NpyArray.ofInts(new int[] {1, 2, 3, 4}, 4));
        Path out = dir.resolve("never");
        String o = out.toString();
        String sn = "spectral-norm", snb = "spectral-norm-backward";
        assertRejected("sagan4j op: spectral-norm: missing input 'u' (expected shape (out))", out,
                "op", sn, "--in", "w=" + w, "--out", o);
        assertRejected("sagan4j op: spectral-norm: unknown input key 'x' (expected [w (*), u (out), v? (rest)])", out,
                "op", sn, "--in", "w=" + w, "--in", "u=" + u, "--in", "x=" + u, "--out", o);
        assertRejected("sagan4j op: spectral-norm: input 'w' must have rank >= 2 (out, ...), got shape [4]", out,
                "op", sn, "--in", "w=" + w1, "--in", "u=" + u, "--out", o);
        assertRejected("sagan4j op: spectral-norm: input 'u' must have shape (out=4), got [5] (out is w's first dimension)",
                out, "op", sn, "--in", "w=" + w, "--in", "u=" + u5, "--out", o);
        assertRejected("sagan4j op: spectral-norm: input 'u' element 2 is Infinity (expected finite values)", out,
                "op", sn, "--in", "w=" + w, "--in", "u=" + inf, "--out", o);
        assertRejected("sagan4j op: spectral-norm: input 'u' must be float32, got integers", out,
                "op", sn, "--in", "w=" + w, "--in", "u=" + ints, "--out", o);
        assertRejected("sagan4j op: spectral-norm: missing input 'v' (expected shape (rest=6)): iters=0 computes "
                + "sigma = u^T W v from the given u and v", out,
                "op", sn, "--in", "w=" + w, "--in", "u=" + u, "--out", o, "--param", "iters=0");
        assertRejected("sagan4j op: spectral-norm: input 'v' is read only with iters=0, got iters=1", out,
                "op", sn, "--in", "w=" + w, "--in", "u=" + u, "--in", "v=" + v, "--out", o);
        assertRejected("sagan4j op: param iters: expected an integer >= 0, got -1", out,
                "op", sn, "--in", "w=" + w, "--in", "u=" + u, "--out", o, "--param", "iters=-1");
        assertRejected("sagan4j op: param eps: expected a number > 0, got 0.0", out,
                "op", sn, "--in", "w=" + w, "--in", "u=" + u, "--out", o, "--param", "eps=0");
        assertRejected("sagan4j op: spectral-norm-backward: input 'v' must have shape (rest=6), got [5] (rest is the "
                + "product of w's dimensions after the first)", out,
                "op", snb, "--in", "w=" + w, "--in", "u=" + u, "--in", "v=" + v5, "--in", "grad_w_sn=" + w, "--out", o);
        assertRejected("sagan4j op: spectral-norm-backward: input 'grad_w_sn' must have the shape of w [4, 2, 3], got [4, 6]",
                out, "op", snb, "--in", "w=" + w, "--in", "u=" + u, "--in", "v=" + v, "--in", "grad_w_sn=" + g, "--out", o);
        assertRejected("sagan4j op: spectral-norm-backward: missing input 'grad_w_sn' (expected shape (*))", out,
                "op", snb, "--in", "w=" + w, "--in", "u=" + u, "--in", "v=" + v, "--out", o);
    }

    @Test
    void listShowsTheKeys() {
        CliRun r = CliRun.of("op", "--list");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("spectral-norm-backward"), r.out());
        assertTrue(r.out().contains("grad_w_sn (*)"), r.out());
    }
}
