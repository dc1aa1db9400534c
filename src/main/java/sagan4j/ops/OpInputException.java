package sagan4j.ops;

import sagan4j.backend.InvalidInputException;

/**
 * An op's inputs or parameters are unusable. The message is one line naming the key, what was expected
 * and what was given; the CLI prints it and exits 2 without writing anything.
 */
public class OpInputException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    public OpInputException(String message) {
        super(message);
    }
}
