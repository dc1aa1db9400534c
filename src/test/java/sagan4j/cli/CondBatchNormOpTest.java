package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sagan4j.testing.Reference.assertClose;
import static sagan4j.testing.Reference.toDouble;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.io.Npy;
import sagan4j.io.NpyArray;
import sagan4j.testing.CbnMath;
import sagan4j.testing.Reference;

/**
 * {@code sagan4j op cond-batchnorm} and {@code cond-batchnorm-backward} on the CPU: results against the
 * independent double formula and its finite differences, int64 labels, eval mode, and bad input rejected
 * in one line with nothing written.
 */
class CondBatchNormOpTest {
    @TempDir
    Path dir;

    private final SplittableRandom rng = new SplittableRandom(5);

    private String npy(String name, NpyArray a) throws Exception {
        Path f = dir.resolve(name + ".npy");
        Npy.write(f, a);
        return f.toString();
    }

    private static String in(String key, String file) {
        return key + "=" + file;
    }

    @Test
    void forwardAndBackwardOnNpyFiles() throws Exception {
        int b = 3, c = 2, h = 2, w = 3, k = 4, n = b * c * h * w;
        float[] x = Reference.random(rng, n, 2), gamma = Reference.random(rng, k * c, 1), beta = Reference.random(rng, k * c, 1);
        float[] dy = Reference.random(rng, n, 1);
        int[] labels = {3, 0, 3};
        String fx = npy("x", NpyArray.ofFloats(x, b, c, h, w)), fl = npy("l", NpyArray.ofInts(labels, b));
        String fg = npy("g", NpyArray.ofFloats(gamma, k, c)), fb = npy("b", NpyArray.ofFloats(beta, k, c));
        String fdy = npy("dy", NpyArray.ofFloats(dy, b, c, h, w));
        String frm = npy("rm", NpyArray.ofFloats(new float[] {0.5f, -0.5f}, c));
        String frv = npy("rv", NpyArray.ofFloats(new float[] {1f, 2f}, c));
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("op", "cond-batchnorm", "--device", "cpu", "--in", in("x", fx), "--in", in("labels", fl),
                "--in", in("gamma", fg), "--in", in("beta", fb), "--in", in("running_mean", frm), "--in", in("running_var", frv),
                "--out", out.toString(), "--param", "eps=1e-3", "--param", "momentum=0.25");
        assertEquals(0, r.exit(), r.err());
        double[] mean = new double[c], var = new double[c];
        double[] y = CbnMath.forward(b, c, h * w, toDouble(x), labels, toDouble(gamma), toDouble(beta), 1e-3, mean, var);
        NpyArray ny = Npy.read(out.resolve("y.npy"));
        assertArrayEquals(new int[] {b, c, h, w}, ny.shape());
        assertClose("y", ny.floats(), y, 1e-6);
        assertClose("mean", Npy.read(out.resolve("mean.npy")).floats(), mean, 1e-6);
        assertClose("var", Npy.read(out.resolve("var.npy")).floats(), var, 1e-6);
        double cnt = b * h * w;
        assertClose("running_mean", Npy.read(out.resolve("running_mean.npy")).floats(),
                new double[] {0.75 * 0.5 + 0.25 * mean[0], 0.75 * -0.5 + 0.25 * mean[1]}, 1e-6);
        assertClose("running_var", Npy.read(out.resolve("running_var.npy")).floats(),
                new double[] {0.75 + 0.25 * var[0] * cnt / (cnt - 1), 1.5 + 0.25 * var[1] * cnt / (cnt - 1)}, 1e-6);

        Path back = dir.resolve("back");
        r = CliRun.of("op", "cond-batchnorm-backward", "--in", in("x", fx), "--in", in("labels", fl), "--in", in("gamma", fg),
                "--in", in("beta", fb), "--in", in("grad_y", fdy), "--out", back.toString());
        assertEquals(0, r.exit(), r.err());
        double[][] fd = CbnMath.finiteDifferences(b, c, h * w, toDouble(x), labels, toDouble(gamma), toDouble(beta), 1e-5,
                toDouble(dy), 1e-5);
        assertClose("grad_x", Npy.read(back.resolve("grad_x.npy")).floats(), fd[0], 1e-4);
        NpyArray dg = Npy.read(back.resolve("grad_gamma.npy"));
        assertArrayEquals(new int[] {k, c}, dg.shape());
        assertClose("grad_gamma", dg.floats(), fd[1], 1e-4);
        assertClose("grad_beta", Npy.read(back.resolve("grad_beta.npy")).floats(), fd[2], 1e-4);
        for (int i : new int[] {2, 3, 4, 5}) { // classes 1 and 2 have no sample
            assertEquals(0f, dg.floats()[i]);
        }
    }

