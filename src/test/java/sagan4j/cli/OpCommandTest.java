package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.io.Npy;
import sagan4j.io.NpyArray;

/** {@code sagan4j op} end to end on the CPU: hand-computed results, and bad input rejected in one line. */
class OpCommandTest {
    @TempDir
    Path dir;

    private String npy(String name, NpyArray a) throws Exception {
        Path f = dir.resolve(name + ".npy");
        Npy.write(f, a);
        return f.toString();
    }

    @Test
    void gemmOnNpyFiles() throws Exception {
        String a = npy("a", NpyArray.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        String b = npy("b", NpyArray.ofFloats(new float[] {7, 8, 9, 10, 11, 12}, 3, 2));
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("op", "gemm", "--device", "cpu", "--in", "a=" + a, "--in", "b=" + b,
                "--out", out.toString(), "--param", "alpha=2");
        assertEquals(0, r.exit(), r.err());
        NpyArray c = Npy.read(out.resolve("c.npy"));
        assertArrayEquals(new int[] {2, 2}, c.shape());
        assertArrayEquals(new float[] {116, 128, 278, 308}, c.floats());
    }

    @Test
    void transposedGemmAndActivations() throws Exception {
        // aᵀ with a = [1 2 3; 4 5 6] stored 2×3, times b = [1; 1] → [5, 7, 9]ᵀ
        String a = npy("a", NpyArray.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        String b = npy("b", NpyArray.ofFloats(new float[] {1, 1}, 2, 1));
        Path out = dir.resolve("t");
        CliRun r = CliRun.of("op", "gemm", "--in", "a=" + a, "--in", "b=" + b, "--out", out.toString(),
                "--param", "trans_a=true");
        assertEquals(0, r.exit(), r.err());
        assertArrayEquals(new float[] {5, 7, 9}, Npy.read(out.resolve("c.npy")).floats());
        String x = npy("x", NpyArray.ofFloats(new float[] {-1, 2}, 1, 2));
        r = CliRun.of("op", "leaky-relu", "--in", "x=" + x, "--out", out.toString(), "--param", "slope=0.5");
        assertEquals(0, r.exit(), r.err());
        NpyArray y = Npy.read(out.resolve("y.npy"));
        assertArrayEquals(new int[] {1, 2}, y.shape());
        assertArrayEquals(new float[] {-0.5f, 2f}, y.floats());
    }

    @Test
    void listNamesEveryOpWithItsKeys() {
        CliRun r = CliRun.of("op", "--list");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("gemm"));
        assertTrue(r.out().contains("a (M,K)"), r.out());
        assertTrue(r.out().contains("leaky-relu"));
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
        String a = npy("a", NpyArray.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        String b = npy("b", NpyArray.ofFloats(new float[] {1, 2, 3, 4}, 2, 2));
        String nan = npy("nan", NpyArray.ofFloats(new float[] {1, Float.NaN, 3, 4, 5, 6}, 3, 2));
        String labels = npy("l", NpyArray.ofInts(new int[] {1, 2}, 2));
        Path out = dir.resolve("never");
        String o = out.toString();
        assertRejected("sagan4j op: gemm: input 'b' must have shape (K=3, N), got [2, 2] (K is 3)", out,
                "op", "gemm", "--in", "a=" + a, "--in", "b=" + b, "--out", o);
        assertRejected("sagan4j op: gemm: missing input 'b' (expected shape (K,N))", out,
                "op", "gemm", "--in", "a=" + a, "--out", o);
        assertRejected("sagan4j op: gemm: unknown input key 'q' (expected [a (M,K), b (K,N), c? (M,N)])", out,
                "op", "gemm", "--in", "a=" + a, "--in", "q=" + a, "--out", o);
        assertRejected("sagan4j op: gemm: input 'b' element 1 is NaN (expected finite values)", out,
                "op", "gemm", "--in", "a=" + a, "--in", "b=" + nan, "--out", o);
        assertRejected("sagan4j op: gemm: input 'a' must be float32, got integers", out,
                "op", "gemm", "--in", "a=" + labels, "--in", "b=" + b, "--out", o);
        assertRejected("sagan4j op: gemm: unknown param 'beta2' (expected one of [trans_a, trans_b, alpha, beta])", out,
                "op", "gemm", "--in", "a=" + a, "--in", "b=" + nan, "--out", o, "--param", "beta2=1");
        assertRejected("sagan4j op: param alpha: expected a finite number, got 'two'", out,
                "op", "gemm", "--in", "a=" + a, "--in", "b=" + nan, "--out", o, "--param", "alpha=two");
        assertRejected("sagan4j op: unknown op 'gemmm' (known: "
                + String.join(", ", sagan4j.ops.Ops.all().stream().map(sagan4j.ops.Op::name).toList()) + ")", out,
                "op", "gemmm", "--in", "a=" + a, "--out", o);
        assertRejected("sagan4j op: " + dir.resolve("missing.npy") + ": cannot read (NoSuchFileException: "
                + dir.resolve("missing.npy") + ")", out,
                "op", "relu", "--in", "x=" + dir.resolve("missing.npy"), "--out", o);
        assertRejected("sagan4j op: --device: expected cpu, reference or cuda, got 'tpu'", out,
                "op", "relu", "--in", "x=" + a, "--out", o, "--device", "tpu");
    }

    @Test
    void existingOutputsAreReplacedWhole() throws Exception {
        String x = npy("x", NpyArray.ofFloats(new float[] {-1, 2, -3}, 3));
        Path out = dir.resolve("o");
        Files.createDirectories(out);
        Files.writeString(out.resolve("y.npy"), "previous result");
        String bad = npy("bad", NpyArray.ofFloats(new float[] {Float.POSITIVE_INFINITY}, 1));
        CliRun r = CliRun.of("op", "relu", "--in", "x=" + bad, "--out", out.toString());
        assertEquals(2, r.exit());
        assertEquals("previous result", Files.readString(out.resolve("y.npy")), "a failed run leaves old outputs alone");
        r = CliRun.of("op", "relu", "--in", "x=" + x, "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertArrayEquals(new float[] {0, 2, 0}, Npy.read(out.resolve("y.npy")).floats());
    }
}
