package sagan4j.eval;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import sagan4j.backend.Backend;
import sagan4j.backend.InvalidInputException;
import sagan4j.backend.OptimOps;
import sagan4j.backend.Tensor;
import sagan4j.data.Batch;
import sagan4j.data.BatchStream;
import sagan4j.data.DataLoader;
import sagan4j.data.Fit;
import sagan4j.data.ImageSet;
import sagan4j.data.Position;
import sagan4j.data.Sampler;
import sagan4j.io.StreamedSafeTensors;
import sagan4j.models.Weights;
import sagan4j.nn.Parameter;

/**
 * Trains the evaluation {@link Classifier} once per dataset and recipe with this library (softmax
 * cross-entropy on the host, Adam β 0.9/0.999 with its learning rate on a cosine from {@code lr} to 0 over
 * the run), and caches its weights under the user's cache folder ({@code $SAGAN4J_CACHE}, else
 * {@code ~/.cache/sagan4j}) in {@code classifiers/<key>.safetensors}, the key naming the dataset and every
 * setting of the recipe (and its version, {@link #RECIPE}), so later evaluations load it and a changed
 * recipe trains a new one.
 *
 * @param width    channels of the first conv stage (the stages have w, 2w, 4w)
 * @param features width of the penultimate layer, what the Fréchet distance compares
 * @param images   training images seen in all (consecutive epochs of the seeded order)
 * @param lr       Adam's learning rate at the first step
 */
public record ClassifierTraining(String dataset, int channels, int resolution, int classes, int width, int features, int images,
                                 int batch, float lr, long seed) {
    /** Bumped whenever the training procedure changes in a way the other fields do not name. */
    static final String RECIPE = "v2cos";

    public String key() {
        return (dataset.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + RECIPE + "-c" + channels + "-r" + resolution + "-k" + classes
                + "-w" + width + "-f" + features + "-n" + images + "-b" + batch + "-lr" + lr + "-s" + seed);
    }

    public static Path cacheDir() {
        String env = System.getenv("SAGAN4J_CACHE");
        String prop = System.getProperty("sagan4j.cache");
        Path base = prop != null ? Path.of(prop) : env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "sagan4j");
        return base.resolve("classifiers");
    }

    /**
     * The cached classifier, or a newly trained (and cached) one; a new one is scored on the whole
     * {@code heldOut} split, and that accuracy is logged and kept in the cache file's metadata.
     */
    public Classifier obtain(Backend be, ImageSet train, ImageSet heldOut, PrintStream log) throws IOException {
        Classifier c = new Classifier(be, channels, resolution, classes, width, features, seed);
        Path file = cacheDir().resolve(key() + ".safetensors");
        if (Files.exists(file)) {
            try {
                Weights.load(StreamedSafeTensors.read(file).tensors(), c);
                return c;
            } catch (InvalidInputException e) { // a damaged file (NpyFormatException) or another model's weights (CheckpointException)
                log.println("classifier cache " + file + " is unusable (" + e.getMessage() + "); training it again");
            }
        }
        long t0 = System.nanoTime();
        train(be, c, train);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double held = accuracy(be, c, heldOut);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("key", key());
        meta.put("held_out_accuracy", Double.toString(held));
        StreamedSafeTensors.write(file, Weights.state(c), meta);
        log.printf(java.util.Locale.ROOT, "classifier trained on %d %s images in %.1f s: %.2f%% on all %d held-out images; cached as %s%n",
                images, dataset, seconds, 100 * held, heldOut.n(), file);
        return c;
    }

    /** The classifier's accuracy on every image of {@code set}, in eval mode. */
    public double accuracy(Backend be, Classifier c, ImageSet set) {
        return new Evaluator(be, c, new Fit(channels, resolution), classes).accuracy(set, set.n());
    }

    /** Row-wise argmax of (B, K) logits (the first of equal maxima). */
    static int[] argmax(float[] logits, int b, int k) {
        int[] out = new int[b];
        for (int i = 0; i < b; i++) {
            int best = 0;
            for (int j = 1; j < k; j++) {
                if (logits[i * k + j] > logits[i * k + best]) {
                    best = j;
                }
            }
            out[i] = best;
        }
        return out;
    }

    /** The learning rate of step t (1-based) of {@code steps}: lr·(1 + cos(π(t − 1)/steps))/2, from lr down towards 0. */
    static float cosineLr(float lr, long t, long steps) {
        return (float) (lr * 0.5 * (1 + Math.cos(Math.PI * (t - 1) / steps)));
    }

    private void train(Backend be, Classifier c, ImageSet set) {
        var params = c.weights();
        Tensor[] m = new Tensor[params.size()], v = new Tensor[params.size()];
        for (int i = 0; i < m.length; i++) {
            m[i] = be.zeros(params.get(i).value().shape().dims());
            v[i] = be.zeros(params.get(i).value().shape().dims());
        }
        long steps = images / batch;
        c.train(true);
        try (BatchStream loader = new DataLoader(set, new Sampler(set.size(), seed), new Fit(channels, resolution), batch).stream(Position.START, 2)) {
            for (long step = 1; step <= steps; step++) {
                Batch b = loader.next();
                c.zeroGrad();
                try (Tensor x = be.fromHost(b.images(), batch, channels, resolution, resolution)) {
                    float[] logits = be.toHostFloats(c.forward(x));
                    float[] grad = new float[logits.length];
                    crossEntropy(logits, b.labels(), classes, grad);
                    try (Tensor g = be.fromHost(grad, batch, classes)) {
                        c.backward(g);
                    }
                }
                OptimOps.AdamArgs adam = new OptimOps.AdamArgs(cosineLr(lr, step, steps), 0.9f, 0.999f, 1e-8f);
                for (int i = 0; i < m.length; i++) {
                    Parameter p = params.get(i);
                    be.optim().adam(p.value(), p.grad(), m[i], v[i], adam, step);
                }
            }
        } finally {
            for (int i = 0; i < m.length; i++) {
                m[i].close();
                v[i].close();
            }
        }
        c.train(false);
    }

    /** Mean softmax cross-entropy of (B, K) logits; writes its gradient (softmax − onehot)/B. */
    static double crossEntropy(float[] logits, int[] labels, int k, float[] grad) {
        int b = labels.length;
        double loss = 0;
        for (int i = 0; i < b; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, logits[i * k + j]);
            }
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += Math.exp(logits[i * k + j] - max);
            }
            for (int j = 0; j < k; j++) {
                double p = Math.exp(logits[i * k + j] - max) / sum;
                grad[i * k + j] = (float) ((p - (j == labels[i] ? 1 : 0)) / b);
            }
            loss -= logits[i * k + labels[i]] - max - Math.log(sum);
        }
        return loss / b;
    }
}
