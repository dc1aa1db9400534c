package sagan4j.backend;

/**
 * A tensor argument has the wrong rank, shape, type or owner. The message is one line: the operation,
 * the argument, what was expected and what was given (control characters from a value are escaped,
 * {@link OneLine}, so it stays one line).
 */
public class ShapeException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    public ShapeException(String message) {
        super(message);
    }
}
