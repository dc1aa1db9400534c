package sagan4j.backend;

/**
 * Input the user can fix: a tensor of the wrong shape ({@link ShapeException}), a setting
 * ({@link ConfigException}), a checkpoint or run folder ({@code io.CheckpointException}), a dataset
 * ({@code data.DataException}), a malformed .npy or .safetensors file ({@code io.NpyFormatException}) or an
 * op's inputs ({@code ops.OpInputException}). The message is one line — what, what was expected, what was
 * given — with control characters from a value escaped ({@link OneLine}); the command line prints it and
 * exits 2 without a stack trace, whichever subclass it is. It lives in {@code backend} because every
 * package sees that one.
 */
public class InvalidInputException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(OneLine.of(message));
    }
}
