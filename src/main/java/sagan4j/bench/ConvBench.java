package sagan4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.ConvOps;
import sagan4j.backend.DType;
import sagan4j.backend.Tensor;

/**
 * {@code bench conv}: the forward 3×3 convolution of the models' shapes, every implementation the
 * backend has (cuDNN, im2col + GEMM; the CPU reference). Bytes: x and w read, y written once
 * (4·(B·Cin·H·W + Cout·Cin·k² + B·Cout·H·W)); FLOPs 2·B·Cout·H·W·Cin·k². The baseline is im2col.
 */
final class ConvBench implements BenchCase {
    @Override
    public String name() {
        return "conv";
    }

    @Override
    public String description() {
        return "3x3 convolution forward, stride 1, same padding: cuDNN vs im2col + GEMM";
    }

    @Override
    public List<String> impls(Backend be) {
        return be.conv().impls();
    }

    @Override
    public String baseline(Backend be) {
        List<String> impls = impls(be);
        return impls.contains("im2col") ? "im2col" : impls.get(0);
    }

    @Override
    public List<BenchShape> defaultShapes() {
        return List.of(BenchShape.of("SAGAN-32 G block 1", "B", 64, "Cin", 256, "Cout", 128, "H", 16, "W", 16),
                BenchShape.of("SAGAN-32 D block 0", "B", 64, "Cin", 64, "Cout", 64, "H", 32, "W", 32));
    }

    @Override
    public BenchShape parseShape(String spec) {
        return BenchShape.parse(spec, "B", "Cin", "Cout", "H", "W");
    }

    @Override
    public long inputBytes(BenchShape s) {
        return 4L * s.get("B") * s.get("Cin") * s.get("H") * s.get("W");
    }

    @Override
    public Instance prepare(Backend be, BenchShape s, int copies) {
        int b = s.get("B"), cin = s.get("Cin"), cout = s.get("Cout"), h = s.get("H"), w = s.get("W");
        SplittableRandom rng = new SplittableRandom(5);
        List<Tensor> xs = new ArrayList<>();
        for (int i = 0; i < copies; i++) {
            xs.add(be.fromHost(GemmBench.random(rng, b * cin * h * w), b, cin, h, w));
        }
        Tensor wt = be.fromHost(GemmBench.random(rng, cout * cin * 9), cout, cin, 3, 3);
        Tensor y = be.empty(DType.FLOAT32, b, cout, h, w);
        ConvOps conv = be.conv();
        String before = conv.impl();
        return new Instance() {
            @Override
            public void run(String impl, int copy) {
                conv.setImpl(impl);
                conv.forward(xs.get(copy), wt, 1, y);
            }

            @Override
            public long bytesMoved(String impl) {
                return 4L * ((long) b * cin * h * w + (long) cout * cin * 9 + (long) b * cout * h * w);
            }

            @Override
            public double flops(String impl) {
                return 2.0 * b * cout * h * w * cin * 9;
            }

            @Override
            public void close() {
                conv.setImpl(before);
                xs.forEach(Tensor::close);
                wt.close();
                y.close();
            }
        };
    }
}
