package sagan4j.data;

/** A missing or malformed dataset: one line naming the path, what was expected, and how to get the data. */
public final class DataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DataException(String message) {
        super(message);
    }
}
