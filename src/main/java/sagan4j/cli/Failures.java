package sagan4j.cli;

import sagan4j.backend.InvalidInputException;
import sagan4j.cuda.runtime.CudaUnavailableException;

/**
 * Tells expected failures (one line for the user, exit 2) from bugs (stack trace, exit 1). Two kinds are
 * expected: input the user can fix ({@link InvalidInputException}, whichever subclass: shape, config,
 * checkpoint, data, file format, op input) and a GPU this machine cannot provide
 * ({@link CudaUnavailableException}: no driver, no device, a library missing), which is not bad input but
 * a condition of the machine. {@code train}'s non-finite stop is neither: it exits 3 ({@link TrainCommand}).
 */
final class Failures {
    private Failures() {
    }

    /** The one-line message of an expected failure, or null for anything else. */
    static String expectedMessage(Throwable e) {
        if (e instanceof InvalidInputException || e instanceof CudaUnavailableException) {
            return e.getMessage();
        }
        return null;
    }
}
