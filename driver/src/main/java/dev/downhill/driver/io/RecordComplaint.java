package dev.downhill.driver.io;

/**
 * Makes the located error for one input record: a parser creates one per line, knowing the file, the line
 * and the text, and every check on that line complains through it, so all messages name the same place
 * and quote the same text.
 */
@FunctionalInterface
interface RecordComplaint {

    /** The error for this record: {@code category} counts it under skip, {@code reason} says what is wrong. */
    BadInputException about(String category, String reason);

    /** Parses a finite number, or complains that {@code what} ('s') is not one. */
    default double finiteNumber(String s, String what) {
        double v;
        try {
            v = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw about("not a number", what + " '" + s + "' is not a number");
        }
        if (!Double.isFinite(v)) {
            throw about("not finite", what + " is " + s + "; only finite numbers can be trained on");
        }
        return v;
    }
}
