package sagan4j.onednn;

/** A oneDNN call returned an error status; the message names the call and the status. */
public class OneDnnException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OneDnnException(String message) {
        super(message);
    }

    public OneDnnException(String message, Throwable cause) {
        super(message, cause);
    }
}
