package dev.downhill.driver.io;

import dev.downhill.core.loss.Objective;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How input labels become the labels the loss reads: y' = (y - shift) / scale, which labels are accepted,
 * and the original label of each class (what the model file records, so predictions speak the data's
 * labels).
 * <ul>
 *   <li>logistic, hinge: labels 0/1 as they are; with --binary-labels pm1 (or auto) labels -1/+1 as 0/1;</li>
 *   <li>softmax: integer labels 0..K-1 as they are; labels 1..K with no 0 shifted to 0..K-1;</li>
 *   <li>least squares: any finite label as it is.</li>
 * </ul>
 * A label that does not fit is a {@link BadInputException} naming the first offending row; with
 * on-bad-record=skip such rows are counted ({@link #rejectedRows}) and left out instead. Problems no row
 * can be blamed for (labels that mix -1 and 0, an empty class, one class: "all 500 rows have label 1")
 * are errors either way, for every classifier alike.
 */
public final class LabelEncoding implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Which labels a binary objective accepts (--binary-labels). */
    public enum BinaryLabels {
        /** 0 and 1 only. */
        ZERO_ONE("01"),
        /** -1 and +1 only, read as 0 and 1. */
        PLUS_MINUS_ONE("pm1"),
        /** Either 0/1 or -1/+1, never both. */
        AUTO("auto");

        private final String setting;

        BinaryLabels(String setting) {
            this.setting = setting;
        }

        public String setting() {
            return setting;
        }

        public static BinaryLabels fromSetting(String value) {
            for (BinaryLabels b : values()) {
                if (b.setting.equals(value)) {
                    return b;
                }
            }
            throw new IllegalArgumentException("unknown --binary-labels " + value);
        }
    }

    private final double shift;
    private final double scale;
    /** Original label of class k; null for regression. */
    private final double[] classLabels;
    private final String note;
    private final long rejectedRows;
    private final String rejectedExample;
    private final long rejectedExampleKey;

    private LabelEncoding(double shift, double scale, double[] classLabels, String note, long rejectedRows,
                          String rejectedExample, long rejectedExampleKey) {
        this.rejectedExampleKey = rejectedExampleKey;
        this.shift = shift;
        this.scale = scale;
        this.classLabels = classLabels;
        this.note = note;
        this.rejectedRows = rejectedRows;
        this.rejectedExample = rejectedExample;
    }

    public double encode(double label) {
        return (label - shift) / scale;
    }

    /** Whether a row with this label is trained on (regression: every label; classes: the class labels). */
    public boolean accepts(double label) {
        if (classLabels == null) {
            return true;
        }
        double c = encode(label);
        return c == Math.rint(c) && c >= 0 && c < classLabels.length;
    }

    /** 0 for regression, else K. */
    public int numClasses() {
        return classLabels == null ? 0 : classLabels.length;
    }

    public double[] classLabels() {
        return classLabels == null ? null : classLabels.clone();
    }

    /** A line for the user when labels were mapped, else null. */
    public String note() {
        return note;
    }

    /** Rows left out because their label does not fit (on-bad-record=skip only). */
    public long rejectedRows() {
        return rejectedRows;
    }

    /** The row key of the first rejected row (for ordering examples). */
    public long rejectedExampleKey() {
        return rejectedExampleKey;
    }

    /** The first rejected row, described, or null. */
    public String rejectedExample() {
        return rejectedExample;
    }

    public static LabelEncoding decide(Objective objective, InputSummary s, Integer givenClasses,
                                       BinaryLabels binary, List<String> paths) {
        return decide(objective, s, givenClasses, binary, false, new RowLocator(paths));
    }

    /** @param skip leave rows with misfit labels out (counted) instead of failing on the first */
    public static LabelEncoding decide(Objective objective, InputSummary s, Integer givenClasses,
                                       BinaryLabels binary, boolean skip, RowLocator rows) {
        switch (objective.labelKind()) {
            case REAL:
                return new LabelEncoding(0.0, 1.0, null, null, 0, null, 0L);
            case BINARY:
                return binary(objective, s, binary, skip, rows);
            case CLASS_INDEX:
                return classes(s, givenClasses, skip, rows);
            default:
                throw new AssertionError(objective);
        }
    }

    private static LabelEncoding binary(Objective objective, InputSummary s, BinaryLabels mode, boolean skip,
                                        RowLocator rows) {
        String name = objective.cliName();
        String accepted = mode == BinaryLabels.ZERO_ONE ? "0 or 1 (-1/+1 are read as 0/1 with --binary-labels pm1)"
                : mode == BinaryLabels.PLUS_MINUS_ONE ? "-1 or +1 (--binary-labels pm1)"
                : "0/1 or -1/+1 (--binary-labels auto)";
        if (mode == BinaryLabels.AUTO && s.minusOnes > 0 && s.zeros > 0) {
            throw new BadInputException("labels mix -1 (first in " + rows.describe(s.firstMinusOne) + ") and 0 (first in "
                    + rows.describe(s.firstZero) + "): " + name + " takes either 0/1 or -1/+1 labels, not both.");
        }
        boolean plusMinus = mode == BinaryLabels.PLUS_MINUS_ONE || mode == BinaryLabels.AUTO && s.minusOnes > 0;
        long rejected = s.otherBinary;
        RowRef first = s.firstOtherBinary;
        String hint = "";
        if (plusMinus) {
            rejected += s.zeros;
            first = RowRef.first(first, s.firstZero);
            if (s.zeros > 0) {
                hint = "; for 0/1 labels leave --binary-labels at 01";
            }
        } else {
            rejected += s.minusOnes;
            first = RowRef.first(first, s.firstMinusOne);
        }
        String example = first == null ? null : "label " + fmt(first.value) + " in " + rows.describe(first)
                + " does not fit " + name + ": labels must be " + accepted + hint;
        if (rejected > 0 && !skip) {
            throw new BadInputException(example + ". " + rejected + " row(s) have such labels. For regression use"
                    + " --objective least-squares; for more than two classes, --objective softmax.");
        }
        if (rejected == s.rows) {
            throw new BadInputException("no row has a label " + name + " accepts (" + accepted + "); first: " + example);
        }
        long negatives = plusMinus ? s.minusOnes : s.zeros;
        if (negatives == 0 || s.ones == 0) {
            // One class: the loss falls toward 0 as the intercept grows without bound, so there is no model to train.
            throw oneClass(negatives == 0 ? s.ones : negatives, negatives == 0 ? "1" : plusMinus ? "-1" : "0",
                    rejected, name + " labels must be " + accepted);
        }
        if (plusMinus) {
            return new LabelEncoding(-1.0, 2.0, new double[] {-1.0, 1.0},
                    "labels -1/+1 are read as 0/1 (the model records classLabels [-1, 1])", rejected, example,
                    first == null ? 0L : first.key);
        }
        return new LabelEncoding(0.0, 1.0, new double[] {0.0, 1.0}, null, rejected, example,
                first == null ? 0L : first.key);
    }

    private static LabelEncoding classes(InputSummary s, Integer givenClasses, boolean skip, RowLocator rows) {
        long rejected = 0;
        RowRef first = null;
        String why = null;
        if (s.firstNonInteger != null) {
            rejected += s.nonIntegers;
            first = s.firstNonInteger;
            why = "is not a class index";
        }
        if (s.firstNegative != null) {
            rejected += s.negatives;
            if (first == null || s.firstNegative.key < first.key) {
                first = s.firstNegative;
                why = "is negative";
            }
        }
        if (rejected > 0 && !skip) {
            throw new BadInputException("label " + fmt(first.value) + " in " + rows.describe(first) + " " + why
                    + ": softmax labels must be integers 0..K-1. " + rejected + " row(s) have such labels.");
        }
        if (s.tooManyClasses) {
            throw new BadInputException("labels take more than " + InputSummary.MAX_TRACKED
                    + " distinct values: too many classes for softmax.");
        }
        if (s.classCounts.isEmpty()) {
            throw new BadInputException("no row has a softmax label (an integer 0..K-1); first: label "
                    + fmt(first.value) + " in " + rows.describe(first) + ".");
        }
        String example = first == null ? null : "label " + fmt(first.value) + " in " + rows.describe(first) + " "
                + why + ": softmax labels must be integers 0..K-1";
        long maxLabel = s.classCounts.lastKey();
        if (givenClasses != null) {
            if (maxLabel >= givenClasses) {
                long beyond = s.classCounts.tailMap((long) givenClasses).values().stream().mapToLong(Long::longValue).sum();
                RowRef r = s.firstMaxLabel;
                String message = "label " + maxLabel + " in " + rows.describe(r) + " is out of range for --num-classes "
                        + givenClasses + " (labels must be 0.." + (givenClasses - 1) + ")";
                if (!skip) {
                    throw new BadInputException(message + ". " + beyond + " row(s) have labels beyond it.");
                }
                rejected += beyond;
                if (first == null || r.key < first.key) {
                    first = r;
                    example = message;
                }
            }
            return checkedClasses(s, 0, givenClasses, null, rejected, example, first == null ? 0L : first.key);
        }
        boolean oneBased = !s.classCounts.containsKey(0L) && s.classCounts.firstKey() == 1L;
        int shift = oneBased ? 1 : 0;
        long k = maxLabel + 1 - shift;
        if (k > 1_000_000) {
            throw new BadInputException("the largest label is " + maxLabel + ": too many classes for softmax"
                    + " (labels must be 0..K-1).");
        }
        return checkedClasses(s, shift, (int) k, oneBased
                ? "labels 1.." + k + " are read as classes 0.." + (k - 1) + " (the model records classLabels)"
                : null, rejected, example, first == null ? 0L : first.key);
    }

    private static LabelEncoding checkedClasses(InputSummary s, int shift, int k, String note, long rejected,
                                                String example, long exampleKey) {
        if (k < 2) {
            long only = s.classCounts.firstKey();
            throw oneClass(s.classCounts.get(only), fmt(only), rejected, "softmax labels are classes 0..K-1"
                    + " (or 1..K), K >= 2");
        }
        List<Long> empty = new ArrayList<>();
        for (long c = shift; c < shift + k && empty.size() < 10; c++) {
            if (!s.classCounts.containsKey(c)) {
                empty.add(c);
            }
        }
        if (!empty.isEmpty()) {
            throw new BadInputException("label(s) " + empty + " never occur, but softmax with labels " + shift + ".."
                    + (shift + k - 1) + " needs rows of every class (an empty class has no finite optimum)."
                    + " Renumber the classes without gaps" + (shift == 0 ? " or set --num-classes" : "") + ".");
        }
        double[] labels = new double[k];
        for (int c = 0; c < k; c++) {
            labels[c] = c + shift;
        }
        return new LabelEncoding(shift, 1.0, labels, note, rejected, example, exampleKey);
    }

    /** Data with one class: a classifier has nothing to separate (the loss has no minimizer). */
    private static BadInputException oneClass(long rows, String label, long rejected, String accepted) {
        return new BadInputException("all " + rows + " rows" + (rejected > 0 ? " trained on" : "") + " have label "
                + label + ": a classifier needs at least two classes (" + accepted + ")"
                + (rejected > 0 ? "; " + rejected + " other row(s) were left out for labels that do not fit" : "")
                + ". Check --label-column and the input; for regression use --objective least-squares.");
    }

    /** Rows per accepted label, for the data summary; empty for regression. */
    public static String classCounts(InputSummary s, LabelEncoding labels) {
        StringBuilder sb = new StringBuilder();
        int shown = 0;
        TreeMap<Double, Long> counts = new TreeMap<>();
        s.classCounts.forEach((label, n) -> counts.put((double) label, n));
        if (s.minusOnes > 0) {
            counts.put(-1.0, s.minusOnes);
        }
        for (Map.Entry<Double, Long> e : counts.entrySet()) {
            if (!labels.accepts(e.getKey())) {
                continue;
            }
            if (shown++ == 10) {
                sb.append(" ...");
                break;
            }
            sb.append(sb.length() == 0 ? "" : ", ").append(fmt(e.getKey())).append(": ").append(e.getValue());
        }
        return sb.toString();
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }
}
