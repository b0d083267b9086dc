package dev.downhill.driver.io;

import java.io.Serializable;

/**
 * Parses LIBSVM lines: {@code LABEL INDEX:VALUE INDEX:VALUE ...} with 1-based, strictly increasing
 * indices. Blank lines and lines starting with '#' are skipped; text after a '#' is a comment.
 * Every problem is a {@link BadInputException} naming the file, the line and the text.
 */
public final class LibsvmParser implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Declared number of features, or 0 to accept any index. */
    private final int numFeatures;

    public LibsvmParser(int numFeatures) {
        this.numFeatures = numFeatures;
    }

    /** The row on this line, or null for a blank or comment line. */
    public ParsedRow parse(String text, String path, long line, long byteOffset) {
        int hash = text.indexOf('#');
        String body = (hash >= 0 ? text.substring(0, hash) : text).trim();
        if (body.isEmpty()) {
            return null;
        }
        String[] tokens = body.split("[ \t]+");
        double label = parseNumber(tokens[0], "label", text, path, line, byteOffset);
        int[] indices = new int[tokens.length - 1];
        double[] values = new double[tokens.length - 1];
        int previous = 0;
        for (int t = 1; t < tokens.length; t++) {
            String token = tokens[t];
            int colon = token.indexOf(':');
            if (colon < 0) {
                throw bad("missing colon", "'" + token + "' is not an INDEX:VALUE pair (missing ':')", text, path, line, byteOffset);
            }
            String indexText = token.substring(0, colon);
            int index;
            try {
                index = Integer.parseInt(indexText);
            } catch (NumberFormatException e) {
                throw bad("index not an integer", "feature index '" + indexText + "' in '" + token + "' is not an integer",
                        text, path, line, byteOffset);
            }
            if (index < 1) {
                throw bad("index below 1", "feature index " + index + " in '" + token + "' is below 1 (LIBSVM indices are 1-based)",
                        text, path, line, byteOffset);
            }
            if (index == previous) {
                throw bad("repeated index", "feature index " + index + " appears twice", text, path, line, byteOffset);
            }
            if (index < previous) {
                throw bad("decreasing index", "feature index " + index + " comes after " + previous
                        + " (indices must increase along a line)", text, path, line, byteOffset);
            }
            if (numFeatures > 0 && index > numFeatures) {
                throw bad("index beyond num-features", "feature index " + index + " is beyond --num-features " + numFeatures,
                        text, path, line, byteOffset);
            }
            previous = index;
            indices[t - 1] = index - 1;
            values[t - 1] = parseNumber(token.substring(colon + 1), "value of feature " + index, text, path,
                    line, byteOffset);
        }
        return new ParsedRow(label, 1.0, indices, values, line);
    }

    private static double parseNumber(String s, String what, String text, String path, long line, long offset) {
        double v;
        try {
            v = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw bad("not a number", what + " '" + s + "' is not a number", text, path, line, offset);
        }
        if (!Double.isFinite(v)) {
            throw bad("not finite", what + " is " + s + "; only finite numbers can be trained on", text, path, line, offset);
        }
        return v;
    }

    static BadInputException bad(String category, String reason, String text, String path, long line, long offset) {
        return new BadInputException(category, "bad LIBSVM record in " + BadInputException.location(path, line, offset) + ": "
                + reason + ": " + BadInputException.quote(text)
                + ". Each line must be LABEL INDEX:VALUE ... with 1-based increasing indices.");
    }
}
