package sagan4j.data;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A {@link DataLoader}'s batches from a {@link Position} on, made on a background thread so that a step never
 * waits on decoding: the thread stays up to {@code ahead} batches ahead, moves to the next epoch after the
 * last full batch of one, and hands a failure (one {@link DataException} line) to the next {@link #next()}.
 */
public final class BatchStream implements AutoCloseable {
    private final DataLoader loader;
    private final BlockingQueue<Object> queue;
    private final Thread worker;
    private volatile boolean closed;

    BatchStream(DataLoader loader, Position start, int ahead) {
        if (ahead < 1) {
            throw new DataException("DataLoader.stream: ahead " + ahead + " (expected at least 1 batch prepared ahead)");
        }
        this.loader = loader;
        this.queue = new ArrayBlockingQueue<>(ahead);
        this.worker = new Thread(() -> produce(start.epoch(), start.index()), "sagan4j-loader");
        worker.setDaemon(true);
        worker.start();
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
            int[] order = loader.sampler().order(epoch);
            while (!closed) {
                if (index >= loader.batchesPerEpoch()) {
                    epoch++;
                    index = 0;
                    order = loader.sampler().order(epoch);
                }
                queue.put(loader.batch(order, epoch, index));
                index++;
            }
        } catch (InterruptedException e) {
            // closed
        } catch (RuntimeException e) {
            queue.offer(e);
        }
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
