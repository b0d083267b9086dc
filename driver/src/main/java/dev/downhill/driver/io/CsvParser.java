package dev.downhill.driver.io;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses CSV lines of numbers: a label column (none for unlabeled input), an optional weight column, and
 * every other column a feature, in order. Fields may be wrapped in double quotes ("" inside quotes is a literal quote).
 * Columns are counted from 0 in settings and messages alike.
 * A header is allowed only as the first line of a file; with header mode auto a first line is a header
 * when none of its fields is a number.
 */
public final class CsvParser implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Whether files start with a header line. */
    public enum Header { AUTO, TRUE, FALSE }

    private final char delimiter;
    /** -1: no label column (predicting on unlabeled data; the label is NaN). */
    private final int labelColumn;
    /** -1: no weight column. */
    private final int weightColumn;
    private final Header header;
    /** Feature columns every row must have (a model's width), or 0 for any number. */
    private final int requiredFeatures;
    /** What sets requiredFeatures, as messages name it. */
    private final String featureLimit;
    /** Columns whose text each row carries along (predict --keep-columns), or null. */
    private int[] keepColumns;

    public CsvParser(char delimiter, int labelColumn, int weightColumn, Header header) {
        this(delimiter, labelColumn, weightColumn, header, 0, null);
    }

    public CsvParser(char delimiter, int labelColumn, int weightColumn, Header header, int requiredFeatures,
                     String featureLimit) {
        this.delimiter = delimiter;
        this.labelColumn = labelColumn;
        this.weightColumn = weightColumn;
        this.header = header;
        this.requiredFeatures = requiredFeatures;
        this.featureLimit = featureLimit;
    }

    /** This parser, making each row carry the text of these columns (0-based) along. */
    public CsvParser keeping(int[] columns) {
        this.keepColumns = columns == null ? null : columns.clone();
        return this;
    }

    /**
     * The row on this line, or null for a blank line or a header.
     *
     * @param firstLineOfFile whether this is line 1 of its file (the only place a header may stand)
     */
    public ParsedRow parse(String text, String path, long line, long byteOffset, boolean firstLineOfFile) {
        if (text.trim().isEmpty()) {
            return null;
        }
        RecordComplaint complain = (category, reason) -> bad(category, reason, text, path, line, byteOffset);
        List<String> fields = split(text, complain);
        if (firstLineOfFile && (header == Header.TRUE || header == Header.AUTO && noNumbers(fields))) {
            return null;
        }
        if (!firstLineOfFile && header != Header.FALSE && noNumbers(fields)) {
            throw complain.about("header in the data", "no field is a number, so this looks like a header, but a"
                    + " header may only be the first line of a file");
        }
        int needed = Math.max(labelColumn, weightColumn) + 1;
        if (fields.size() < needed) {
            throw complain.about("too few columns", "it has " + fields.size() + " column(s), but the label"
                    + (weightColumn >= 0 ? "/weight" : "") + " column needs at least " + needed + " (--label-column "
                    + labelColumn + (weightColumn >= 0 ? ", --weight-column " + weightColumn : "") + ")");
        }
        int featureColumns = fields.size() - (labelColumn >= 0 ? 1 : 0) - (weightColumn >= 0 ? 1 : 0);
        if (requiredFeatures > 0 && featureColumns != requiredFeatures) {
            throw complain.about("wrong number of columns", "it has " + featureColumns + " feature column(s), but "
                    + featureLimit + " (columns other than --label-column"
                    + (weightColumn >= 0 ? " and --weight-column" : "") + " are features)");
        }
        double label = labelColumn < 0 ? Double.NaN
                : complain.finiteNumber(fields.get(labelColumn).trim(), "label (column " + labelColumn + ")");
        double weight = 1.0;
        if (weightColumn >= 0) {
            weight = complain.finiteNumber(fields.get(weightColumn).trim(), "weight (column " + weightColumn + ")");
            if (!(weight > 0.0)) {
                throw complain.about("weight not positive", "instance weight " + fields.get(weightColumn).trim()
                        + " is not positive");
            }
        }
        double[] values = new double[featureColumns];
        int v = 0;
        for (int c = 0; c < fields.size(); c++) {
            if (c != labelColumn && c != weightColumn) {
                values[v++] = complain.finiteNumber(fields.get(c).trim(), "column " + c);
            }
        }
        if (keepColumns == null) {
            return new ParsedRow(label, weight, null, values, line);
        }
        String[] kept = new String[keepColumns.length];
        for (int i = 0; i < kept.length; i++) {
            if (keepColumns[i] >= fields.size()) {
                throw complain.about("too few columns", "it has " + fields.size() + " column(s), but --keep-columns"
                        + " asks for column " + keepColumns[i]);
            }
            kept[i] = fields.get(keepColumns[i]).trim();
        }
        return new ParsedRow(label, weight, null, values, line, kept);
    }

    /**
     * A file's first line as a header, split into its fields: null when the header setting says this line is data
     * (false, or auto with a number in it) or the line is blank.
     */
    public List<String> headerFields(String firstLine) {
        if (firstLine == null || firstLine.trim().isEmpty() || header == Header.FALSE) {
            return null;
        }
        List<String> fields = split(firstLine, (category, reason) -> new BadInputException(category, reason));
        if (header == Header.AUTO && !noNumbers(fields)) {
            return null;
        }
        List<String> trimmed = new ArrayList<>();
        fields.forEach(f -> trimmed.add(f.trim()));
        return trimmed;
    }

    /** The feature columns' names in a header's fields: every field but the label and weight columns. */
    public List<String> featureNames(List<String> headerFields) {
        List<String> names = new ArrayList<>();
        for (int c = 0; c < headerFields.size(); c++) {
            if (c != labelColumn && c != weightColumn) {
                names.add(headerFields.get(c));
            }
        }
        return names;
    }

    private static boolean noNumbers(List<String> fields) {
        for (String f : fields) {
            try {
                Double.parseDouble(f.trim());
                return false;
            } catch (NumberFormatException e) {
                // not a number: keep looking
            }
        }
        return true;
    }

    private List<String> split(String text, RecordComplaint complain) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"' && field.toString().trim().isEmpty()) {
                quoted = true;
                field.setLength(0);
            } else if (c == delimiter) {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            throw complain.about("unclosed quote", "a quoted field is not closed");
        }
        fields.add(field.toString());
        return fields;
    }

    static BadInputException bad(String category, String reason, String text, String path, long line, long offset) {
        return new BadInputException(category, "bad CSV record in " + BadInputException.location(path, line, offset) + ": "
                + reason + ": " + BadInputException.quote(text) + ".");
    }
}
