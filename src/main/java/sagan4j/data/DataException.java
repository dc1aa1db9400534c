package sagan4j.data;

import sagan4j.backend.OneLine;

/**
 * A missing or malformed dataset: one line naming the path, what was expected, and how to get the data
 * (control characters from a path or a file are escaped, {@link OneLine}).
 */
public final class DataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DataException(String message) {
        super(OneLine.of(message));
    }
}
