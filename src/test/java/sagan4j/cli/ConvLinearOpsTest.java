package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.backend.ConvContractTest;
import sagan4j.io.Npy;
import sagan4j.io.NpyArray;
import sagan4j.testing.Reference;

/** {@code op conv2d|conv2d-backward|linear|linear-backward} on the CPU, against double loops and hand values. */
class ConvLinearOpsTest {
    @TempDir
    Path dir;

    private String npy(String name, float[] data, int... shape) throws Exception {
        Path f = dir.resolve(name + ".npy");
        Npy.write(f, NpyArray.ofFloats(data, shape));
        return f.toString();
    }

    @Test
    void conv2dWithBiasMatchesTheDefinition() throws Exception {
        SplittableRandom rng = new SplittableRandom(5);
        float[] x = Reference.random(rng, 2 * 3 * 5 * 4, 1), w = Reference.random(rng, 4 * 3 * 3 * 3, 1);
        float[] b = {0.5f, -1f, 2f, 0.25f};
        Path out = dir.resolve("o");
        CliRun r = CliRun.of("op", "conv2d", "--in", "x=" + npy("x", x, 2, 3, 5, 4), "--in", "w=" + npy("w", w, 4, 3, 3, 3),
                "--in", "b=" + npy("b", b, 4), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        double[] want = ConvContractTest.forward(x, w, 2, 3, 5, 4, 4, 3, 1);
        for (int i = 0; i < want.length; i++) {
            want[i] += b[(i / 20) % 4];
        }
        NpyArray y = Npy.read(out.resolve("y.npy"));
        assertArrayEquals(new int[] {2, 4, 5, 4}, y.shape());
        Reference.assertClose("conv2d", y.floats(), want, 1e-6);
    }

    @Test
    void conv2dBackwardShapesAndBiasGradient() throws Exception {
        float[] x = new float[1 * 1 * 3 * 3];
        java.util.Arrays.fill(x, 1f);
        float[] w = {1, 2, 3, 4};
        float[] gy = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        Path out = dir.resolve("g");
        // k = 2, padding 1: Ho = 3 + 2 - 2 + 1 = 4
        CliRun r = CliRun.of("op", "conv2d-backward", "--in", "x=" + npy("x", x, 1, 1, 3, 3), "--in", "w=" + npy("w", w, 1, 1, 2, 2),
                "--in", "grad_y=" + npy("gy", gy, 1, 1, 4, 4), "--out", out.toString(), "--param", "padding=1");
        assertEquals(0, r.exit(), r.err());
        assertArrayEquals(new float[] {16}, Npy.read(out.resolve("grad_b.npy")).floats());
        // every x pixel meets every filter tap once: grad_x = Σ w = 10
        for (float v : Npy.read(out.resolve("grad_x.npy")).floats()) {
            assertEquals(10f, v);
        }
        // each tap sees all 9 pixels of x (=1) against a grad_y of ones: grad_w = 9
        assertArrayEquals(new float[] {9, 9, 9, 9}, Npy.read(out.resolve("grad_w.npy")).floats());
    }

    @Test
    void linearForwardAndBackwardHandComputed() throws Exception {
        // x = [1 2; 3 4], w = [1 0; 0 1; 1 1] (out 3, in 2), b = [0, 1, 2]
        Path out = dir.resolve("l");
        String x = npy("x", new float[] {1, 2, 3, 4}, 2, 2), w = npy("w", new float[] {1, 0, 0, 1, 1, 1}, 3, 2);
        CliRun r = CliRun.of("op", "linear", "--in", "x=" + x, "--in", "w=" + w, "--in", "b=" + npy("b", new float[] {0, 1, 2}, 3),
                "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertArrayEquals(new float[] {1, 3, 5, 3, 5, 9}, Npy.read(out.resolve("y.npy")).floats());
        r = CliRun.of("op", "linear-backward", "--in", "x=" + x, "--in", "w=" + w,
                "--in", "grad_y=" + npy("gy", new float[] {1, 0, 1, 0, 1, 1}, 2, 3), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertArrayEquals(new float[] {2, 1, 1, 2}, Npy.read(out.resolve("grad_x.npy")).floats());
        assertArrayEquals(new float[] {1, 2, 3, 4, 4, 6}, Npy.read(out.resolve("grad_w.npy")).floats());
        assertArrayEquals(new float[] {1, 1, 2}, Npy.read(out.resolve("grad_b.npy")).floats());
    }

    @Test
    void badConvInputIsOneLine() throws Exception {
        Path out = dir.resolve("never");
        String x = npy("x", new float[16], 1, 1, 4, 4), w = npy("w", new float[9], 1, 1, 3, 3);
        CliRun r = CliRun.of("op", "conv2d-backward", "--in", "x=" + x, "--in", "w=" + w,
                "--in", "grad_y=" + npy("gy", new float[4], 1, 1, 2, 2), "--out", out.toString());
        assertEquals(2, r.exit());
        assertEquals("sagan4j op: conv2d-backward: input 'grad_y' must have shape (B, Cout, 4, 4), got (1, 1, 2, 2)", r.err().strip());
        r = CliRun.of("op", "conv2d", "--in", "x=" + x, "--in", "w=" + w, "--out", out.toString(), "--param", "padding=3");
        assertEquals(2, r.exit());
        assertEquals("sagan4j op: conv2d: param padding must be in [0, 2] for k = 3, got 3", r.err().strip());
        assertFalse(Files.exists(out));
    }
}
