package dev.downhill.driver.io;

import dev.downhill.core.data.BlockBuilder;
import java.io.Serializable;

/**
 * One parsed input row on its way from the text parser to packing: only the loading shuffle ever holds
 * rows as objects; training runs on packed blocks.
 */
public final class ParsedRow implements Serializable {
    private static final long serialVersionUID = 1L;

    public final double label;
    public final double weight;
    /** 0-based, strictly increasing feature indices; null for a dense row (values holds every feature). */
    public final int[] indices;
    public final double[] values;
    /** 1-based line in its file, or -1 where the split cannot know it (the key carries the byte offset). */
    public final long line;
    /** For a record that failed to parse (kept under on-bad-record=skip to be counted): its kind, else null. */
    public final String badCategory;
    /** The full message for a bad record, else null. */
    public final String badMessage;
    /** Input columns carried through as text (predict --keep-columns), else null. */
    public final String[] kept;

    public ParsedRow(double label, double weight, int[] indices, double[] values, long line) {
        this(label, weight, indices, values, line, null, null, null);
    }

    /** A row carrying some of its input columns' text along. */
    public ParsedRow(double label, double weight, int[] indices, double[] values, long line, String[] kept) {
        this(label, weight, indices, values, line, null, null, kept);
    }

    private ParsedRow(double label, double weight, int[] indices, double[] values, long line, String badCategory,
                      String badMessage, String[] kept) {
        this.kept = kept;
        this.label = label;
        this.weight = weight;
        this.indices = indices;
        this.values = values;
        this.line = line;
        this.badCategory = badCategory;
        this.badMessage = badMessage;
    }

    /** A record that failed to parse, carried along so it is counted exactly once, in file order. */
    public static ParsedRow bad(BadInputException e, long line) {
        return new ParsedRow(Double.NaN, 0.0, new int[0], new double[0], line, e.category(), e.getMessage(), null);
    }

    /**
     * Appends this row, with {@code label} in place of its own and {@code key} (its {@link RowKey}, what seeds
     * its dropout mask) as its row key, to the block being built.
     */
    public void addTo(BlockBuilder builder, double label, long key) {
        if (indices == null) {
            builder.addDenseRow(label, weight, values, key);
        } else {
            builder.addSparseRow(label, weight, indices, values, indices.length, key);
        }
    }

    public boolean isBad() {
        return badCategory != null;
    }

    /** Features this row needs: the largest index + 1 (sparse) or its value count (dense). */
    public int width() {
        if (indices == null) {
            return values.length;
        }
        return indices.length == 0 ? 0 : indices[indices.length - 1] + 1;
    }
}
