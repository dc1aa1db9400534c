package sagan4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.Backend.GemmShape;
import sagan4j.backend.DType;
import sagan4j.backend.GemmMath;
import sagan4j.backend.Tensor;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.gemm.CublasGemm;
import sagan4j.cuda.gemm.GemmPath;
import sagan4j.cuda.gemm.TiledGemm;

/**
 * {@code bench gemm}: batched row-major C = A·B. On CUDA: cuBLAS FP32 (the baseline), cuBLAS TF32 and
 * the fallback tiled kernel; on the CPU: the double-accumulating reference. Bytes: A, B read and C
 * written once each, 4·(MK + KN + MN)·batch; FLOPs 2·MNK·batch.
 */
final class GemmBench implements BenchCase {
    @Override
    public String name() {
        return "gemm";
    }

    @Override
    public String description() {
        return "row-major batched SGEMM: cuBLAS FP32/TF32 vs sagan4j's tiled fallback kernel";
    }

    @Override
    public List<String> impls(Backend be) {
        if (be instanceof CudaBackend cuda) {
            List<String> l = new ArrayList<>(List.of("cublas-fp32", "cublas-tf32", "tiled"));
            if (!cuda.gemmPath().name().equals("cublas")) {
                l.removeIf(s -> s.startsWith("cublas"));
            }
            return l;
        }
        return List.of(CpuImpl.of(be));
    }

    @Override
    public String baseline(Backend be) {
        return impls(be).get(0);
    }

    @Override
    public List<BenchShape> defaultShapes() {
        return List.of(BenchShape.of("square", "batch", 1, "M", 1024, "N", 1024, "K", 1024),
                BenchShape.of("attention scores SAGAN-32 G", "batch", 64, "M", 256, "N", 64, "K", 16));
    }

    @Override
    public BenchShape parseShape(String spec) {
        return BenchShape.parse(spec, "batch", "M", "N", "K");
    }

    @Override
    public long inputBytes(BenchShape s) {
        return 4L * s.get("batch") * ((long) s.get("M") * s.get("K") + (long) s.get("K") * s.get("N"));
    }

    @Override
    public Instance prepare(Backend be, BenchShape s, int copies) {
        int batch = s.get("batch"), m = s.get("M"), n = s.get("N"), k = s.get("K");
        SplittableRandom rng = new SplittableRandom(3);
        List<Tensor> as = new ArrayList<>(), bs = new ArrayList<>();
        for (int i = 0; i < copies; i++) {
            as.add(be.fromHost(random(rng, batch * m * k), batch, m, k));
            bs.add(be.fromHost(random(rng, batch * k * n), batch, k, n));
        }
        Tensor c = be.empty(DType.FLOAT32, batch, m, n);
        GemmShape g = new GemmShape(false, false, batch, m, n, k, true, true);
        CudaBackend cuda = be instanceof CudaBackend cb ? cb : null;
        GemmPath tiled = cuda == null ? null : new TiledGemm(cuda.kernels(), cuda.stream());
        GemmPath cublas = cuda != null && cuda.gemmPath() instanceof CublasGemm cg ? cg : null;
        return new Instance() {
            @Override
            public void run(String impl, int copy) {
                Tensor a = as.get(copy), b = bs.get(copy);
                switch (impl) {
                    case "cpu-reference", "cpu-onednn" -> be.gemm(false, false, 1f, a, b, 0f, c);
                    case "cublas-fp32" -> cublas.gemm(g, 1f, cuda.pointer(a), cuda.pointer(b), 0f, cuda.pointer(c), GemmMath.FP32);
                    case "cublas-tf32" -> cublas.gemm(g, 1f, cuda.pointer(a), cuda.pointer(b), 0f, cuda.pointer(c), GemmMath.TF32);
                    case "tiled" -> tiled.gemm(g, 1f, cuda.pointer(a), cuda.pointer(b), 0f, cuda.pointer(c), GemmMath.FP32);
                    default -> throw new IllegalArgumentException("gemm bench has no impl " + impl);
                }
            }

            @Override
            public long bytesMoved(String impl) {
                return 4L * batch * ((long) m * k + (long) k * n + (long) m * n);
            }

            @Override
            public double flops(String impl) {
                return 2.0 * batch * m * n * k;
            }

            @Override
            public void close() {
                as.forEach(Tensor::close);
                bs.forEach(Tensor::close);
                c.close();
            }
        };
    }

    static float[] random(SplittableRandom rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rng.nextDouble(-1, 1);
        }
        return x;
    }
}
