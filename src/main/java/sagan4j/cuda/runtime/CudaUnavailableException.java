package sagan4j.cuda.runtime;

/**
 * CUDA cannot be used on this machine for an expected reason (no driver, no GPU, a library missing).
 * The message is one line meant for the user; callers print it, never a stack trace.
 */
public class CudaUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CudaUnavailableException(String message) {
        super(message, null, false, false);
    }
}
