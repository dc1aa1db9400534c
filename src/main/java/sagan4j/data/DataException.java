package sagan4j.data;

import sagan4j.backend.InvalidInputException;
import sagan4j.backend.OneLine;

/**
 * A missing or malformed dataset, or data arguments that cannot make a batch: one line naming the path,
 * what was expected, and how to get the data (control characters from a path or a file are escaped,
 * {@link OneLine}).
 */
public final class DataException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    public DataException(String message) {
        super(message);
    }
}
