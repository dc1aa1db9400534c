package sagan4j.io;

import sagan4j.backend.InvalidInputException;

/**
 * A checkpoint, a weights file or a run folder cannot be used: it is missing, it is not sagan4j's, or it
 * does not match the model and settings it is loaded into (a tensor missing, unexpected or of another
 * shape, metadata absent or out of range). The message names the file and the problem in one line. A file
 * whose bytes are not a readable .safetensors at all is a {@link NpyFormatException} instead.
 */
public class CheckpointException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }
}
