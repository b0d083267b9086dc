package dev.downhill.driver.io;

/**
 * Training data that cannot be used as it is: a malformed record, a missing or unreadable path, labels
 * that do not fit the objective. The message names the file, the line (or byte offset) and the offending
 * text, and says what to do; it is what the user sees, with exit code 3.
 */
public final class BadInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A short, stable name for the kind of problem ("not a number"), by which skipped records are counted. */
    private final String category;

    public BadInputException(String message) {
        this("bad input", message);
    }

    public BadInputException(String category, String message) {
        super(printable(message));
        this.category = category;
    }

    public BadInputException(String message, Throwable cause) {
        super(printable(message), cause);
        this.category = "unreadable";
    }

    public String category() {
        return category;
    }

    /** "PATH line N" when the line number is known, else "PATH at byte OFFSET". */
    public static String location(String path, long line, long byteOffset) {
        return line > 0 ? path + " line " + line : path + " at byte " + byteOffset;
    }

    /** The offending text, quoted, and cut to a readable length. */
    public static String quote(String text) {
        String t = text.length() > 200 ? text.substring(0, 200) + "..." : text;
        return "\"" + t.replace("\t", "\\t") + "\"";
    }

    /**
     * The text with every character a terminal would act on written as an escape instead (ESC as \x1b,
     * NUL as \x00, U+202E as backslash-u202e, ...): control characters other than tab and line feed, DEL,
     * the C1 controls, and the Unicode line separators and bidirectional overrides. Bad records are quoted
     * in messages, and a binary file's bytes must not reach the user's terminal as escape sequences.
     */
    public static String printable(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean escape = c < 0x20 && c != '\t' && c != '\n' || c >= 0x7f && c <= 0x9f
                    || c == 0x2028 || c == 0x2029 || c >= 0x200e && c <= 0x200f || c >= 0x202a && c <= 0x202e
                    || c >= 0x2066 && c <= 0x2069;
            if (escape && sb == null) {
                sb = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (sb != null) {
                if (!escape) {
                    sb.append(c);
                } else if (c <= 0xff) {
                    sb.append(String.format(java.util.Locale.ROOT, "\\x%02x", (int) c));
                } else {
                    sb.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
                }
            }
        }
        return sb == null ? text : sb.toString();
    }
}
