package dev.downhill.driver.io;

import java.io.Serializable;

/**
 * Parses LIBSVM lines: {@code LABEL INDEX:VALUE INDEX:VALUE ...} with 1-based, strictly increasing
 * indices (or, for unlabeled input, {@code INDEX:VALUE ...} alone). Blank lines and lines starting with '#'
 * are skipped; text after a '#' is a comment.
 * Every problem is a {@link BadInputException} naming the file, the line and the text.
 */
public final class LibsvmParser implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Declared number of features, or 0 to accept any index. */
    private final int numFeatures;
    /** Whether each line starts with a label (false: predicting on unlabeled data; the label is NaN). */
    private final boolean labeled;
    /** What sets numFeatures, as messages name it ("--num-features 5", or the model's width). */
    private final String featureLimit;

    public LibsvmParser(int numFeatures) {
        this(numFeatures, true, "--num-features " + numFeatures);
    }

    public LibsvmParser(int numFeatures, boolean labeled, String featureLimit) {
        this.numFeatures = numFeatures;
        this.labeled = labeled;
        this.featureLimit = featureLimit;
    }

    /** The row on this line, or null for a blank or comment line. */
    public ParsedRow parse(String text, String path, long line, long byteOffset) {
        int hash = text.indexOf('#');
        String body = (hash >= 0 ? text.substring(0, hash) : text).trim();
        if (body.isEmpty()) {
            return null;
        }
        RecordComplaint complain = (category, reason) -> bad(category, reason, text, path, line, byteOffset);
        String[] tokens = body.split("[ \t]+");
        int first = labeled ? 1 : 0;
        double label = labeled ? complain.finiteNumber(tokens[0], "label") : Double.NaN;
        int[] indices = new int[tokens.length - first];
        double[] values = new double[tokens.length - first];
        int previous = 0;
        for (int t = first; t < tokens.length; t++) {
            String token = tokens[t];
            int colon = token.indexOf(':');
            if (colon < 0) {
                throw complain.about("missing colon", "'" + token + "' is not an INDEX:VALUE pair (missing ':')");
            }
            String indexText = token.substring(0, colon);
            int index;
            try {
                index = Integer.parseInt(indexText);
            } catch (NumberFormatException e) {
                throw complain.about("index not an integer", "feature index '" + indexText + "' in '" + token + "' "
                        + (indexText.matches("\\d{10,}") ? "is too large (at most " + Integer.MAX_VALUE + ")"
                                : "is not an integer"));
            }
            if (index < 1) {
                throw complain.about("index below 1",
                        "feature index " + index + " in '" + token + "' is below 1 (LIBSVM indices are 1-based)");
            }
            if (index == previous) {
                throw complain.about("repeated index", "feature index " + index + " appears twice");
            }
            if (index < previous) {
                throw complain.about("decreasing index", "feature index " + index + " comes after " + previous
                        + " (indices must increase along a line)");
            }
            if (numFeatures > 0 && index > numFeatures) {
                throw complain.about("index beyond num-features",
                        "feature index " + index + " is beyond " + featureLimit);
            }
            previous = index;
            indices[t - first] = index - 1;
            values[t - first] = complain.finiteNumber(token.substring(colon + 1), "value of feature " + index);
        }
        return new ParsedRow(label, 1.0, indices, values, line);
    }

    static BadInputException bad(String category, String reason, String text, String path, long line, long offset) {
        return new BadInputException(category, "bad LIBSVM record in " + BadInputException.location(path, line, offset) + ": "
                + reason + ": " + BadInputException.quote(text)
                + ". Each line must be LABEL INDEX:VALUE ... with 1-based increasing indices.");
    }
}
