package sagan4j.io;

import sagan4j.backend.InvalidInputException;
import sagan4j.backend.OneLine;

/**
 * A .npy or .safetensors file cannot be read as sagan4j needs it; the message names the file and the
 * problem. The message is always one line ({@link OneLine}: control characters that came from the file are
 * escaped as \\xNN).
 */
public class NpyFormatException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    public NpyFormatException(String message) {
        super(message);
    }
}
