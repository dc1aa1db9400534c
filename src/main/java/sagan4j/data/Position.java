package sagan4j.data;

/**
 * Where a {@link DataLoader} is in its data order: batch {@code index} of epoch {@code epoch}. A checkpoint
 * stores the number of batches drawn, and {@link DataLoader#position(long)} turns it back into this.
 */
public record Position(long epoch, int index) {
    /** The first batch of the first epoch. */
    public static final Position START = new Position(0, 0);

    public Position {
        if (epoch < 0 || index < 0) {
            throw new DataException("Position: epoch " + epoch + ", index " + index + " (expected both 0 or more)");
        }
    }
}
