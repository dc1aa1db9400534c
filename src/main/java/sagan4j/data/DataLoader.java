package sagan4j.data;

/**
 * Batches of a {@link Dataset} in a {@link Sampler}'s order, each image through a {@link Transform}, as
 * {@code torch.utils.data.DataLoader} with {@code drop_last}: batch k of epoch e holds the images at
 * positions k·B … k·B + B − 1 of that epoch's order, and the last partial batch of an epoch is dropped. The
 * loader holds no state: {@link #batch} makes any batch, and {@link #stream} prepares them on a background
 * thread from a {@link Position} on.
 */
public final class DataLoader {
    private final Dataset data;
    private final Sampler sampler;
    private final Transform transform;
    private final int batch;

    /** Batches of {@code batch} images of {@code data}, ordered by {@code sampler}, made by {@code transform}. */
    public DataLoader(Dataset data, Sampler sampler, Transform transform, int batch) {
        java.util.Objects.requireNonNull(data, "DataLoader: data is null (expected the dataset to batch)");
        java.util.Objects.requireNonNull(sampler, "DataLoader: sampler is null (expected the data order)");
        java.util.Objects.requireNonNull(transform, "DataLoader: transform is null (expected the model's channels and resolution)");
        if (batch < 1) {
            throw new DataException("DataLoader: batch " + batch + " (expected at least 1)");
        }
        if (sampler.size() != data.size()) {
            throw new DataException("DataLoader: the sampler orders " + sampler.size() + " images, " + data.name() + " has " + data.size());
        }
        if (batch > data.size()) {
            throw new DataException(data.name() + ": " + data.size() + " images cannot fill one batch of " + batch);
        }
        this.data = data;
        this.sampler = sampler;
        this.transform = transform;
        this.batch = batch;
    }

    public int batchSize() {
        return batch;
    }

    public int batchesPerEpoch() {
        return data.size() / batch;
    }

    /** The position after {@code batchesDrawn} batches from the start (what a checkpoint's batch counter resumes). */
    public Position position(long batchesDrawn) {
        if (batchesDrawn < 0) {
            throw new DataException("DataLoader.position: " + batchesDrawn + " batches drawn (expected 0 or more)");
        }
        return new Position(batchesDrawn / batchesPerEpoch(), (int) (batchesDrawn % batchesPerEpoch()));
    }

    /** Batch {@code at.index()} of epoch {@code at.epoch()}. */
    public Batch batch(Position at) {
        return batch(sampler.order(at.epoch()), at.epoch(), at.index());
    }

    /**
     * The batches from {@code start} on, prepared by a background thread that stays up to {@code ahead}
     * batches ahead of {@link BatchStream#next()}; close the stream to stop it.
     */
    public BatchStream stream(Position start, int ahead) {
        java.util.Objects.requireNonNull(start, "DataLoader.stream: start is null (expected a Position, e.g. Position.START)");
        return new BatchStream(this, start, ahead);
    }

    /** Batch {@code index} of epoch {@code epoch}, whose order is {@code order} (the stream passes it once per epoch). */
    Batch batch(int[] order, long epoch, int index) {
        int per = transform.floatsPerImage();
        float[] images = new float[batch * per];
        int[] labels = new int[batch];
        for (int b = 0; b < batch; b++) {
            int j = index * batch + b;
            Example e = data.get(order[j]);
            transform.apply(e, sampler.drawSeed(epoch, j), images, b * per);
            labels[b] = e.label();
        }
        return new Batch(images, labels, epoch, index);
    }

    Sampler sampler() {
        return sampler;
    }
}
