package sagan4j.io;

/** A {@code .npy} file cannot be read as sagan4j needs it; the message names the file and the problem. */
public class NpyFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NpyFormatException(String message) {
        super(message, null, false, false);
    }
}
