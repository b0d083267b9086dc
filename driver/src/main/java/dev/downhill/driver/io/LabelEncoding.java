package dev.downhill.driver.io;

import dev.downhill.core.loss.Objective;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How input labels become the labels the loss reads: y' = (y - shift) / scale, and the original label of
 * each class (what the model file records, so predictions speak the data's labels).
 * <ul>
 *   <li>logistic, hinge: labels 0/1 as they are; with --binary-labels pm1 (or auto) labels -1/+1 as 0/1;</li>
 *   <li>softmax: integer labels 0..K-1 as they are; labels 1..K with no 0 shifted to 0..K-1;</li>
 *   <li>least squares: any finite label as it is.</li>
 * </ul>
 * Anything else is a {@link BadInputException} naming the first offending row.
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

    private LabelEncoding(double shift, double scale, double[] classLabels, String note) {
        this.shift = shift;
        this.scale = scale;
        this.classLabels = classLabels;
        this.note = note;
    }

    public double encode(double label) {
        return (label - shift) / scale;
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

    public static LabelEncoding decide(Objective objective, InputSummary s, Integer givenClasses,
                                       BinaryLabels binary, List<String> paths) {
        switch (objective.labelKind()) {
            case REAL:
                return new LabelEncoding(0.0, 1.0, null, null);
            case BINARY:
                return binary(objective, s, binary, paths);
            case CLASS_INDEX:
                return classes(s, givenClasses, paths);
            default:
                throw new AssertionError(objective);
        }
    }

    private static LabelEncoding binary(Objective objective, InputSummary s, BinaryLabels mode, List<String> paths) {
        String name = objective.cliName();
        String accepted = mode == BinaryLabels.ZERO_ONE ? "0 or 1 (-1/+1 are read as 0/1 with --binary-labels pm1)"
                : mode == BinaryLabels.PLUS_MINUS_ONE ? "-1 or +1 (--binary-labels pm1)"
                : "0/1 or -1/+1 (--binary-labels auto)";
        if (s.otherBinary > 0) {
            RowRef r = s.firstOtherBinary;
            throw new BadInputException("label " + fmt(r.value) + " in " + r.describe(paths) + " does not fit "
                    + name + ": labels must be " + accepted + ". " + s.otherBinary
                    + " row(s) have other labels. For regression use --objective least-squares; for more than"
                    + " two classes, --objective softmax.");
        }
        if (mode == BinaryLabels.ZERO_ONE && s.minusOnes > 0) {
            RowRef r = s.firstMinusOne;
            throw new BadInputException("label -1 in " + r.describe(paths) + " does not fit " + name
                    + ": labels must be " + accepted + ".");
        }
        if (mode == BinaryLabels.PLUS_MINUS_ONE && s.zeros > 0) {
            RowRef r = s.firstZero;
            throw new BadInputException("label 0 in " + r.describe(paths) + " does not fit " + name
                    + ": labels must be " + accepted + "; for 0/1 labels leave --binary-labels at 01.");
        }
        if (s.minusOnes > 0 && s.zeros > 0) {
            throw new BadInputException("labels mix -1 (first in " + s.firstMinusOne.describe(paths) + ") and 0 (first in "
                    + s.firstZero.describe(paths) + "): " + name + " takes either 0/1 or -1/+1 labels, not both.");
        }
        if (s.minusOnes > 0 || mode == BinaryLabels.PLUS_MINUS_ONE) {
            return new LabelEncoding(-1.0, 2.0, new double[] {-1.0, 1.0},
                    "labels -1/+1 are read as 0/1 (the model records classLabels [-1, 1])");
        }
        return new LabelEncoding(0.0, 1.0, new double[] {0.0, 1.0}, null);
    }

    private static LabelEncoding classes(InputSummary s, Integer givenClasses, List<String> paths) {
        if (s.firstNonInteger != null) {
            RowRef r = s.firstNonInteger;
            throw new BadInputException("label " + fmt(r.value) + " in " + r.describe(paths)
                    + " is not a class index: softmax labels must be integers 0..K-1.");
        }
        if (s.firstNegative != null) {
            RowRef r = s.firstNegative;
            throw new BadInputException("label " + fmt(r.value) + " in " + r.describe(paths)
                    + " is negative: softmax labels must be integers 0..K-1.");
        }
        if (s.tooManyClasses) {
            throw new BadInputException("labels take more than " + InputSummary.MAX_TRACKED
                    + " distinct values: too many classes for softmax.");
        }
        long maxLabel = (long) s.maxLabel;
        if (givenClasses != null) {
            if (maxLabel >= givenClasses) {
                throw new BadInputException("label " + maxLabel + " in " + s.firstMaxLabel.describe(paths)
                        + " is out of range for --num-classes " + givenClasses + " (labels must be 0.."
                        + (givenClasses - 1) + ").");
            }
            return checkedClasses(s, 0, givenClasses, null);
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
                : null);
    }

    private static LabelEncoding checkedClasses(InputSummary s, int shift, int k, String note) {
        if (k < 2) {
            throw new BadInputException("softmax needs at least 2 classes, but every label is " + (long) s.maxLabel + ".");
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
        return new LabelEncoding(shift, 1.0, labels, note);
    }

    /** Rows per class, for the data summary; empty for regression. */
    public static String classCounts(InputSummary s) {
        StringBuilder sb = new StringBuilder();
        int shown = 0;
        for (Map.Entry<Long, Long> e : s.classCounts.entrySet()) {
            if (shown++ == 10) {
                sb.append(" ...");
                break;
            }
            sb.append(sb.length() == 0 ? "" : ", ").append(e.getKey()).append(": ").append(e.getValue());
        }
        return sb.toString();
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }
}
