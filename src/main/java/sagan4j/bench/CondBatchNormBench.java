package sagan4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import jcuda.driver.CUdeviceptr;
import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.condbatchnorm.CondBatchNormKernels;
import sagan4j.cuda.condbatchnorm.CudaCondBatchNorm;

/**
 * {@code bench cond-batchnorm}: the training forward (batch statistics, running statistics updated, class
 * tables gathered by label). On CUDA: {@code fused} (one kernel, x held in shared memory when a channel
 * fits), {@code two-pass} (statistics then normalise, 3 kernels) and {@code baseline}, the composition a
 * framework runs: separate gather, batch-norm (statistics + normalise) and affine kernels. On the CPU: the
 * reference. Bytes (the same floor for every version, so GB/s is effective bandwidth): x read once and y
 * written once, plus the gathered γ, β rows and the statistics: 4·(2·B·C·H·W + 2·B·C + 4·C). FLOPs ≈ 8 per
 * element (Welford 5, normalise 3).
 */
final class CondBatchNormBench implements BenchCase {
    @Override
    public String name() {
        return "cond-batchnorm";
    }

    @Override
    public String description() {
        return "conditional batch norm, training forward: fused / two-pass kernels vs separate gather + batch-norm + affine";
    }

    @Override
    public List<String> impls(Backend be) {
        if (be instanceof CudaBackend) {
            return List.of(CondBatchNormKernels.FUSED, CondBatchNormKernels.TWO_PASS, CondBatchNormKernels.BASELINE);
        }
        return List.of(CpuImpl.of(be));
    }

    @Override
    public String baseline(Backend be) {
        return be instanceof CudaBackend ? CondBatchNormKernels.BASELINE : CpuImpl.of(be);
    }

    @Override
    public List<BenchShape> defaultShapes() {
        return List.of(BenchShape.of("BigGAN-128 G 128x128", "B", 64, "C", 96, "H", 128, "W", 128, "K", 1000),
                BenchShape.of("BigGAN-128 G 4x4", "B", 256, "C", 1536, "H", 4, "W", 4, "K", 1000),
                BenchShape.of("SAGAN-32 G 32x32", "B", 64, "C", 64, "H", 32, "W", 32, "K", 10),
                BenchShape.of("SAGAN-32 G 4x4", "B", 64, "C", 256, "H", 4, "W", 4, "K", 10));
    }

    @Override
    public BenchShape parseShape(String spec) {
        return BenchShape.parse(spec, "B", "C", "H", "W", "K");
    }

    private static long elements(BenchShape s) {
        return (long) s.get("B") * s.get("C") * s.get("H") * s.get("W");
    }

    @Override
    public long inputBytes(BenchShape s) {
        return 4 * elements(s);
    }

    /** The bytes formula of the class comment. */
    static long bytes(BenchShape s) {
        long bc = (long) s.get("B") * s.get("C");
        return 4 * (2 * elements(s) + 2 * bc + 4L * s.get("C"));
    }

    @Override
    public Instance prepare(Backend be, BenchShape s, int copies) {
        int b = s.get("B"), c = s.get("C"), h = s.get("H"), w = s.get("W"), k = s.get("K");
        int n = Math.toIntExact(elements(s));
        SplittableRandom rng = new SplittableRandom(11);
        List<Tensor> xs = new ArrayList<>();
        List<Tensor> all = new ArrayList<>();
        for (int i = 0; i < copies; i++) {
            Tensor x = be.fromHost(GemmBench.random(rng, n), b, c, h, w);
            xs.add(x);
            all.add(x);
        }
        int[] lab = new int[b];
        for (int i = 0; i < b; i++) {
            lab[i] = rng.nextInt(k);
        }
        Tensor labels = be.fromHost(lab, b), gamma = be.fromHost(GemmBench.random(rng, k * c), k, c);
        Tensor beta = be.fromHost(GemmBench.random(rng, k * c), k, c);
        Tensor rm = be.zeros(c), rv = be.zeros(c), y = be.empty(DType.FLOAT32, b, c, h, w);
        Tensor mean = be.empty(DType.FLOAT32, c), var = be.empty(DType.FLOAT32, c);
        be.fill(rv, 1f);
        all.addAll(List.of(labels, gamma, beta, rm, rv, y, mean, var));
        CudaBackend cuda = be instanceof CudaBackend cb ? cb : null;
        CondBatchNormKernels.Geometry g = new CondBatchNormKernels.Geometry(b, c, h, w, k);
        CondBatchNormKernels kernels = cuda == null ? null : ((CudaCondBatchNorm) cuda.condBatchNorm()).kernels();
        CUdeviceptr scratch = cuda == null ? null : ((CudaCondBatchNorm) cuda.condBatchNorm()).scratch(g);
        return new Instance() {
            @Override
            public void run(String impl, int copy) {
                Tensor x = xs.get(copy);
                if (cuda == null) {
                    be.condBatchNorm().forwardTraining(x, labels, gamma, beta, 1e-5f, 0.1f, rm, rv, y, mean, var);
                    return;
                }
                kernels.forwardTraining(impl, g, cuda.pointer(x), cuda.pointer(labels), cuda.pointer(gamma),
                        cuda.pointer(beta), 1e-5f, 0.1f, cuda.pointer(rm), cuda.pointer(rv), cuda.pointer(y),
                        cuda.pointer(mean), cuda.pointer(var), scratch, cuda.stream());
            }

            @Override
            public long bytesMoved(String impl) {
                return bytes(s);
            }

            @Override
            public double flops(String impl) {
                return 8.0 * elements(s);
            }

            @Override
            public void close() {
                all.forEach(Tensor::close);
            }
        };
    }
}
