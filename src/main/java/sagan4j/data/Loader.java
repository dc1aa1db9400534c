package sagan4j.data;

import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Batches of an {@link ImageSet}, shuffled per epoch and prepared on a background thread so that a step
 * never waits on decoding. Everything comes from the seed: epoch e's order is a Fisher–Yates shuffle by
 * a generator seeded from (seed, e), and whether image j of epoch e is flipped from (seed, e, j), so the
 * sequence of batches is a function of (seed, position) alone — which is all a checkpoint needs to
 * resume it. The last partial batch of an epoch is dropped.
 */
public final class Loader implements AutoCloseable {
    private final ImageSet set;
    private final Fit fit;
    private final int batch;
    private final long seed;
    private final boolean flip;
    private final BlockingQueue<Object> queue;
    private final Thread worker;
    private volatile boolean closed;

    /**
     * Starts producing from batch {@code index} of epoch {@code epoch}.
     *
     * @param ahead how many batches the worker prepares ahead of the training thread
     */
    public Loader(ImageSet set, Fit fit, int batch, long seed, boolean flip, long epoch, int index, int ahead) {
        java.util.Objects.requireNonNull(set, "Loader: set is null (expected the images to batch)");
        java.util.Objects.requireNonNull(fit, "Loader: fit is null (expected the model's channels and resolution)");
        if (batch < 1 || ahead < 1 || epoch < 0 || index < 0) {
            throw new DataException("Loader: batch " + batch + ", ahead " + ahead + ", epoch " + epoch + ", index " + index
                    + " (expected batch and ahead at least 1, epoch and index 0 or more)");
        }
        if (batch > set.n()) {
            throw new DataException(set.name() + ": " + set.n() + " images cannot fill one batch of " + batch);
        }
        this.set = set;
        this.fit = fit;
        this.batch = batch;
        this.seed = seed;
        this.flip = flip;
        this.queue = new ArrayBlockingQueue<>(ahead);
        this.worker = new Thread(() -> produce(epoch, index), "sagan4j-loader");
        worker.setDaemon(true);
        worker.start();
    }

    public int batchesPerEpoch() {
        return set.n() / batch;
    }

    /** The next batch in the data order (waits only if the worker is behind). */
    public Batch next() {
        try {
            Object o = queue.take();
            if (o instanceof RuntimeException e) {
                throw e;
            }
            return (Batch) o;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a batch", e);
        }
    }

    private void produce(long epoch, int index) {
        try {
            int[] order = order(epoch);
            while (!closed) {
                if (index >= batchesPerEpoch()) {
                    epoch++;
                    index = 0;
                    order = order(epoch);
                }
                queue.put(make(order, epoch, index));
                index++;
            }
        } catch (InterruptedException e) {
            // closed
        } catch (RuntimeException e) {
            queue.offer(e);
        }
    }

    /** Batch {@code index} of epoch {@code epoch} (also what the worker makes). */
    Batch make(int[] order, long epoch, int index) {
        int per = fit.floatsPerImage();
        float[] images = new float[batch * per];
        int[] labels = new int[batch];
        for (int b = 0; b < batch; b++) {
            int j = index * batch + b, i = order[j];
            boolean mirror = flip && new SplittableRandom(mix(seed, epoch, j + 1)).nextBoolean();
            fit.write(set, i, mirror, images, b * per);
            labels[b] = set.labels()[i];
        }
        return new Batch(images, labels, epoch, index);
    }

    /** Epoch {@code epoch}'s permutation of the image indices. */
    int[] order(long epoch) {
        int[] p = new int[set.n()];
        for (int i = 0; i < p.length; i++) {
            p[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(mix(seed, epoch, 0));
        for (int i = p.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** A seed for (seed, a, b): SplitMix64's finaliser over a combination, so nearby inputs give unrelated streams. */
    public static long mix(long seed, long a, long b) {
        long z = seed * 0x9E3779B97F4A7C15L + a * 0xBF58476D1CE4E5B9L + b * 0x94D049BB133111EBL + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public void close() {
        closed = true;
        worker.interrupt();
        try {
            worker.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