    @Test
    void evalModeUsesTheRunningStatisticsAndInt64LabelsWork() throws Exception {
        int b = 2, c = 3, h = 1, w = 4, k = 2, n = b * c * h * w;
        float[] x = Reference.random(rng, n, 2), gamma = Reference.random(rng, k * c, 1), beta = Reference.random(rng, k * c, 1);
        float[] rm = {0.1f, 0.2f, -0.3f}, rv = {1f, 0.5f, 2f};
        Path f = dir.resolve("l64.npy");
        Files.write(f, int64Npy(new long[] {1, 0}));
        Path out = dir.resolve("eval");
        CliRun r = CliRun.of("op", "cond-batchnorm", "--in", in("x", npy("x", NpyArray.ofFloats(x, b, c, h, w))),
                "--in", in("labels", f.toString()), "--in", in("gamma", npy("g", NpyArray.ofFloats(gamma, k, c))),
                "--in", in("beta", npy("b", NpyArray.ofFloats(beta, k, c))), "--in", in("running_mean", npy("rm", NpyArray.ofFloats(rm, c))),
                "--in", in("running_var", npy("rv", NpyArray.ofFloats(rv, c))), "--param", "training=false", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        double[] y = CbnMath.eval(b, c, h * w, toDouble(x), new int[] {1, 0}, toDouble(gamma), toDouble(beta), toDouble(rm),
                toDouble(rv), 1e-5);
        assertClose("y", Npy.read(out.resolve("y.npy")).floats(), y, 1e-6);
        assertArrayEquals(rm, Npy.read(out.resolve("mean.npy")).floats());
        assertFalse(Files.exists(out.resolve("running_mean.npy")));
    }

    /** A (n,) int64 .npy file, little-endian, version 1.0. */
    private static byte[] int64Npy(long[] v) {
        String header = "{'descr': '<i8', 'fortran_order': False, 'shape': (" + v.length + ",), }";
        int total = 10 + header.length() + 1;
        int pad = (64 - total % 64) % 64;
        header = header + " ".repeat(pad) + "\n";
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(10 + header.length() + 8 * v.length)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        buf.put((byte) 0x93).put("NUMPY".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        buf.putShort((short) header.length()).put(header.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        for (long l : v) {
            buf.putLong(l);
        }
        return buf.array();
    }

    private void assertRejected(String expectedLine, Path out, String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(2, r.exit(), r.out() + r.err());
        assertEquals(expectedLine, r.err().strip());
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void badInputIsOneLineAndWritesNothing() throws Exception {
        String x = npy("x", NpyArray.ofFloats(Reference.random(rng, 24, 1), 2, 3, 2, 2));
        String x3 = npy("x3", NpyArray.ofFloats(Reference.random(rng, 24, 1), 2, 3, 4));
        String x1 = npy("x1", NpyArray.ofFloats(Reference.random(rng, 3, 1), 1, 3, 1, 1));
        String l = npy("l", NpyArray.ofInts(new int[] {0, 1}, 2)), l1 = npy("l1", NpyArray.ofInts(new int[] {0}, 1));
        String lbad = npy("lbad", NpyArray.ofInts(new int[] {0, 4}, 2));
        String g = npy("g", NpyArray.ofFloats(Reference.random(rng, 12, 1), 4, 3));
        String g2 = npy("g2", NpyArray.ofFloats(Reference.random(rng, 8, 1), 4, 2));
        String gnan = npy("gnan", NpyArray.ofFloats(new float[] {1, 2, Float.NaN, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 4, 3));
        String rvneg = npy("rvneg", NpyArray.ofFloats(new float[] {1, -1, 1}, 3));
        Path out = dir.resolve("never");
        String o = out.toString();
        String op = "cond-batchnorm";
        assertRejected("sagan4j op: cond-batchnorm: missing input 'beta' (expected shape (K,C))", out,
                "op", op, "--in", in("x", x), "--in", in("labels", l), "--in", in("gamma", g), "--out", o);
        assertRejected("sagan4j op: cond-batchnorm: input 'x' must have rank 4 (B,C,H,W), got shape [2, 3, 4]", out,
                "op", op, "--in", in("x", x3), "--in", in("labels", l), "--in", in("gamma", g), "--in", in("beta", g), "--out", o);
        assertRejected("sagan4j op: cond-batchnorm: input 'gamma' must have shape (K=4, C=3), got [4, 2] (C is 3)", out,
                "op", op, "--in", in("x", x), "--in", in("labels", l), "--in", in("gamma", g2), "--in", in("beta", g2), "--out", o);
        assertRejected("sagan4j op: cond-batchnorm: input 'labels' element 1 is 4 (expected a class in [0, 4), K from gamma)", out,
                "op", op, "--in", in("x", x), "--in", in("labels", lbad), "--in", in("gamma", g), "--in", in("beta", g), "--out", o);
        assertRejected("sagan4j op: cond-batchnorm: input 'gamma' element 2 is NaN (expected finite values)", out,
                "op", op, "--in", in("x", x), "--in", in("labels", l), "--in", in("gamma", gnan), "--in", in("beta", g), "--out", o);
        assertRejected("sagan4j op: cond-batchnorm: input 'labels' must be int32 or int64 labels, got float32", out,
                "op", op, "--in", in("x", x), "--in", in("labels", g), "--in", in("gamma", g), "--in", in("beta", g), "--out", o);
        assertRejected("sagan4j op: cond-batchnorm: missing input 'running_mean' (expected shape (C=3); needed when training=false)", out,
                "op", op, "--in", in("x", x), "--in", in("labels", l), "--in", in("gamma", g), "--in", in("beta", g),
                "--param", "training=false", "--out", o);
        assertRejected("sagan4j op: cond-batchnorm: input 'running_var' element 1 is -1.0 (expected a variance >= 0)", out,
                "op", op, "--in", in("x", x), "--in", in("labels", l), "--in", in("gamma", g), "--in", in("beta", g),
                "--in", in("running_mean", rvneg), "--in", in("running_var", rvneg), "--param", "training=false", "--out", o);
        assertRejected("sagan4j op: cond-batchnorm: input 'x' has shape [1, 3, 1, 1] (expected more than 1 value per channel, B*H*W > 1, when training)", out,
                "op", op, "--in", in("x", x1), "--in", in("labels", l1), "--in", in("gamma", g), "--in", in("beta", g), "--out", o);
        assertRejected("sagan4j op: param momentum: expected a number in [0, 1], got 2.0", out,
                "op", op, "--in", in("x", x), "--in", in("labels", l), "--in", in("gamma", g), "--in", in("beta", g),
                "--param", "momentum=2", "--out", o);
        assertRejected("sagan4j op: cond-batchnorm-backward: missing input 'grad_y' (expected shape (B,C,H,W))", out,
                "op", "cond-batchnorm-backward", "--in", in("x", x), "--in", in("labels", l), "--in", in("gamma", g),
                "--in", in("beta", g), "--out", o);
        assertRejected("sagan4j op: cond-batchnorm-backward: unknown input key 'dy' (expected [x (B,C,H,W), labels (B) int, gamma (K,C), beta (K,C), grad_y (B,C,H,W)])", out,
                "op", "cond-batchnorm-backward", "--in", in("x", x), "--in", in("labels", l), "--in", in("gamma", g),
                "--in", in("beta", g), "--in", in("dy", x), "--out", o);
    }

    @Test
    void listShowsTheKeys() {
        CliRun r = CliRun.of("op", "--list");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("cond-batchnorm-backward"), r.out());
        assertTrue(r.out().contains("labels (B) int"), r.out());
    }
}
