package sagan4j.onednn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import sagan4j.backend.Tensor;
import sagan4j.models.Discriminator;
import sagan4j.models.GanConfig;
import sagan4j.models.Generator;
import sagan4j.nn.Parameter;
import sagan4j.testing.OpenAttention;
import sagan4j.testing.Reference;
import sagan4j.testing.Slow;

/**
 * The training loop's exact resume needs the same bits from the same inputs: a G forward, a D forward and
 * backward into G, run twice on fresh models, must agree bit for bit — also when the Java loops run on one
 * thread instead of all (their shares never change a result; oneDNN's OpenMP thread count is fixed per
 * process, so only the Java side can be varied here).
 */
@Slow
class OneDnnDeterminismTest {
    private static final GanConfig CFG = new GanConfig("tiny-sagan", GanConfig.Blocks.SEED, false, 32, 3, 3, 8, 16, 0, 16, 16,
            true, true, 0f, false, 7);

    /** G's images, D's logits, and every gradient of G and D after one G step at batch 32 (shares split). */
    private static List<float[]> gStep(OneDnnBackend be) {
        int batch = 32;
        SplittableRandom rng = new SplittableRandom(5);
        float[] z = Reference.random(rng, batch * CFG.zDim(), 1);
        int[] labels = rng.ints(batch, 0, CFG.classes()).toArray();
        List<float[]> out = new ArrayList<>();
        try (Generator g = new Generator(be, CFG); Discriminator d = new Discriminator(be, CFG);
             Tensor tz = be.fromHost(z, batch, CFG.zDim()); Tensor tl = be.fromHost(labels, batch);
             Tensor up = be.fromHost(Reference.random(rng, batch, 1), batch, 1)) {
            OpenAttention.set(be, g.weights(), 0.5f);
            OpenAttention.set(be, d.weights(), 0.5f);
            Tensor images = g.forward(tz, tl);
            out.add(be.toHostFloats(images));
            out.add(be.toHostFloats(d.forward(images, tl)));
            g.zeroGrad();
            d.zeroGrad();
            g.backward(d.backward(up));
            for (Parameter p : g.weights()) {
                out.add(be.toHostFloats(p.grad()));
            }
            for (Parameter p : d.weights()) {
                out.add(be.toHostFloats(p.grad()));
            }
        }
        return out;
    }

    @Test
    void theSameBitsTwiceAndWithOneJavaThread() {
        List<float[]> first = gStep(OneDnnTestBackend.CPU), second = gStep(OneDnnTestBackend.CPU);
        List<float[]> oneThread;
        String before = System.getProperty("sagan4j.javaThreads");
        System.setProperty("sagan4j.javaThreads", "1");
        try (OneDnnBackend single = OneDnnBackend.open()) {
            oneThread = gStep(single);
        } finally {
            if (before == null) {
                System.clearProperty("sagan4j.javaThreads");
            } else {
                System.setProperty("sagan4j.javaThreads", before);
            }
        }
        for (int i = 0; i < first.size(); i++) {
            assertArrayEquals(first.get(i), second.get(i), "output " + i + " differs between two identical runs");
            assertArrayEquals(first.get(i), oneThread.get(i), "output " + i + " differs with one Java thread");
        }
    }
}
