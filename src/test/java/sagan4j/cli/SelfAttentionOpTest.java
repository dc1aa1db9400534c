package sagan4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.io.Npy;
import sagan4j.io.NpyArray;
import sagan4j.testing.Reference;

/**
 * {@code op self-attention|self-attention-backward} on the CPU against a double-precision reference of
 * SAGAN's block written here from the math (not from sagan4j.nn), its gradients by central differences in
 * double; and one-line errors for bad inputs.
 */
class SelfAttentionOpTest {
    private static final String[] ROLES = {"theta", "phi", "g", "o"};

    @TempDir
    Path dir;

    /**
     * The block in double: θ = Wθ·x + bθ per pixel; φ, g = 2×2 max-pool of the 1×1 conv outputs (+ bias);
     * s[p][m] = Σ_i θ[i][p]·φ[i][m] (scale 1); a = softmax over m; A[j][p] = Σ_m a[p][m]·g[j][m];
     * o = Wo·A + bo; y = x + σ·o.
     */
    static final class Ref {
        final int b, ch, h, w, n, m, d, c;
        /** Every input by key, in double; biases absent when not used. */
        final Map<String, double[]> in = new LinkedHashMap<>();

        Ref(int b, int ch, int h, int w) {
            this.b = b;
            this.ch = ch;
            this.h = h;
            this.w = w;
            this.n = h * w;
            this.m = n / 4;
            this.d = ch / 8;
            this.c = ch / 2;
        }

        int[] shape(String key) {
            return switch (key) {
                case "x", "grad_y" -> new int[] {b, ch, h, w};
                case "w_theta", "w_phi" -> new int[] {d, ch, 1, 1};
                case "w_g" -> new int[] {c, ch, 1, 1};
                case "w_o" -> new int[] {ch, c, 1, 1};
                case "b_theta", "b_phi" -> new int[] {d};
                case "b_g" -> new int[] {c};
                case "b_o" -> new int[] {ch};
                case "sigma" -> new int[] {1};
                default -> throw new IllegalArgumentException(key);
            };
        }

        /** A 1×1 conv of x[bi] (rows × N) with wt (rows, ch) plus an optional bias. */
        private double[][] conv(int bi, double[] wt, double[] bias, int rows) {
            double[] x = in.get("x");
            double[][] out = new double[rows][n];
            for (int i = 0; i < rows; i++) {
                for (int p = 0; p < n; p++) {
                    double s = bias == null ? 0 : bias[i];
                    for (int k = 0; k < ch; k++) {
                        s += wt[i * ch + k] * x[(bi * ch + k) * n + p];
                    }
                    out[i][p] = s;
                }
            }
            return out;
        }

        /** 2×2 max pooling of each row viewed as (H, W) → (H/2 · W/2), row-major. */
        private double[][] pool(double[][] full) {
            double[][] out = new double[full.length][m];
            int w2 = w / 2;
            for (int i = 0; i < full.length; i++) {
                for (int q = 0; q < m; q++) {
                    int r0 = 2 * (q / w2), c0 = 2 * (q % w2);
                    double best = Double.NEGATIVE_INFINITY;
                    for (int dr = 0; dr < 2; dr++) {
                        for (int dc = 0; dc < 2; dc++) {
                            best = Math.max(best, full[i][(r0 + dr) * w + c0 + dc]);
                        }
                    }
                    out[i][q] = best;
                }
            }
            return out;
        }

        double[] forward() {
            double[] x = in.get("x"), wo = in.get("w_o"), bo = in.get("b_o");
            double sigma = in.get("sigma")[0];
            double[] y = new double[b * ch * n];
            for (int bi = 0; bi < b; bi++) {
                double[][] theta = conv(bi, in.get("w_theta"), in.get("b_theta"), d);
                double[][] phi = pool(conv(bi, in.get("w_phi"), in.get("b_phi"), d));
                double[][] g = pool(conv(bi, in.get("w_g"), in.get("b_g"), c));
                double[][] att = new double[c][n];
                for (int p = 0; p < n; p++) {
                    double[] s = new double[m];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int q = 0; q < m; q++) {
                        for (int i = 0; i < d; i++) {
                            s[q] += theta[i][p] * phi[i][q];
                        }
                        max = Math.max(max, s[q]);
                    }
                    double z = 0;
                    for (int q = 0; q < m; q++) {
                        s[q] = Math.exp(s[q] - max);
                        z += s[q];
                    }
                    for (int j = 0; j < c; j++) {
                        double acc = 0;
                        for (int q = 0; q < m; q++) {
                            acc += s[q] / z * g[j][q];
                        }
                        att[j][p] = acc;
                    }
                }
                for (int k = 0; k < ch; k++) {
                    for (int p = 0; p < n; p++) {
                        double o = bo == null ? 0 : bo[k];
                        for (int j = 0; j < c; j++) {
                            o += wo[k * c + j] * att[j][p];
                        }
                        int idx = (bi * ch + k) * n + p;
                        y[idx] = x[idx] + sigma * o;
                    }
                }
            }
            return y;
        }

