package sagan4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sagan4j.backend.Backend;
import sagan4j.backend.ConfigException;
import sagan4j.eval.Evaluator;
import sagan4j.io.Npy;
import sagan4j.io.NpyArray;
import sagan4j.models.GanConfig;
import sagan4j.models.Generator;
import sagan4j.nn.Init;
import sagan4j.train.ImageGrid;
import sagan4j.train.SavedRun;

/**
 * {@code sagan4j sample}: images from a checkpoint's EMA-G (or G) as a PNG grid (one row per class) or a
 * float32 .npy (N, C, H, W) in [−1, 1] with FILE.labels.npy (int32, N) beside it.
 */
@Command(name = "sample", mixinStandardHelpOptions = true, description = "Generate images from a training checkpoint (PNG grid or .npy).")
final class SampleCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", paramLabel = "FILE") Path checkpoint;
    @Option(names = "--run", paramLabel = "DIR", description = "a run folder: its newest good checkpoint") Path run;
    @Option(names = "--class", defaultValue = "all", description = "a class index, or all (default)") String klass;
    @Option(names = "--n", defaultValue = "8", description = "images per class (default 8)") int n;
    @Option(names = "--truncation", defaultValue = "0", description = "resample z outside ±t (0: none)") double truncation;
    @Option(names = "--interpolate", description = "walk linearly between two z's, one row per class") boolean interpolate;
    @Option(names = "--ema", arity = "1", description = "use EMA-G (default: when the run kept one)") Boolean ema;
    @Option(names = "--standing-stats", paramLabel = "BATCHES", description = "batch norms' running statistics recomputed from this many training-mode batches first (default: the run's --standing-stats)") Integer standingStats;
    @Option(names = "--seed", defaultValue = "1") long seed;
    @Option(names = "--device", description = "cpu or cuda (default: cuda when it works)") String device;
    @Option(names = "--out", required = true, paramLabel = "FILE.png|FILE.npy") Path out;

    @Override
    public Integer call() throws IOException {
        String name = out.getFileName().toString();
        if (!name.endsWith(".png") && !name.endsWith(".npy")) {
            throw new ConfigException("--out: expected FILE.png or FILE.npy, got " + out);
        }
        if (n < 1) {
            throw new ConfigException("--n: expected at least 1, got " + n);
        }
        Init.checkTruncation("--truncation", truncation);
        SavedRun saved = SavedRun.open(checkpoint, run, System.err);
        GanConfig m = saved.model();
        int[] classes = classes(m.classes());
        int count = classes.length * n, zd = m.zDim();
        int[] labels = new int[count];
        float[] z = new float[count * zd];
        SplittableRandom rng = new SplittableRandom(seed);
        float[] a = truncated(rng, zd), b = truncated(rng, zd);
        for (int i = 0; i < count; i++) {
            labels[i] = classes[i / n];
            float[] zi = interpolate ? lerp(a, b, n == 1 ? 0 : (i % n) / (double) (n - 1)) : truncated(rng, zd);
            System.arraycopy(zi, 0, z, i * zd, zd);
        }
        try (Backend be = TrainCommand.openDevice(device); Generator g = saved.sampler(be, ema, standingStats)) {
            float[] images = Evaluator.generate(be, g, labels, z);
            int r = m.resolution(), c = m.imageChannels();
            if (name.endsWith(".png")) {
                ImageGrid.write(out, images, count, c, r, r, n);
            } else {
                Npy.write(out, NpyArray.ofFloats(images, count, c, r, r));
                Npy.write(out.resolveSibling(name.substring(0, name.length() - 4) + ".labels.npy"), NpyArray.ofInts(labels, count));
            }
        }
        System.out.println(out + ": " + count + " images from " + saved.file());
        return 0;
    }

    private int[] classes(int k) {
        if (klass.equals("all")) {
            int[] all = new int[k];
            for (int i = 0; i < k; i++) {
                all[i] = i;
            }
            return all;
        }
        try {
            int c = Integer.parseInt(klass);
            if (c >= 0 && c < k) {
                return new int[] {c};
            }
        } catch (NumberFormatException e) {
            // one line below
        }
        throw new ConfigException("--class: expected all or a class in [0, " + k + "), got '" + klass + "'");
    }

    private float[] truncated(SplittableRandom rng, int n) {
        return Init.truncatedGaussian(n, truncation, rng);
    }

    private static float[] lerp(float[] a, float[] b, double t) {
        float[] z = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            z[i] = (float) ((1 - t) * a[i] + t * b[i]);
        }
        return z;
    }
}
