package sagan4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.GanLossOps;
import sagan4j.backend.OptimOps;
import sagan4j.backend.Tensor;

/**
 * {@code bench optim}: a training step's per-network updates (kernels/optim.cu) over T tensors of S elements
 * each, n = T·S: Adam one launch per tensor (the baseline) against one multi-tensor launch, the weight EMA and
 * the gradient zeroing as one launch each, the device GAN loss (kernels/gan_loss.cu) on a batch of S logits, and
 * the auxiliary classifier's cross-entropy ({@code aux_ce_f32}) on S / 10 rows of 10 class logits, every row scored.
 * Bytes: Adam 28n (read p, g, m, v; write p, m, v), EMA 12n, zeroing 4n, the loss 8 per logit + 16, the
 * cross-entropy 8K + 4 per row (read K logits and the label, write K gradients) + 4.
 */
final class OptimBench implements BenchCase {
    private static final List<String> IMPLS = List.of("adam-multi", "adam-per-tensor", "ema-multi", "zero-multi", "gan-loss", "aux-ce");
    /** The auxiliary head's classes in the {@code aux-ce} case: Fashion-MNIST's and CIFAR-10's. */
    private static final int AUX_CLASSES = 10;
    private static final OptimOps.AdamArgs ADAM = new OptimOps.AdamArgs(2e-4f, 0f, 0.9f, 1e-8f);

    @Override
    public String name() {
        return "optim";
    }

    @Override
    public String description() {
        return "Adam per tensor vs one multi-tensor launch, EMA and gradient zeroing per network, the device GAN loss: GB/s";
    }

    @Override
    public List<String> impls(Backend be) {
        return IMPLS;
    }

    @Override
    public String baseline(Backend be) {
        return "adam-per-tensor";
    }

    @Override
    public List<BenchShape> defaultShapes() {
        // about SAGAN-32 G's weight tensors (~60 tensors, ~4 M parameters), then a small one (BenchNativeTest's)
        return List.of(BenchShape.of("SAGAN-32-sized network", "T", 60, "S", 65536), BenchShape.of("small network", "T", 8, "S", 512));
    }

    @Override
    public BenchShape parseShape(String spec) {
        return BenchShape.parse(spec, "T", "S");
    }

    @Override
    public long inputBytes(BenchShape s) {
        return 16L * s.get("T") * s.get("S");
    }

    @Override
    public Instance prepare(Backend be, BenchShape s, int copies) {
        int tensors = s.get("T"), size = s.get("S");
        long n = (long) tensors * size;
        SplittableRandom rng = new SplittableRandom(11);
        List<Tensor> all = new ArrayList<>();
        List<List<List<Tensor>>> sets = new ArrayList<>(); // per copy: params, grads, m, v
        List<OptimOps.AdamGroup> adamGroups = new ArrayList<>();
        List<OptimOps.EmaGroup> emaGroups = new ArrayList<>();
        List<OptimOps.ZeroGroup> zeroGroups = new ArrayList<>();
        for (int c = 0; c < copies; c++) {
            List<List<Tensor>> set = new ArrayList<>();
            for (int role = 0; role < 4; role++) {
                List<Tensor> ts = new ArrayList<>();
                for (int i = 0; i < tensors; i++) {
                    float[] data = GemmBench.random(rng, size);
                    if (role == 3) {
                        for (int k = 0; k < size; k++) {
                            data[k] *= data[k]; // the second moment is >= 0
                        }
                    }
                    Tensor t = be.fromHost(data, size);
                    ts.add(t);
                    all.add(t);
                }
                set.add(ts);
            }
            sets.add(set);
            adamGroups.add(be.optim().adamGroup(set.get(0), set.get(1), set.get(2), set.get(3)));
            emaGroups.add(be.optim().emaGroup(set.get(1), set.get(2), new boolean[tensors]));
            zeroGroups.add(be.optim().zeroGroup(set.get(3)));
        }
        Tensor logits = be.fromHost(GemmBench.random(rng, size), size, 1), grad = be.empty(sagan4j.backend.DType.FLOAT32, size, 1);
        Tensor sums = be.zeros(GanLossOps.SUMS);
        int auxRows = Math.max(1, size / AUX_CLASSES);
        int[] auxLabels = new int[auxRows];
        for (int i = 0; i < auxRows; i++) {
            auxLabels[i] = rng.nextInt(AUX_CLASSES);
        }
        Tensor auxLogits = be.fromHost(GemmBench.random(rng, auxRows * AUX_CLASSES), auxRows, AUX_CLASSES);
        Tensor auxGrad = be.empty(sagan4j.backend.DType.FLOAT32, auxRows, AUX_CLASSES), auxY = be.fromHost(auxLabels, auxRows);
        Tensor auxSum = be.zeros(1);
        long[] steps = new long[copies];
        return new Instance() {
            @Override
            public void run(String impl, int copy) {
                List<List<Tensor>> set = sets.get(copy);
                switch (impl) {
                    case "adam-multi" -> be.optim().adam(adamGroups.get(copy), ADAM);
                    case "adam-per-tensor" -> {
                        long t = ++steps[copy];
                        for (int i = 0; i < tensors; i++) {
                            be.optim().adam(set.get(0).get(i), set.get(1).get(i), set.get(2).get(i), set.get(3).get(i), ADAM, t);
                        }
                    }
                    case "ema-multi" -> be.optim().ema(emaGroups.get(copy), 0.999f, false);
                    case "zero-multi" -> be.optim().zero(zeroGroups.get(copy));
                    case "gan-loss" -> be.ganLoss().discriminator(GanLossOps.Loss.HINGE, logits, size / 2, size, grad, sums, false);
                    case "aux-ce" -> be.ganLoss().classifier(auxLogits, auxY, auxRows, 1f, auxRows, auxGrad, auxSum, false);
                    default -> throw new IllegalArgumentException("optim bench has no implementation " + impl);
                }
            }

            @Override
            public long bytesMoved(String impl) {
                return switch (impl) {
                    case "adam-multi", "adam-per-tensor" -> 28 * n;
                    case "ema-multi" -> 12 * n;
                    case "zero-multi" -> 4 * n;
                    case "aux-ce" -> (8L * AUX_CLASSES + 4) * auxRows + 4;
                    default -> 8L * size + 16;
                };
            }

            @Override
            public double flops(String impl) {
                return switch (impl) {
                    case "adam-multi", "adam-per-tensor" -> 12.0 * n;
                    case "ema-multi" -> 3.0 * n;
                    case "zero-multi" -> 0;
                    case "aux-ce" -> 6.0 * AUX_CLASSES * auxRows; // max, exp, sum, divide, subtract, scale per logit
                    default -> 10.0 * size;
                };
            }

            @Override
            public void close() {
                adamGroups.forEach(OptimOps.AdamGroup::close);
                emaGroups.forEach(OptimOps.EmaGroup::close);
                zeroGroups.forEach(OptimOps.ZeroGroup::close);
                all.forEach(Tensor::close);
                for (Tensor t : new Tensor[] {logits, grad, sums, auxLogits, auxGrad, auxY, auxSum}) {
                    t.close();
                }
            }
        };
    }
}
