package sagan4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;

/**
 * {@code bench layers}: the memory-bound NCHW primitives of kernels/layers.cu on one (B, C, H, W) map,
 * each against the copy bandwidth (they have no baseline composition: each is one pass). Bytes per
 * primitive, n = B·C·H·W: upsample 4·(n + 4n); average and max pooling 4·(n + n/4) (+ n for the argmax);
 * transpose 8n; sum over H, W 4·(n + B·C); bias add 8n; the bias + leaky-ReLU epilogue (kernels/epilogue.cu) 12n
 * (read x, write x and y) against its unfused composition, bias add then leaky ReLU, 16n; the bias gradient
 * (layers.cu's split channel_bias_grad) 4·(n + C).
 */
final class LayersBench implements BenchCase {
    private static final List<String> PRIMITIVES = List.of("upsample2x", "avgpool2x2", "maxpool2x2", "transpose", "sum-hw",
            "add-bias", "add-bias-leaky-relu", "add-bias+leaky-relu", "bias-grad");
    private static final float SLOPE = 0.2f;

    @Override
    public String name() {
        return "layers";
    }

    @Override
    public String description() {
        return "NCHW primitives (up/down-sampling, transpose, sum over H,W, bias, bias + activation, bias gradient): GB/s against the copy bandwidth";
    }

    @Override
    public List<String> impls(Backend be) {
        return PRIMITIVES;
    }

    @Override
    public String baseline(Backend be) {
        return null;
    }

    @Override
    public List<BenchShape> defaultShapes() {
        return List.of(BenchShape.of("SAGAN-32 G 32x32 map", "B", 64, "C", 64, "H", 32, "W", 32));
    }

    @Override
    public BenchShape parseShape(String spec) {
        BenchShape s = BenchShape.parse(spec, "B", "C", "H", "W");
        if (s.get("H") % 2 != 0 || s.get("W") % 2 != 0) {
            throw new sagan4j.ops.OpInputException("--shape: H and W must be even for 2x2 pooling, got " + spec);
        }
        return s;
    }

    @Override
    public long inputBytes(BenchShape s) {
        return 4L * s.get("B") * s.get("C") * s.get("H") * s.get("W");
    }

    @Override
    public Instance prepare(Backend be, BenchShape s, int copies) {
        int b = s.get("B"), c = s.get("C"), h = s.get("H"), w = s.get("W");
        long n = (long) b * c * h * w;
        SplittableRandom rng = new SplittableRandom(9);
        List<Tensor> xs = new ArrayList<>();
        for (int i = 0; i < copies; i++) {
            xs.add(be.fromHost(GemmBench.random(rng, (int) n), b, c, h, w));
        }
        Tensor up = be.empty(DType.FLOAT32, b, c, 2 * h, 2 * w), pooled = be.empty(DType.FLOAT32, b, c, h / 2, w / 2);
        Tensor argmax = be.empty(DType.INT32, b, c, h / 2, w / 2), transposed = be.empty(DType.FLOAT32, b, h * w, c);
        Tensor sums = be.empty(DType.FLOAT32, b, c), bias = be.fromHost(GemmBench.random(rng, c), c);
        Tensor activated = be.empty(DType.FLOAT32, b, c, h, w), dBias = be.empty(DType.FLOAT32, c);
        return new Instance() {
            @Override
            public void run(String impl, int copy) {
                Tensor x = xs.get(copy);
                switch (impl) {
                    case "upsample2x" -> be.layers().upsample2x(x, up);
                    case "avgpool2x2" -> be.layers().avgPool2x2(x, pooled);
                    case "maxpool2x2" -> be.layers().maxPool2x2(x, pooled, argmax);
                    case "transpose" -> be.layers().transpose(x.reshape(b, c, h * w), transposed);
                    case "sum-hw" -> be.layers().sumHW(x, sums);
                    case "add-bias" -> be.layers().addChannelBias(x, bias);
                    case "add-bias-leaky-relu" -> be.layers().addChannelBiasActivation(x, bias, Backend.Activation.LEAKY_RELU, SLOPE, activated);
                    case "add-bias+leaky-relu" -> {
                        be.layers().addChannelBias(x, bias);
                        be.leakyRelu(x, SLOPE, activated);
                    }
                    case "bias-grad" -> be.layers().channelBiasGrad(x, dBias);
                    default -> throw new IllegalArgumentException("layers bench has no primitive " + impl);
                }
            }

            @Override
            public long bytesMoved(String impl) {
                return switch (impl) {
                    case "upsample2x" -> 4 * (n + 4 * n);
                    case "avgpool2x2" -> 4 * (n + n / 4);
                    case "maxpool2x2" -> 4 * (n + n / 4 + n / 4);
                    case "sum-hw" -> 4 * (n + (long) b * c);
                    case "add-bias-leaky-relu" -> 12 * n;
                    case "add-bias+leaky-relu" -> 16 * n;
                    case "bias-grad" -> 4 * (n + c);
                    default -> 8 * n;
                };
            }

            @Override
            public double flops(String impl) {
                return switch (impl) {
                    case "avgpool2x2", "maxpool2x2", "sum-hw", "add-bias", "bias-grad" -> n;
                    case "add-bias-leaky-relu", "add-bias+leaky-relu" -> 2 * n;
                    default -> 0;
                };
            }

            @Override
            public void close() {
                xs.forEach(Tensor::close);
                for (Tensor t : new Tensor[] {up, pooled, argmax, transposed, sums, bias, activated, dBias}) {
                    t.close();
                }
            }
        };
    }
}
