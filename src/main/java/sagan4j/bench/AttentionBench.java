package sagan4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import sagan4j.backend.AttentionOps;
import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;

/**
 * {@code bench attention} (forward) and {@code bench attention-backward}: the attention softmax-matmul's
 * versions on the backend ({@code fused}, {@code simple} and the {@code baseline} composition cuBLAS GEMM →
 * softmax kernel → GEMM on CUDA; the double reference on the CPU), speed-ups over the baseline.
 *
 * <p>Bytes are what the op must move at least, the same for every version (so GB/s compares like with
 * like; the baseline really moves 16·B·N·M bytes more forward, see docs/kernels/attention.md):
 * forward 4·(B·N·d + B·M·d + B·M·c + B·N·c + B·N) (read q, k, v; write o, lse), backward
 * 4·(2·B·N·d + 2·B·M·d + 2·B·M·c + 2·B·N·c + B·N) (read q, k, v, o, grad_o, lse; write the three
 * gradients). FLOPs: forward 2·B·N·M·(d + c); backward 2·B·N·M·(3·d + 2·c).
 */
final class AttentionBench implements BenchCase {
    private final boolean backward;

    private AttentionBench(boolean backward) {
        this.backward = backward;
    }

    /** The forward case and the backward case. */
    static List<BenchCase> cases() {
        return List.of(new AttentionBench(false), new AttentionBench(true));
    }

    @Override
    public String name() {
        return backward ? "attention-backward" : "attention";
    }

    @Override
    public String description() {
        return (backward ? "attention backward (grad_q, grad_k, grad_v)" : "attention forward o = softmax(q k^T) v")
                + ": fused / simple kernels vs the cuBLAS GEMM + softmax + GEMM baseline";
    }

    @Override
    public List<String> impls(Backend be) {
        return be.attention().impls();
    }

    @Override
    public String baseline(Backend be) {
        return impls(be).contains("baseline") ? "baseline" : null;
    }

    @Override
    public List<BenchShape> defaultShapes() {
        return List.of(
                BenchShape.of("SAGAN-32 D", "B", 64, "N", 256, "M", 64, "d", 8, "c", 32),
                BenchShape.of("BigGAN-128 C=192", "B", 8, "N", 4096, "M", 1024, "d", 24, "c", 96),
                BenchShape.of("BigGAN-128 C=96", "B", 8, "N", 4096, "M", 1024, "d", 12, "c", 48),
                BenchShape.of("SAGAN-32 G", "B", 64, "N", 256, "M", 64, "d", 16, "c", 64));
    }

    @Override
    public BenchShape parseShape(String spec) {
        return BenchShape.parse(spec, "B", "N", "M", "d", "c");
    }

    @Override
    public long inputBytes(BenchShape s) {
        long b = s.get("B"), n = s.get("N"), m = s.get("M"), d = s.get("d"), c = s.get("c");
        return 4L * b * (n * d + m * d + m * c + (backward ? 2 * n * c + n : 0));
    }

    /** Bytes one call must move (see the class comment). */
    static long bytes(boolean backward, long b, long n, long m, long d, long c) {
        return backward ? 4L * b * (2 * n * d + 2 * m * d + 2 * m * c + 2 * n * c + n)
                : 4L * b * (n * d + m * d + m * c + n * c + n);
    }

    static double flops(boolean backward, double b, double n, double m, double d, double c) {
        return 2 * b * n * m * (backward ? 3 * d + 2 * c : d + c);
    }

    @Override
    public Instance prepare(Backend be, BenchShape s, int copies) {
        int b = s.get("B"), n = s.get("N"), m = s.get("M"), d = s.get("d"), c = s.get("c");
        SplittableRandom rng = new SplittableRandom(3);
        AttentionOps att = be.attention();
        String before = att.impl();
        List<Tensor[]> sets = new ArrayList<>();   // q, k, v, o, lse, grad_o per copy
        List<Tensor> outs = new ArrayList<>();
        try {
            for (int i = 0; i < copies; i++) {
                Tensor q = be.fromHost(GemmBench.random(rng, b * n * d), b, n, d);
                Tensor k = be.fromHost(GemmBench.random(rng, b * m * d), b, m, d);
                Tensor v = be.fromHost(GemmBench.random(rng, b * m * c), b, m, c);
                Tensor o = be.empty(DType.FLOAT32, b, n, c), lse = be.empty(DType.FLOAT32, b, n);
                Tensor go = backward ? be.fromHost(GemmBench.random(rng, b * n * c), b, n, c) : null;
                sets.add(new Tensor[] {q, k, v, o, lse, go});
                if (backward) {
                    att.forward(q, k, v, 1f, o, lse);   // the backward's saved o and lse
                }
            }
            if (backward) {
                outs.add(be.empty(DType.FLOAT32, b, n, d));
                outs.add(be.empty(DType.FLOAT32, b, m, d));
                outs.add(be.empty(DType.FLOAT32, b, m, c));
            }
        } catch (RuntimeException e) {
            sets.forEach(AttentionBench::closeAll);
            outs.forEach(Tensor::close);
            throw e;
        }
        return new Instance() {
            @Override
            public void run(String impl, int copy) {
                if (!att.impl().equals(impl)) {
                    att.setImpl(impl);
                }
                Tensor[] t = sets.get(copy);
                if (backward) {
                    att.backward(t[0], t[1], t[2], t[3], t[4], t[5], 1f, outs.get(0), outs.get(1), outs.get(2));
                } else {
                    att.forward(t[0], t[1], t[2], 1f, t[3], t[4]);
                }
            }

            @Override
            public long bytesMoved(String impl) {
                return bytes(backward, b, n, m, d, c);
            }

            @Override
            public double flops(String impl) {
                return AttentionBench.flops(backward, b, n, m, d, c);
            }

            @Override
            public void close() {
                att.setImpl(before);
                sets.forEach(AttentionBench::closeAll);
                outs.forEach(Tensor::close);
            }
        };
    }

    private static void closeAll(Tensor[] ts) {
        for (Tensor t : ts) {
            if (t != null) {
                t.close();
            }
        }
    }
}
