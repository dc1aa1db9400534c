package sagan4j.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.DType;
import sagan4j.backend.SpectralNormOps;
import sagan4j.backend.SpectralNormOps.Weight;
import sagan4j.backend.Tensor;
import sagan4j.reference.ReferenceBackend;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.spectralnorm.SpectralNormKernels;
import sagan4j.models.Discriminator;
import sagan4j.models.GanConfig;
import sagan4j.models.Generator;
import sagan4j.nn.Module;
import sagan4j.nn.Parameter;
import sagan4j.ops.OpInputException;

/**
 * {@code bench spectral-norm}: the training forward (iters power-iteration steps from the persistent u,
 * then W/σ) for every SN weight of a model. On CUDA: {@code grouped} (one cooperative launch for all
 * weights), {@code chain} (the baseline composition: the per-layer launch chain, four phase launches
 * per weight and step), {@code simple} (one single-block launch per weight); on the CPU the reference.
 *
 * <p>Bytes (the floor each call must move): Σ over weights of 4·m·n·(2·iters + 2) — W read twice per
 * step, then read once more and W/σ written. FLOPs: Σ (4·iters + 1)·m·n.
 */
final class SpectralNormBench implements BenchCase {
    static final float EPS = SpectralNormOps.DEFAULT_EPS;

    @Override
    public String name() {
        return "spectral-norm";
    }

    @Override
    public String description() {
        return "spectral normalisation of every SN weight of a model: one grouped launch vs the per-layer chain";
    }

    @Override
    public List<String> impls(Backend be) {
        if (be instanceof CudaBackend) {
            return be.spectralNorm().impls();
        }
        return List.of(CpuImpl.of(be));
    }

    @Override
    public String baseline(Backend be) {
        return be instanceof CudaBackend ? SpectralNormKernels.CHAIN : CpuImpl.of(be);
    }

    /** SAGAN-32 G + D: every SN weight as (out, rest). */
    static final int[][] SAGAN32 = {
        // G: linear z(128) -> 4x4x256, three up-blocks (conv3x3, conv3x3, 1x1 shortcut), attention at 256 ch, to RGB
        {4096, 128},
        {256, 2304}, {256, 2304}, {256, 256},
        {256, 2304}, {256, 2304}, {256, 256},
        {32, 256}, {32, 256}, {128, 256}, {256, 128},
        {256, 2304}, {256, 2304}, {256, 256},
        {3, 2304},
        // D: down-blocks 3 -> 64 -> 128 -> 256, attention at 128 ch, linear and class embedding
        {64, 27}, {64, 576}, {64, 3},
        {128, 576}, {128, 1152}, {128, 64},
        {16, 128}, {16, 128}, {64, 128}, {128, 64},
        {256, 1152}, {256, 2304}, {256, 128},
        {1, 256}, {10, 256},
    };
    /** The presets {@code model=NAME} takes. */
    static final List<String> MODELS = List.of("tiny", "sagan32", "biggan32", "biggan128");
    /** Four BigGAN-128 generator convs of the (1536, 1536, 3, 3) class. */
    static final int[][] BIGGAN128 = {{1536, 13824}, {1536, 13824}, {1536, 13824}, {1536, 13824}};
    /** One small weight: launch overhead dominates. */
    static final int[][] SMALL = {{64, 27}};

    @Override
    public List<BenchShape> defaultShapes() {
        return List.of(BenchShape.of("SAGAN-32 G+D, " + SAGAN32.length + " weights", "preset", 1, "iters", 1),
                BenchShape.of("BigGAN-128 4x(1536,1536,3,3)", "preset", 2, "iters", 1),
                BenchShape.of("one conv (64,3,3,3)", "preset", 3, "iters", 1));
    }

    /**
     * {@code preset=1|2|3,iters=K}, {@code weights=L,out=M,rest=N,iters=K} (L equal weights) or
     * {@code model=NAME,iters=K}: every SN weight of that preset's G and D as the models build them (the shapes
     * the PyTorch peer's spectral_norm hooks run at, bench/peers/torch_peers.py).
     */
    @Override
    public BenchShape parseShape(String spec) {
        if (spec.startsWith("model=")) {
            String name = spec.substring(6, spec.contains(",") ? spec.indexOf(',') : spec.length());
            if (!MODELS.contains(name)) {
                throw new OpInputException("--shape: model must be one of " + String.join(", ", MODELS) + ", got '" + name + "'");
            }
            BenchShape rest = BenchShape.parse(spec.substring(Math.min(spec.length(), 7 + name.length())), "iters");
            return BenchShape.of(spec, "model", MODELS.indexOf(name) + 1, "iters", rest.get("iters"));
        }
        if (spec.contains("preset")) {
            BenchShape s = BenchShape.parse(spec, "preset", "iters");
            if (s.get("preset") > 3) {
                throw new OpInputException("--shape: preset must be 1 (SAGAN-32), 2 (BigGAN-128) or 3 (one conv), got "
                        + s.get("preset"));
            }
            String label = defaultShapes().get(s.get("preset") - 1).label();
            return new BenchShape(label, s.dims());
        }
        return BenchShape.parse(spec, "weights", "out", "rest", "iters");
    }

