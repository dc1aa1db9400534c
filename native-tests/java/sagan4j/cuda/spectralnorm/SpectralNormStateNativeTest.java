package sagan4j.cuda.spectralnorm;

import static sagan4j.testing.Reference.assertClose;
import static sagan4j.testing.Reference.nans;
import static sagan4j.testing.Reference.random;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import sagan4j.backend.Backend;
import sagan4j.backend.SpectralNormOps;
import sagan4j.backend.SpectralNormOps.Weight;
import sagan4j.backend.Tensor;
import sagan4j.reference.ReferenceBackend;
import sagan4j.cuda.CudaBackend;
import sagan4j.cuda.Gpu;
import sagan4j.models.GanConfig;
import sagan4j.models.Generator;
import sagan4j.nn.Parameter;

/**
 * Spectral-norm state that lives across steps on CUDA, against the CPU reference at 1e-5: more weights than
 * the single-weight path's cache of one-weight groups holds (CudaSpectralNorm keeps 64, least recently used
 * dropped), visited in an order that makes every step evict, so each weight's persistent u must survive its
 * group being dropped and rebuilt; and the {@link SpectralNormOps.Group} API as a model would use it: every SN
 * weight of a generator, with the model's own u and v buffers, in one group stepped several times.
 */
@Tag("native")
class SpectralNormStateNativeTest {
    private static final float EPS = SpectralNormOps.DEFAULT_EPS;
    private static final double TOL = 1e-5;
    /** More than CudaSpectralNorm's cache of 64 one-weight groups. */
    private static final int WEIGHTS = 80;

    @Test
    void moreWeightsThanTheSingleWeightCacheHolds() {
        SplittableRandom rng = new SplittableRandom(64);
        try (CudaBackend cuda = Gpu.open(CudaBackend.Options.defaults()); ReferenceBackend cpu = new ReferenceBackend()) {
            List<Weight> gpu = new ArrayList<>(), ref = new ArrayList<>();
            try {
                for (int k = 0; k < WEIGHTS; k++) {
                    int m = 1 + k % 13, n = 3 + (k * 7) % 29;   // different shapes, so a mixed-up group would show
                    float[] w = random(rng, m * n, 1), u0 = SpectralNormOps.normalVector(rng, m);
                    gpu.add(weight(cuda, w, u0, m, n));
                    ref.add(weight(cpu, w, u0, m, n));
                }
                for (int step = 0; step < 3; step++) {
                    // forwards then backwards through the list: past the cache's size, every visit is a miss
                    for (int i = 0; i < 2 * WEIGHTS; i++) {
                        int k = i < WEIGHTS ? i : 2 * WEIGHTS - 1 - i;
                        forward(cuda, gpu.get(k));
                        forward(cpu, ref.get(k));
                    }
                }
                for (int k = 0; k < WEIGHTS; k++) {
                    compare("weight " + k, cuda, gpu.get(k), cpu, ref.get(k));
                }
            } finally {
                Stream.concat(gpu.stream(), ref.stream()).forEach(SpectralNormStateNativeTest::close);
            }
        }
    }

    @Test
    void aGeneratorsWeightsInOneGroupOverSeveralSteps() {
        GanConfig p = GanConfig.preset("sagan32");
        GanConfig cfg = new GanConfig(p.preset() + "-small", p.blocks(), p.shared(), p.resolution(), p.imageChannels(), p.classes(),
                16, p.zDim(), p.sharedDim(), p.attentionG(), p.attentionD(), true, p.snD(), p.gainOffset(), p.orthoInit(), p.seed());
        try (CudaBackend cuda = Gpu.open(CudaBackend.Options.defaults()); ReferenceBackend cpu = new ReferenceBackend();
             Generator gGpu = new Generator(cuda, cfg); Generator gCpu = new Generator(cpu, cfg)) {
            List<Weight> gpu = snWeights(cuda, gGpu), ref = snWeights(cpu, gCpu);
            try (SpectralNormOps.Group a = cuda.spectralNorm().group(gpu); SpectralNormOps.Group b = cpu.spectralNorm().group(ref)) {
                for (int step = 0; step < 4; step++) {   // the model's u buffers carry each step's result to the next
                    cuda.spectralNorm().forward(a, 1, EPS);
                    cpu.spectralNorm().forward(b, 1, EPS);
                }
                for (int k = 0; k < gpu.size(); k++) {
                    compare("G spectral-norm weight " + k + " of " + gpu.size(), cuda, gpu.get(k), cpu, ref.get(k));
                }
            } finally {
                Stream.concat(gpu.stream(), ref.stream()).forEach(w -> {
                    w.sigma().close();
                    w.wSn().close();
                });
            }
        }
    }

    /** Every SN weight of the model (each {@code X.weight} with buffers {@code X.weight_u}, {@code X.weight_v}), σ and W/σ fresh and poisoned. */
    private static List<Weight> snWeights(Backend be, Generator g) {
        java.util.Map<String, Parameter> byName = new java.util.LinkedHashMap<>();
        g.parameters().forEach(p -> byName.put(p.name(), p));
        List<Weight> out = new ArrayList<>();
        for (Parameter p : byName.values()) {
            Parameter u = byName.get(p.name() + "_u"), v = byName.get(p.name() + "_v");
            if (p.trainable() && u != null && v != null) {
                int[] dims = p.value().shape().dims();
                out.add(new Weight(p.value(), u.value(), v.value(), be.fromHost(nans(1), 1),
                        be.fromHost(nans((int) p.value().size()), dims)));
            }
        }
        if (out.size() < 10) {
            throw new AssertionError("expected the generator's many SN weights, found " + out.size());
        }
        return out;
    }

    private static Weight weight(Backend be, float[] w, float[] u0, int m, int n) {
        return new Weight(be.fromHost(w, m, n), be.fromHost(u0, m), be.fromHost(nans(n), n), be.fromHost(nans(1), 1),
                be.fromHost(nans(m * n), m, n));
    }

    private static void forward(Backend be, Weight w) {
        be.spectralNorm().forward(w.w(), w.u(), w.v(), w.sigma(), w.wSn(), 1, EPS);
    }

    private static void compare(String what, Backend gpu, Weight a, Backend cpu, Weight b) {
        assertClose(what + " u", gpu.toHostFloats(a.u()), cpu.toHostFloats(b.u()), TOL);
        assertClose(what + " v", gpu.toHostFloats(a.v()), cpu.toHostFloats(b.v()), TOL);
        assertClose(what + " sigma", gpu.toHostFloats(a.sigma()), cpu.toHostFloats(b.sigma()), TOL);
        assertClose(what + " w_sn", gpu.toHostFloats(a.wSn()), cpu.toHostFloats(b.wSn()), TOL);
    }

    private static void close(Weight w) {
        Stream.of(w.w(), w.u(), w.v(), w.sigma(), w.wSn()).forEach(Tensor::close);
    }
}
