package sagan4j.cuda.natives;

/** A shared object that this package cannot read or patch; the message says what was expected and what was found. */
public final class ElfFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ElfFormatException(String message) {
        super(message);
    }
}
