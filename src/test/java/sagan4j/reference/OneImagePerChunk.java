package sagan4j.reference;

/**
 * The reference with a column limit so small that every convolution batch runs one image at a time: its
 * chunked im2col path, one of {@code ConvContractTest}'s cases (the limit's constructor is package-private).
 */
public final class OneImagePerChunk {
    private OneImagePerChunk() {
    }

    /** The one such backend of the test JVM. */
    public static final ReferenceBackend BACKEND = new ReferenceBackend(1);
}