        double loss(double[] gy) {
            double[] y = forward();
            double s = 0;
            for (int i = 0; i < y.length; i++) {
                s += y[i] * gy[i];
            }
            return s;
        }

        /** dL/d(input key) for L = Σ y·gy, by central differences in double. */
        double[] gradient(String key, double[] gy, double eps) {
            double[] v = in.get(key), grad = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                double keep = v[i];
                v[i] = keep + eps;
                double up = loss(gy);
                v[i] = keep - eps;
                double down = loss(gy);
                v[i] = keep;
                grad[i] = (up - down) / (2 * eps);
            }
            return grad;
        }
    }

    private String npy(String name, float[] data, int... shape) throws Exception {
        Path f = dir.resolve(name + ".npy");
        Npy.write(f, NpyArray.ofFloats(data, shape));
        return f.toString();
    }

    /** Random inputs (weights at the fan-in scale), written as .npy; returns the CLI's --in arguments. */
    private List<String> inputs(Ref ref, boolean bias, boolean withGradY, SplittableRandom rng) throws Exception {
        List<String> keys = new ArrayList<>(List.of("x", "w_theta", "w_phi", "w_g", "w_o"));
        if (bias) {
            for (String r : ROLES) {
                keys.add("b_" + r);
            }
        }
        keys.add("sigma");
        if (withGradY) {
            keys.add("grad_y");
        }
        List<String> args = new ArrayList<>();
        for (String k : keys) {
            int[] s = ref.shape(k);
            int size = 1;
            for (int v : s) {
                size *= v;
            }
            double scale = k.startsWith("w_") || k.startsWith("b_") ? 2 / Math.sqrt(k.equals("w_o") || k.equals("b_o") ? ref.c : ref.ch) : 1;
            float[] f = k.equals("sigma") ? new float[] {0.7f} : Reference.random(rng, size, scale);
            ref.in.put(k, Reference.toDouble(f));
            args.add("--in");
            args.add(k + "=" + npy(k, f, s));
        }
        return args;
    }

    private CliRun run(String op, List<String> ins, Path out) {
        List<String> args = new ArrayList<>(List.of("op", op, "--device", "cpu"));
        args.addAll(ins);
        args.add("--out");
        args.add(out.toString());
        return CliRun.of(args.toArray(String[]::new));
    }

    private void forwardAndBackwardMatchTheReference(boolean bias, long seed) throws Exception {
        SplittableRandom rng = new SplittableRandom(seed);
        Ref ref = new Ref(2, 16, 4, 6);
        List<String> ins = inputs(ref, bias, true, rng);
        double[] gy = ref.in.remove("grad_y");

        List<String> fwdIns = new ArrayList<>(ins.subList(0, ins.size() - 2)); // without grad_y
        Path out = dir.resolve("fwd");
        CliRun r = run("self-attention", fwdIns, out);
        assertEquals(0, r.exit(), r.err());
        NpyArray y = Npy.read(out.resolve("y.npy"));
        assertArrayEquals(ref.shape("x"), y.shape());
        double[] want = ref.forward();
        Reference.assertClose("y", y.floats(), want, 1e-5);
        // σ·o is a visible part of y (else the check above would say little about the attention path)
        double[] x = ref.in.get("x");
        double diff = 0, norm = 0;
        for (int i = 0; i < want.length; i++) {
            diff += (want[i] - x[i]) * (want[i] - x[i]);
            norm += want[i] * want[i];
        }
        assertTrue(diff > 1e-3 * norm, "σ·o is negligible");

        Path back = dir.resolve("back");
        r = run("self-attention-backward", ins, back);
        assertEquals(0, r.exit(), r.err());
        List<String> grads = new ArrayList<>(List.of("x", "w_theta", "w_phi", "w_g", "w_o"));
        if (bias) {
            for (String role : ROLES) {
                grads.add("b_" + role);
            }
        }
        grads.add("sigma");
        for (String k : grads) {
            NpyArray g = Npy.read(back.resolve("grad_" + k + ".npy"));
            assertArrayEquals(ref.shape(k), g.shape(), "grad_" + k);
            double[] wantG = ref.gradient(k, gy, 1e-6);
            if (k.equals("b_phi")) {
                // θᵀ(φ + b) shifts every key's score for a query alike, which the softmax ignores: the exact
                // gradient is 0, so the output can only be float noise (relative L2 would divide by ~0)
                for (int i = 0; i < wantG.length; i++) {
                    assertEquals(0, wantG[i], 1e-7, "reference grad_b_phi[" + i + "]");
                    assertEquals(0, g.floats()[i], 1e-5, "grad_b_phi[" + i + "]");
                }
                continue;
            }
            Reference.assertClose("grad_" + k, g.floats(), wantG, 1e-4);
        }
        if (!bias) {
            assertFalse(Files.exists(back.resolve("grad_b_theta.npy")));
        }
    }

    @Test
    void withoutBiasesMatchesTheReference() throws Exception {
        forwardAndBackwardMatchTheReference(false, 11);
    }

    @Test
    void withBiasesMatchesTheReference() throws Exception {
        forwardAndBackwardMatchTheReference(true, 12);
    }

    private static void assertTrue(boolean cond, String msg) {
        org.junit.jupiter.api.Assertions.assertTrue(cond, msg);
    }

    private void assertOneLineError(String op, String expected, Map<String, float[]> data, Map<String, int[]> shapes)
            throws Exception {
        List<String> ins = new ArrayList<>();
        for (String k : data.keySet()) {
            ins.add("--in");
            ins.add(k + "=" + npy(k, data.get(k), shapes.get(k)));
        }
        Path out = dir.resolve("never");
        CliRun r = run(op, ins, out);
        assertEquals(2, r.exit(), r.err());
        assertEquals(expected, r.err().strip());
        assertFalse(r.err().strip().contains("\n"), "one line");
        assertFalse(Files.exists(out), "nothing written");
    }

    /** Inputs of the given shapes (x (B, C, H, W), weights for wanted sizes), filled with ones. */
    private static void put(Map<String, float[]> data, Map<String, int[]> shapes, String key, int... shape) {
        int size = 1;
        for (int v : shape) {
            size *= v;
        }
        float[] f = new float[size];
        java.util.Arrays.fill(f, 0.5f);
        data.put(key, f);
        shapes.put(key, shape);
    }

    private static void block(Map<String, float[]> data, Map<String, int[]> shapes, int b, int ch, int h, int w) {
        put(data, shapes, "x", b, ch, h, w);
        put(data, shapes, "w_theta", ch / 8, ch, 1, 1);
        put(data, shapes, "w_phi", ch / 8, ch, 1, 1);
        put(data, shapes, "w_g", ch / 2, ch, 1, 1);
        put(data, shapes, "w_o", ch, ch / 2, 1, 1);
        put(data, shapes, "sigma", 1);
    }

    @Test
    void channelsNotDivisibleByEight() throws Exception {
        Map<String, float[]> data = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        block(data, shapes, 1, 12, 2, 2);
        assertOneLineError("self-attention", "sagan4j op: self-attention: input 'x' needs C divisible by 8, got C = 12",
                data, shapes);
    }

    @Test
    void oddHeight() throws Exception {
        Map<String, float[]> data = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        block(data, shapes, 1, 8, 3, 2);
        put(data, shapes, "grad_y", 1, 8, 3, 2);
        assertOneLineError("self-attention-backward",
                "sagan4j op: self-attention-backward: input 'x' needs even H and W (2x2 max pooling), got H = 3, W = 2",
                data, shapes);
    }

    @Test
    void wrongWeightShapes() throws Exception {
        Map<String, float[]> data = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        block(data, shapes, 1, 16, 2, 2);
        put(data, shapes, "w_g", 4, 16, 1, 1);
        assertOneLineError("self-attention",
                "sagan4j op: self-attention: input 'w_g' must have shape (C/2, C, 1, 1) = [8, 16, 1, 1] for C = 16, got [4, 16, 1, 1]",
                data, shapes);
        block(data, shapes, 1, 16, 2, 2);
        put(data, shapes, "w_o", 16, 2, 1, 1);
        assertOneLineError("self-attention",
                "sagan4j op: self-attention: input 'w_o' must have shape (C, C/2, 1, 1) = [16, 8, 1, 1] for C = 16, got [16, 2, 1, 1]",
                data, shapes);
        block(data, shapes, 1, 16, 2, 2);
        put(data, shapes, "w_theta", 2, 8, 1, 1);
        assertOneLineError("self-attention",
                "sagan4j op: self-attention: input 'w_theta' must have shape (Dt=2, C=16, 1, 1), got [2, 8, 1, 1] (C is 16)",
                data, shapes);
        block(data, shapes, 1, 16, 2, 2);
        put(data, shapes, "grad_y", 1, 16, 2, 4);
        assertOneLineError("self-attention-backward",
                "sagan4j op: self-attention-backward: input 'grad_y' must have shape (B=1, C=16, H=2, W=2), got [1, 16, 2, 4] (W is 2)",
                data, shapes);
    }

    @Test
    void biasesAllOrNone() throws Exception {
        Map<String, float[]> data = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        block(data, shapes, 1, 16, 2, 2);
        put(data, shapes, "b_theta", 2);
        put(data, shapes, "b_o", 16);
        assertOneLineError("self-attention",
                "sagan4j op: self-attention: biases b_theta, b_phi, b_g, b_o must be given all or none, missing b_phi, b_g",
                data, shapes);
        block(data, shapes, 1, 16, 2, 2);
        put(data, shapes, "b_phi", 3);
        assertOneLineError("self-attention",
                "sagan4j op: self-attention: input 'b_phi' must have shape (Dp=2), got [3] (Dp is 2)",
                data, shapes);
    }
}
