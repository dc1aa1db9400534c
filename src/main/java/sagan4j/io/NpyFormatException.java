package sagan4j.io;

import sagan4j.backend.OneLine;

/**
 * A file cannot be read as sagan4j needs it; the message names the file and the problem. The message is
 * always one line ({@link OneLine}: control characters that came from the file are escaped as \\xNN).
 */
public class NpyFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NpyFormatException(String message) {
        super(OneLine.of(message), null, false, false);
    }
}
