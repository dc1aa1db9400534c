package sagan4j.eval;

import java.util.SplittableRandom;

import sagan4j.backend.Backend;
import sagan4j.backend.Tensor;
import sagan4j.data.Fit;
import sagan4j.data.ImageSet;
import sagan4j.models.Generator;
import sagan4j.nn.Init;

/**
 * Scores a generator with the in-project classifier: N samples with labels cycling through the classes
 * (z from {@code seed}), classified and featurised in chunks, against N real held-out images, with the same
 * figures for N real images: the classifier's accuracy on the N held-out ones and the Fréchet distance of N real
 * training images to them. The generator runs in eval mode and is left as it was found.
 */
public final class Evaluator {
    private static final int CHUNK = 50;
    private final Backend be;
    private final Classifier classifier;
    private final Fit fit;
    private final int classes;

    public Evaluator(Backend be, Classifier classifier, Fit fit, int classes) {
        this.be = be;
        this.classifier = classifier;
        this.fit = fit;
        this.classes = classes;
    }

    /** Class predictions (n) and features (n, F) of images (n, C, R, R). */
    private record Scored(int[] predicted, float[] features) {
    }

    private Scored score(float[] images, int n) {
        int per = fit.floatsPerImage(), f = classifier.featureCount();
        int[] pred = new int[n];
        float[] feats = new float[n * f];
        classifier.train(false);
        for (int s = 0; s < n; s += CHUNK) {
            int b = Math.min(CHUNK, n - s);
            float[] chunk = java.util.Arrays.copyOfRange(images, s * per, (s + b) * per);
            try (Tensor x = be.fromHost(chunk, b, fit.channels(), fit.resolution(), fit.resolution())) {
                int[] best = ClassifierTraining.argmax(be.toHostFloats(classifier.forward(x)), b, classes);
                System.arraycopy(be.toHostFloats(classifier.features()), 0, feats, s * f, b * f);
                System.arraycopy(best, 0, pred, s, b);
            }
        }
        return new Scored(pred, feats);
    }

    private float[] real(ImageSet set, int n) {
        float[] out = new float[n * fit.floatsPerImage()];
        for (int i = 0; i < n; i++) {
            fit.write(set.get(i), out, i * fit.floatsPerImage());
        }
        return out;
    }

    /** Generated images (n, C, R, R) with labels i mod classes, in eval mode. */
    public static float[] generate(Backend be, Generator gen, int[] labels, float[] z) {
        int n = labels.length, zDim = gen.config().zDim(), r = gen.config().resolution(), c = gen.config().imageChannels();
        int per = c * r * r;
        float[] out = new float[n * per];
        boolean was = gen.training();
        gen.train(false);
        try {
            for (int s = 0; s < n; s += CHUNK) {
                int b = Math.min(CHUNK, n - s);
                try (Tensor zt = be.fromHost(java.util.Arrays.copyOfRange(z, s * zDim, (s + b) * zDim), b, zDim);
                     Tensor yt = be.fromHost(java.util.Arrays.copyOfRange(labels, s, s + b), b)) {
                    System.arraycopy(be.toHostFloats(gen.forward(zt, yt)), 0, out, s * per, b * per);
                }
            }
        } finally {
            gen.train(was);
        }
        return out;
    }

    /** As {@link #evaluate(Generator, ImageSet, ImageSet, int, long, double)} with no truncation. */
    public Evaluation evaluate(Generator gen, ImageSet train, ImageSet heldOut, int n, long seed) {
        return evaluate(gen, train, heldOut, n, seed, 0);
    }

    /** The evaluation of N samples whose z is truncated at ±{@code truncation} (0: plain normal z; {@link Init#truncatedGaussian}). */
    public Evaluation evaluate(Generator gen, ImageSet train, ImageSet heldOut, int n, long seed, double truncation) {
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % classes;
        }
        float[] z = Init.truncatedGaussian(n * gen.config().zDim(), truncation, new SplittableRandom(seed));
        Scored fake = score(generate(be, gen, labels, z), n);
        int[] hits = new int[classes], counts = new int[classes];
        int correct = 0;
        for (int i = 0; i < n; i++) {
            counts[labels[i]]++;
            if (fake.predicted()[i] == labels[i]) {
                hits[labels[i]]++;
                correct++;
            }
        }
        double[] perClass = new double[classes];
        for (int k = 0; k < classes; k++) {
            perClass[k] = counts[k] == 0 ? Double.NaN : hits[k] / (double) counts[k];
        }
        // the real-data counterparts at the same N (fewer only where a split has fewer images)
        int nReal = Math.min(n, Math.min(heldOut.n(), train.n()));
        Scored held = score(real(heldOut, nReal), nReal);
        Scored realTrain = score(real(train, nReal), nReal);
        int f = classifier.featureCount();
        return new Evaluation(n, nReal, truncation, correct / (double) n, perClass, Frechet.distance(fake.features(), n, held.features(), nReal, f),
                Frechet.distance(realTrain.features(), nReal, held.features(), nReal, f), correctOf(held, heldOut.labels(), nReal));
    }

    /** The classifier's accuracy on the first n images of {@code set}. */
    public double accuracy(ImageSet set, int n) {
        return correctOf(score(real(set, n), n), set.labels(), n);
    }

    private static double correctOf(Scored scored, int[] labels, int n) {
        int correct = 0;
        for (int i = 0; i < n; i++) {
            correct += scored.predicted()[i] == labels[i] ? 1 : 0;
        }
        return correct / (double) n;
    }
}
