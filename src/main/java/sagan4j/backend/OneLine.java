package sagan4j.backend;

/**
 * Makes an error message one line: the control characters a file name, a flag value or a mangled header
 * can carry (C0 such as newline and carriage return, DEL, C1 such as NEL, and the Unicode line and
 * paragraph separators) are written as \xNN instead, so a message never breaks a log or a terminal line.
 */
public final class OneLine {
    private OneLine() {
    }

    public static String of(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean breaks = Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
            sb.append(breaks ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return sb.toString();
    }

    /** At most 120 characters of {@code text} (a quoted header or value), with "..." when cut. */
    public static String clip(String text) {
        return text.length() <= 120 ? text : text.substring(0, 120) + "...";
    }
}
