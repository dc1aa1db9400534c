package sagan4j.cli;

import sagan4j.backend.ShapeException;
import sagan4j.cuda.runtime.CudaUnavailableException;
import sagan4j.data.DataException;
import sagan4j.io.NpyFormatException;
import sagan4j.ops.OpInputException;

/** Tells expected failures (one line for the user, exit 2) from bugs (stack trace, exit 1). */
final class Failures {
    private Failures() {
    }

    /** The one-line message of an expected failure, or null for anything else. */
    static String expectedMessage(Throwable e) {
        if (e instanceof OpInputException || e instanceof NpyFormatException || e instanceof ShapeException
                || e instanceof CudaUnavailableException || e instanceof DataException) {
            return e.getMessage();
        }
        return null;
    }
}
