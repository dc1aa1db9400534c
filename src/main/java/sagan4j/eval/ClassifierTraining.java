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
 * Trains the evaluation {@link Classifier} once per dataset and settings with this library (softmax
 * cross-entropy on the host, Adam lr 1e-3, β 0.9/0.999), and caches its weights under the user's cache
 * folder ({@code $SAGAN4J_CACHE}, else {@code ~/.cache/sagan4j}) in {@code classifiers/<key>.safetensors},
 * the key naming the dataset and every setting, so later evaluations load it instead.
 *
 * @param images training images seen in all (the first epochs of the seeded order)
 */
public record ClassifierTraining(String dataset, int channels, int resolution, int classes, int width, int images, int batch,
                                 long seed) {
    public String key() {
        return (dataset.replaceAll("[^A-Za-z0-9._-]", "_") + "-c" + channels + "-r" + resolution + "-k" + classes + "-w" + width
                + "-n" + images + "-b" + batch + "-s" + seed);
    }

    public static Path cacheDir() {
        String env = System.getenv("SAGAN4J_CACHE");
        String prop = System.getProperty("sagan4j.cache");
        Path base = prop != null ? Path.of(prop) : env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "sagan4j");
        return base.resolve("classifiers");
    }

    /** The cached classifier, or a newly trained (and cached) one. */
    public Classifier obtain(Backend be, ImageSet train, PrintStream log) throws IOException {
        Classifier c = new Classifier(be, channels, resolution, classes, width, seed);
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
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("key", key());
        StreamedSafeTensors.write(file, Weights.state(c), meta);
        log.printf("classifier trained on %d %s images in %.1f s, cached as %s%n", images, dataset, (System.nanoTime() - t0) / 1e9, file);
        return c;
    }

    private void train(Backend be, Classifier c, ImageSet set) {
        OptimOps.AdamArgs adam = new OptimOps.AdamArgs(1e-3f, 0.9f, 0.999f, 1e-8f);
        var params = c.weights();
        Tensor[] m = new Tensor[params.size()], v = new Tensor[params.size()];
        for (int i = 0; i < m.length; i++) {
            m[i] = be.zeros(params.get(i).value().shape().dims());
            v[i] = be.zeros(params.get(i).value().shape().dims());
        }
        c.train(true);
        try (BatchStream loader = new DataLoader(set, new Sampler(set.size(), seed), new Fit(channels, resolution), batch).stream(Position.START, 2)) {
            for (long step = 1; step * batch <= images; step++) {
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
