package sagan4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sagan4j.backend.Backend;
import sagan4j.data.Datasets;
import sagan4j.data.ImageSet;
import sagan4j.io.StreamedSafeTensors;
import sagan4j.testing.HostBackends;

/** The evaluation classifier's loss, schedule, cache key and training, against independent computations. */
class ClassifierTrainingTest {
    /** The synthetic set's recipe in {@code Trainer.classifierFor}. */
    private static final ClassifierTraining SYNTHETIC = new ClassifierTraining("synthetic", 1, 32, 10, 8, 64, 20_000, 50, 1e-2f, 1);

    /** The loss by a separate double loop: mean over rows of log Σ exp(l) − l_label. */
    private static double lossByHand(double[] logits, int[] labels, int k) {
        double total = 0;
        for (int i = 0; i < labels.length; i++) {
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += Math.exp(logits[i * k + j]);
            }
            total += Math.log(sum) - logits[i * k + labels[i]];
        }
        return total / labels.length;
    }

    @Test
    void crossEntropyIsTheMeanNegativeLogSoftmaxAndItsGradientMatchesFiniteDifferences() {
        SplittableRandom rng = new SplittableRandom(11);
        int b = 6, k = 10;
        float[] logits = new float[b * k];
        int[] labels = new int[b];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (3 * rng.nextGaussian());
        }
        for (int i = 0; i < b; i++) {
            labels[i] = rng.nextInt(k);
        }
        float[] grad = new float[b * k];
        grad[0] = Float.NaN; // poisoned: every entry must be written
        double loss = ClassifierTraining.crossEntropy(logits, labels, k, grad);
        double[] asDouble = new double[b * k];
        for (int i = 0; i < asDouble.length; i++) {
            asDouble[i] = logits[i];
        }
        assertEquals(lossByHand(asDouble, labels, k), loss, 1e-9);
        for (int dir = 0; dir < 5; dir++) { // central differences along random directions
            double[] u = new double[b * k];
            double analytic = 0;
            for (int i = 0; i < u.length; i++) {
                u[i] = rng.nextGaussian();
                analytic += grad[i] * u[i];
            }
            double h = 1e-4;
            double[] plus = asDouble.clone(), minus = asDouble.clone();
            for (int i = 0; i < u.length; i++) {
                plus[i] += h * u[i];
                minus[i] -= h * u[i];
            }
            double numeric = (lossByHand(plus, labels, k) - lossByHand(minus, labels, k)) / (2 * h);
            assertEquals(numeric, analytic, 1e-5 * Math.max(1, Math.abs(numeric)), "direction " + dir);
        }
    }

    @Test
    void cosineStartsAtLrHalvesAtTheMidpointAndEndsNearZero() {
        assertEquals(2e-3f, ClassifierTraining.cosineLr(2e-3f, 1, 100), 0f);
        assertEquals(1e-3f, ClassifierTraining.cosineLr(2e-3f, 51, 100), 1e-9f);
        // the last step: lr·(1 + cos(99π/100))/2 = lr·(1 − cos(π/100))/2
        assertEquals(2e-3 * (1 - Math.cos(Math.PI / 100)) / 2, ClassifierTraining.cosineLr(2e-3f, 100, 100), 1e-10);
    }

    @Test
    void argmaxTakesTheFirstOfEqualMaxima() {
        assertEquals(List.of(2, 0, 1), java.util.Arrays.stream(ClassifierTraining.argmax(new float[] {0, 1, 5, 3, 3, -1, -2, 7, 7}, 3, 3))
                .boxed().toList());
    }

    @Test
    void everySettingOfTheRecipeIsInTheCacheKey() {
        ClassifierTraining a = new ClassifierTraining("synthetic", 1, 32, 10, 8, 32, 6_000, 50, 1e-3f, 1); // each below changes one field
        List<ClassifierTraining> changed = List.of(
                new ClassifierTraining("fashion-mnist", 1, 32, 10, 8, 32, 6_000, 50, 1e-3f, 1),
                new ClassifierTraining("synthetic", 3, 32, 10, 8, 32, 6_000, 50, 1e-3f, 1),
                new ClassifierTraining("synthetic", 1, 16, 10, 8, 32, 6_000, 50, 1e-3f, 1),
                new ClassifierTraining("synthetic", 1, 32, 9, 8, 32, 6_000, 50, 1e-3f, 1),
                new ClassifierTraining("synthetic", 1, 32, 10, 16, 32, 6_000, 50, 1e-3f, 1),
                new ClassifierTraining("synthetic", 1, 32, 10, 8, 64, 6_000, 50, 1e-3f, 1),
                new ClassifierTraining("synthetic", 1, 32, 10, 8, 32, 7_000, 50, 1e-3f, 1),
                new ClassifierTraining("synthetic", 1, 32, 10, 8, 32, 6_000, 64, 1e-3f, 1),
                new ClassifierTraining("synthetic", 1, 32, 10, 8, 32, 6_000, 50, 2e-3f, 1),
                new ClassifierTraining("synthetic", 1, 32, 10, 8, 32, 6_000, 50, 1e-3f, 2));
        Set<String> keys = new HashSet<>();
        keys.add(a.key());
        for (ClassifierTraining c : changed) {
            assertTrue(keys.add(c.key()), "key not unique: " + c.key());
        }
        assertTrue(a.key().contains(ClassifierTraining.RECIPE), a.key());
    }

    @Test
    void trainingSeparatesTheSyntheticClassesAndTheCacheGivesBackTheSameClassifier(@TempDir Path tmp) throws IOException {
        String before = System.getProperty("sagan4j.cache");
        System.setProperty("sagan4j.cache", tmp.toString());
        try {
            Backend be = HostBackends.oneDnn();
            ImageSet train = Datasets.open("synthetic", true, 32), held = Datasets.open("synthetic", false, 32);
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            double trained;
            try (Classifier c = SYNTHETIC.obtain(be, train, held, new PrintStream(log, true, StandardCharsets.UTF_8))) {
                trained = SYNTHETIC.accuracy(be, c, held);
            }
            // untrained, ten classes give about 10 %; the squares' brightness separates them all
            assertTrue(trained >= 0.95, "held-out accuracy " + trained);
            Path file = ClassifierTraining.cacheDir().resolve(SYNTHETIC.key() + ".safetensors");
            assertTrue(Files.exists(file), file.toString());
            assertEquals(trained, Double.parseDouble(StreamedSafeTensors.read(file).metadata().get("held_out_accuracy")), 0);
            assertTrue(log.toString(StandardCharsets.UTF_8).contains("on all " + held.n() + " held-out images"), log.toString());
            ByteArrayOutputStream second = new ByteArrayOutputStream();
            try (Classifier c = SYNTHETIC.obtain(be, train, held, new PrintStream(second, true, StandardCharsets.UTF_8))) {
                assertEquals(trained, SYNTHETIC.accuracy(be, c, held), 0);
            }
            assertEquals("", second.toString(StandardCharsets.UTF_8), "a cached classifier is loaded, not trained again");
            assertNotEquals(0, Files.size(file));
        } finally {
            if (before == null) {
                System.clearProperty("sagan4j.cache");
            } else {
                System.setProperty("sagan4j.cache", before);
            }
        }
    }
}