    static int[][] weights(BenchShape s) {
        if (s.dims().containsKey("model")) {
            return modelWeights(MODELS.get(s.get("model") - 1));
        }
        if (s.dims().containsKey("preset")) {
            return switch (s.get("preset")) {
                case 1 -> SAGAN32;
                case 2 -> BIGGAN128;
                default -> SMALL;
            };
        }
        int[][] w = new int[s.get("weights")][];
        for (int k = 0; k < w.length; k++) {
            w[k] = new int[] {s.get("out"), s.get("rest")};
        }
        return w;
    }

    @Override
    public long inputBytes(BenchShape s) {
        long b = 0;
        for (int[] w : weights(s)) {
            b += 4L * ((long) w[0] * w[1] + w[0] + w[1]);
        }
        return b;
    }

    @Override
    public Instance prepare(Backend be, BenchShape s, int copies) {
        int[][] shapes = weights(s);
        int iters = s.get("iters");
        SplittableRandom rng = new SplittableRandom(11);
        SpectralNormOps sn = be.spectralNorm();
        List<Tensor> owned = new ArrayList<>();
        List<SpectralNormOps.Group> groups = new ArrayList<>();
        List<Tensor> outputs = new ArrayList<>();
        for (int[] w : shapes) {
            outputs.add(track(owned, be.empty(DType.FLOAT32, w[0], w[1])));   // W/σ, shared by the copies
        }
        try {
            for (int c = 0; c < copies; c++) {
                List<Weight> ws = new ArrayList<>();
                for (int k = 0; k < shapes.length; k++) {
                    int m = shapes[k][0], n = shapes[k][1];
                    Tensor w = track(owned, be.fromHost(GemmBench.random(rng, m * n), m, n));
                    Tensor u = track(owned, be.fromHost(SpectralNormOps.normalVector(rng, m), m));
                    Tensor v = track(owned, be.empty(DType.FLOAT32, n));
                    Tensor sigma = track(owned, be.empty(DType.FLOAT32, 1));
                    ws.add(new Weight(w, u, v, sigma, outputs.get(k)));
                }
                groups.add(sn.group(ws));
            }
        } catch (RuntimeException e) {
            groups.forEach(SpectralNormOps.Group::close);
            owned.forEach(Tensor::close);
            throw e;
        }
        long elems = 0;
        for (int[] w : shapes) {
            elems += (long) w[0] * w[1];
        }
        final long mn = elems;
        String before = sn.impl();
        return new Instance() {
            @Override
            public void run(String impl, int copy) {
                if (!impl.startsWith("cpu-") && !impl.equals(sn.impl())) {
                    sn.setImpl(impl);
                }
                sn.forward(groups.get(copy), iters, EPS);
            }

            @Override
            public long bytesMoved(String impl) {
                return 4L * mn * (2L * iters + 2);
            }

            @Override
            public double flops(String impl) {
                return (4.0 * iters + 1) * mn;
            }

            @Override
            public void close() {
                be.synchronize();
                sn.setImpl(before);
                groups.forEach(SpectralNormOps.Group::close);
                owned.forEach(Tensor::close);
            }
        };
    }

    /** Every spectrally normalised weight of a preset's G and D as (rows, cols): its u and v buffers' sizes. */
    static int[][] modelWeights(String preset) {
        GanConfig cfg = GanConfig.preset(preset).withOrthoInit(false);   // shapes only: skip the orthogonalisation
        List<int[]> out = new ArrayList<>();
        try (ReferenceBackend cpu = new ReferenceBackend(); Generator g = new Generator(cpu, cfg); Discriminator d = new Discriminator(cpu, cfg)) {
            for (Module net : List.of(g, d)) {
                Map<String, Parameter> byName = new HashMap<>();
                net.parameters().forEach(p -> byName.put(p.name(), p));
                for (Parameter u : net.parameters()) {
                    Parameter v = u.name().endsWith("_u") ? byName.get(u.name().replaceFirst("_u$", "_v")) : null;
                    if (v != null) {
                        out.add(new int[] {Math.toIntExact(u.value().size()), Math.toIntExact(v.value().size())});
                    }
                }
            }
        }
        return out.toArray(new int[0][]);
    }

    private static Tensor track(List<Tensor> owned, Tensor t) {
        owned.add(t);
        return t;
    }
}
