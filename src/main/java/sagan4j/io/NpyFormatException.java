package sagan4j.io;

/**
 * A file cannot be read as sagan4j needs it; the message names the file and the problem. The message is
 * always one line: control characters that came from the file (a mangled header) are escaped as \\xNN.
 */
public class NpyFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NpyFormatException(String message) {
        super(oneLine(message), null, false, false);
    }

    private static String oneLine(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return sb.toString();
    }
}
