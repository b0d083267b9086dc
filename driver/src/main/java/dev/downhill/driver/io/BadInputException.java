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
        super(message);
        this.category = category;
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
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
}
