package sagan4j.backend;

/**
 * A tensor argument has the wrong rank, shape, type or owner. The message is one line: the operation,
 * the argument, what was expected and what was given.
 */
public class ShapeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ShapeException(String message) {
        super(message);
    }
}
