package dev.downhill.driver.io;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one pass over the parsed rows learns before packing: row count, the features each row needs,
 * and the labels seen, with the first row (in file order) of every kind worth naming in an error.
 * Partition summaries merge into the summary of the whole input.
 */
public final class InputSummary implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Distinct row widths and integer classes remembered before giving up on listing them. */
    static final int MAX_TRACKED = 100_000;
    /** Labels above this are not class indices (softmax allows at most a million classes). */
    static final double MAX_CLASS_LABEL = 1e9;
    /** Bad records quoted in full, the first ones in file order. */
    static final int MAX_EXAMPLES = 10;

    /** Rows that parsed (bad records are counted apart). */
    long rows;
    /** Feature values stored over the good rows (what a row's outer products cost: their square). */
    long storedValues;
    int maxWidth;
    /** The first row (in file order) of the largest width. */
    RowRef firstMaxWidth;
    /** CSV rows per width, while few widths are seen. */
    final TreeMap<Integer, Long> widthCounts = new TreeMap<>();
    /** Records that failed to parse, per category (on-bad-record=skip). */
    final TreeMap<String, Long> badCounts = new TreeMap<>();
    /** The first bad records in file order: key to message. */
    final TreeMap<Long, String> badExamples = new TreeMap<>();
    /** Row width (CSV column count less label/weight) to the first row with that width. */
    final TreeMap<Integer, RowRef> firstRowOfWidth = new TreeMap<>();
    long zeros;
    long ones;
    long minusOnes;
    long otherBinary;
    RowRef firstZero;
    RowRef firstMinusOne;
    RowRef firstOtherBinary;
    RowRef firstNonInteger;
    RowRef firstNegative;
    long nonIntegers;
    long negatives;
    double minLabel = Double.POSITIVE_INFINITY;
    double maxLabel = Double.NEGATIVE_INFINITY;
    /** The first row (in file order) holding the largest label. */
    RowRef firstMaxLabel;
    /** Rows per non-negative integer label, while fewer than MAX_TRACKED distinct labels are seen. */
    final TreeMap<Long, Long> classCounts = new TreeMap<>();
    boolean tooManyClasses;

    public void add(long key, ParsedRow row) {
        if (row.isBad()) {
            badCounts.merge(row.badCategory, 1L, Long::sum);
            badExamples.put(key, row.badMessage);
            if (badExamples.size() > MAX_EXAMPLES) {
                badExamples.pollLastEntry();
            }
            return;
        }
        rows++;
        storedValues += row.values.length;
        int width = row.width();
        if (width > maxWidth) {
            maxWidth = width;
            firstMaxWidth = new RowRef(key, row.line, width);
        } else if (width == maxWidth) {
            firstMaxWidth = RowRef.first(firstMaxWidth, new RowRef(key, row.line, width));
        }
        if (row.indices == null && (firstRowOfWidth.containsKey(width) || firstRowOfWidth.size() < 16)) {
            firstRowOfWidth.merge(width, new RowRef(key, row.line, width), RowRef::first);
            widthCounts.merge(width, 1L, Long::sum);
        }
        double y = row.label;
        RowRef ref = null;
        if (y == 0.0) {
            zeros++;
            firstZero = RowRef.first(firstZero, ref = new RowRef(key, row.line, y));
        } else if (y == 1.0) {
            ones++;
        } else if (y == -1.0) {
            minusOnes++;
            firstMinusOne = RowRef.first(firstMinusOne, ref = new RowRef(key, row.line, y));
        } else {
            otherBinary++;
            firstOtherBinary = RowRef.first(firstOtherBinary, ref = new RowRef(key, row.line, y));
        }
        minLabel = Math.min(minLabel, y);
        if (y > maxLabel) {
            maxLabel = y;
            firstMaxLabel = new RowRef(key, row.line, y);
        } else if (y == maxLabel) {
            firstMaxLabel = RowRef.first(firstMaxLabel, new RowRef(key, row.line, y));
        }
        if (y != Math.rint(y) || y > MAX_CLASS_LABEL) {
            // Too large to be a class index: counting it as one would overflow the class arithmetic.
            nonIntegers++;
            firstNonInteger = RowRef.first(firstNonInteger, ref != null ? ref : new RowRef(key, row.line, y));
        } else if (y < 0) {
            negatives++;
            firstNegative = RowRef.first(firstNegative, ref != null ? ref : new RowRef(key, row.line, y));
        } else if (!tooManyClasses) {
            classCounts.merge((long) y, 1L, Long::sum);
            tooManyClasses = classCounts.size() > MAX_TRACKED;
        }
    }

    public InputSummary merge(InputSummary o) {
        rows += o.rows;
        storedValues += o.storedValues;
        if (o.maxWidth > maxWidth) {
            maxWidth = o.maxWidth;
            firstMaxWidth = o.firstMaxWidth;
        } else if (o.maxWidth == maxWidth) {
            firstMaxWidth = RowRef.first(firstMaxWidth, o.firstMaxWidth);
        }
        for (Map.Entry<Integer, RowRef> e : o.firstRowOfWidth.entrySet()) {
            firstRowOfWidth.merge(e.getKey(), e.getValue(), RowRef::first);
        }
        o.widthCounts.forEach((k, v) -> widthCounts.merge(k, v, Long::sum));
        o.badCounts.forEach((k, v) -> badCounts.merge(k, v, Long::sum));
        badExamples.putAll(o.badExamples);
        while (badExamples.size() > MAX_EXAMPLES) {
            badExamples.pollLastEntry();
        }
        zeros += o.zeros;
        ones += o.ones;
        minusOnes += o.minusOnes;
        otherBinary += o.otherBinary;
        firstZero = RowRef.first(firstZero, o.firstZero);
        firstMinusOne = RowRef.first(firstMinusOne, o.firstMinusOne);
        firstOtherBinary = RowRef.first(firstOtherBinary, o.firstOtherBinary);
        firstNonInteger = RowRef.first(firstNonInteger, o.firstNonInteger);
        nonIntegers += o.nonIntegers;
        negatives += o.negatives;
        firstNegative = RowRef.first(firstNegative, o.firstNegative);
        minLabel = Math.min(minLabel, o.minLabel);
        if (o.maxLabel > maxLabel) {
            maxLabel = o.maxLabel;
            firstMaxLabel = o.firstMaxLabel;
        } else if (o.maxLabel == maxLabel) {
            firstMaxLabel = RowRef.first(firstMaxLabel, o.firstMaxLabel);
        }
        tooManyClasses |= o.tooManyClasses;
        if (!tooManyClasses) {
            o.classCounts.forEach((k, v) -> classCounts.merge(k, v, Long::sum));
            tooManyClasses = classCounts.size() > MAX_TRACKED;
        }
        return this;
    }

    /** Stored feature values per good row (d for dense rows, the non-zeros for sparse ones). */
    public double meanStoredValues() {
        return rows == 0 ? 0 : (double) storedValues / rows;
    }

    public long rows() {
        return rows;
    }

    /** Records that failed to parse. */
    public long badRecords() {
        return badCounts.values().stream().mapToLong(Long::longValue).sum();
    }
}
