package sagan4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sagan4j.testing.Reference.assertClose;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.reference.ReferenceBackend;
import sagan4j.nn.Init;
import sagan4j.nn.Module;
import sagan4j.nn.Parameter;

/**
 * The networks normalise all their spectral-norm weights together before each forward (one grouped call, on
 * CUDA one launch): every weight's u must still advance by exactly one power iteration per training forward,
 * from its own previous u (v = normalize(Wᵀu), u' = normalize(Wv), in double here), and stay put in eval — as
 * when each layer normalised its own weight. A weight skipped or iterated twice fails.
 */
class SpectralNormPerNetworkTest {
    private final Backend cpu = new ReferenceBackend();

    /** u and W of every spectral-norm weight, by weight name, as host arrays. */
    private Map<String, float[][]> state(Module net) {
        Map<String, Parameter> byName = new HashMap<>();
        net.parameters().forEach(p -> byName.put(p.name(), p));
        Map<String, float[][]> out = new HashMap<>();
        for (Parameter p : net.parameters()) {
            if (p.name().endsWith("_u")) {
                String w = p.name().substring(0, p.name().length() - 2);
                out.put(w, new float[][] {cpu.toHostFloats(p.value()), cpu.toHostFloats(byName.get(w).value())});
            }
        }
        return out;
    }

    private static double[] powerIteration(float[] u0, float[] w) {
        int m = u0.length, n = w.length / m;
        double[] v = new double[n], u = new double[m];
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                v[j] += (double) w[i * n + j] * u0[i];
            }
        }
        normalize(v);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                u[i] += w[i * n + j] * v[j];
            }
        }
        normalize(u);
        return u;
    }

    private static void normalize(double[] x) {
        double s = 0;
        for (double d : x) {
            s += d * d;
        }
        double k = 1 / Math.max(Math.sqrt(s), 1e-12);
        for (int i = 0; i < x.length; i++) {
            x[i] *= k;
        }
    }

    private void checkOneIterationEach(String what, Map<String, float[][]> before, Map<String, float[][]> after) {
        assertTrue(before.size() >= 10, what + ": the network has its spectral-norm weights (" + before.size() + ")");
        for (var e : before.entrySet()) {
            assertClose(what + " " + e.getKey() + " u", after.get(e.getKey())[0], powerIteration(e.getValue()[0], e.getValue()[1]), 1e-5);
        }
    }

    @Test
    void everyWeightOfGAndDAdvancesByOneIterationPerTrainingForwardAndNoneInEval() {
        GanConfig cfg = GanConfig.preset("tiny");
        SplittableRandom rng = new SplittableRandom(7);
        int b = 2;
        try (Generator g = new Generator(cpu, cfg); Discriminator d = new Discriminator(cpu, cfg);
             Tensor z = cpu.fromHost(Init.gaussian(b * cfg.zDim(), 1, rng), b, cfg.zDim()); Tensor y = cpu.fromHost(new int[] {3, 7}, b)) {
            for (int pass = 0; pass < 2; pass++) {   // the second pass starts from the u the first one left
                Map<String, float[][]> g0 = state(g), d0 = state(d);
                Tensor images = g.forward(z, y);
                d.forward(images, y);
                checkOneIterationEach("G pass " + pass, g0, state(g));
                checkOneIterationEach("D pass " + pass, d0, state(d));
            }
            g.train(false);
            Map<String, float[][]> g0 = state(g);
            g.forward(z, y);
            Map<String, float[][]> g1 = state(g);
            for (var e : g0.entrySet()) {
                float[] u0 = e.getValue()[0], u1 = g1.get(e.getKey())[0];
                for (int i = 0; i < u0.length; i++) {
                    assertEquals(u0[i], u1[i], "eval leaves " + e.getKey() + " u unchanged");
                }
            }
        }
    }
}
