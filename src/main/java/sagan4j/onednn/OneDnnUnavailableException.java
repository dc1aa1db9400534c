package sagan4j.onednn;

/** oneDNN's natives cannot load here (another OS or architecture): the caller falls back to the reference. */
public final class OneDnnUnavailableException extends OneDnnException {
    private static final long serialVersionUID = 1L;

    public OneDnnUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
