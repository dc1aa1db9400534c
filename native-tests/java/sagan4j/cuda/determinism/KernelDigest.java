package sagan4j.cuda.determinism;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.SpectralNormOps;
import sagan4j.backend.Tensor;
import sagan4j.cuda.CudaBackend;
import sagan4j.testing.Reference;

/**
 * The three headline kernels, forward and backward, every version each family has, on fixed seeded inputs; a
 * SHA-256 of every output's bits. The child JVM's main of {@link ThreadOrderDeterminismNativeTest} (which runs it
 * under both emulated thread orders), printing "NAME=HEX" lines. Outputs are poisoned with NaN before each call.
 */
public final class KernelDigest {
    private KernelDigest() {
    }

    private static Tensor random(Backend be, SplittableRandom rng, int... dims) {
        return Reference.randomTensor(be, rng, dims);
    }

    private static Tensor poisoned(Backend be, int... dims) {
        Tensor t = be.empty(DType.FLOAT32, dims);
        be.fill(t, Float.NaN);
        return t;
    }

    private static String digest(Backend be, Tensor t) {
        float[] v = be.toHostFloats(t);
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** NAME → digest for every output of every version of the three kernels. */
    static Map<String, String> run(CudaBackend be) {
        Map<String, String> out = new LinkedHashMap<>();
        List<Tensor> all = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(2026);
        // spectral norm: one weight (64, 3·3·8) and a group of two, 1 power iteration, then the backward
        for (String impl : be.spectralNorm().impls()) {
            be.spectralNorm().setImpl(impl);
            Tensor w = random(be, rng, 64, 72), u = random(be, rng, 64), v = poisoned(be, 72), sigma = poisoned(be, 1),
                    wSn = poisoned(be, 64, 72), g = random(be, rng, 64, 72), dw = poisoned(be, 64, 72);
            Tensor w2 = random(be, rng, 16, 200), u2 = random(be, rng, 16), v2 = poisoned(be, 200), s2 = poisoned(be, 1),
                    wSn2 = poisoned(be, 16, 200);
            all.addAll(List.of(w, u, v, sigma, wSn, g, dw, w2, u2, v2, s2, wSn2));
            be.spectralNorm().forward(w, u, v, sigma, wSn, 1, SpectralNormOps.DEFAULT_EPS);
            be.spectralNorm().backward(w, u, v, sigma, g, dw);
            try (SpectralNormOps.Group group = be.spectralNorm().group(List.of(new SpectralNormOps.Weight(w, u, v, sigma, wSn),
                    new SpectralNormOps.Weight(w2, u2, v2, s2, wSn2)))) {
                be.spectralNorm().forward(group, 2, SpectralNormOps.DEFAULT_EPS);
            }
            String[] names = {"u", "v", "sigma", "w_sn", "grad_w", "u2", "v2", "sigma2", "w_sn2"};
            Tensor[] ts = {u, v, sigma, wSn, dw, u2, v2, s2, wSn2};
            for (int i = 0; i < names.length; i++) {
                out.put("spectral-norm " + impl + " " + names[i], digest(be, ts[i]));
            }
        }
        // attention: B 2, N 64 queries, M 48 keys, d 8, c 16
        for (String impl : be.attention().impls()) {
            be.attention().setImpl(impl);
            Tensor q = random(be, rng, 2, 64, 8), k = random(be, rng, 2, 48, 8), v = random(be, rng, 2, 48, 16),
                    o = poisoned(be, 2, 64, 16), lse = poisoned(be, 2, 64), go = random(be, rng, 2, 64, 16),
                    gq = poisoned(be, 2, 64, 8), gk = poisoned(be, 2, 48, 8), gv = poisoned(be, 2, 48, 16);
            all.addAll(List.of(q, k, v, o, lse, go, gq, gk, gv));
            be.attention().forward(q, k, v, 0.35f, o, lse);
            be.attention().backward(q, k, v, o, lse, go, 0.35f, gq, gk, gv);
            String[] names = {"o", "lse", "grad_q", "grad_k", "grad_v"};
            Tensor[] ts = {o, lse, gq, gk, gv};
            for (int i = 0; i < names.length; i++) {
                out.put("attention " + impl + " " + names[i], digest(be, ts[i]));
            }
        }
        // conditional batch norm: x (6, 16, 8, 8), 10 classes, training forward (running statistics too), backward
        int[] labels = rng.ints(6, 0, 10).toArray();
        for (String impl : be.condBatchNorm().impls()) {
            be.condBatchNorm().setImpl(impl);
            Tensor x = random(be, rng, 6, 16, 8, 8), lab = be.fromHost(labels, 6), gamma = random(be, rng, 10, 16),
                    beta = random(be, rng, 10, 16), rm = random(be, rng, 16), rv = be.fromHost(positive(rng, 16), 16),
                    y = poisoned(be, 6, 16, 8, 8), mean = poisoned(be, 16), var = poisoned(be, 16), gy = random(be, rng, 6, 16, 8, 8),
                    gx = poisoned(be, 6, 16, 8, 8), gg = poisoned(be, 10, 16), gb = poisoned(be, 10, 16);
            all.addAll(List.of(x, lab, gamma, beta, rm, rv, y, mean, var, gy, gx, gg, gb));
            be.condBatchNorm().forwardTraining(x, lab, gamma, beta, 1e-5f, 0.1f, rm, rv, y, mean, var);
            be.condBatchNorm().backward(x, lab, gamma, mean, var, 1e-5f, gy, gx, gg, gb);
            String[] names = {"y", "mean", "var", "running_mean", "running_var", "grad_x", "grad_gamma", "grad_beta"};
            Tensor[] ts = {y, mean, var, rm, rv, gx, gg, gb};
            for (int i = 0; i < names.length; i++) {
                out.put("cond-batchnorm " + impl + " " + names[i], digest(be, ts[i]));
            }
        }
        all.forEach(Tensor::close);
        return out;
    }

    private static float[] positive(SplittableRandom rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (0.5 + rng.nextDouble());
        }
        return v;
    }

    public static void main(String[] args) {
        try (CudaBackend be = CudaBackend.open()) {
            System.out.println("device=" + be.describe());
            run(be).forEach((k, v) -> System.out.println(k + "=" + v));
        }
    }
}
