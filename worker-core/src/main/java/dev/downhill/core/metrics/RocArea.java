package dev.downhill.core.metrics;

import java.io.Serializable;

/**
 * The exact area under the ROC curve, built from groups of rows that share one score, fed in decreasing
 * score order. A group with positive weight P_s and negative weight N_s moves the (unnormalized) curve from
 * (FP, TP) to (FP + N_s, TP + P_s); the trapezoid under that step has area N_s (2 TP + P_s) / 2, which counts
 * a positive and a negative with the same score as half a correctly ordered pair. So
 * <pre>
 *   AUC = (sum over groups of N_s (TP_before + P_s / 2)) / (P N)
 * </pre>
 * with P and N the total positive and negative weight: the probability that a random positive scores above
 * a random negative, ties counting 1/2 (the Mann-Whitney statistic), and the trapezoidal area under the ROC
 * curve through every distinct score. With unit weights every sum is a multiple of 1/2 and exact below 2^52.
 *
 * <p>Segments of consecutive groups combine in order: {@code a.append(b)}, b's scores all below a's, adds
 * b's area raised by a's positives, a.TP b.N. Append is associative but not commutative: segments must be
 * appended in decreasing score order.
 */
public final class RocArea implements Serializable {
    private static final long serialVersionUID = 1L;

    private double positives;
    private double negatives;
    /** sum N_s (TP_before + P_s / 2), counted from this segment's own start. */
    private double area;

    /** Adds the next group: rows with one score, lower than every score added so far. */
    public void addGroup(double positiveWeight, double negativeWeight) {
        area += negativeWeight * (positives + 0.5 * positiveWeight);
        positives += positiveWeight;
        negatives += negativeWeight;
    }

    /** Appends a segment whose scores are all lower than this one's, and returns this. */
    public RocArea append(RocArea next) {
        area += next.area + positives * next.negatives;
        positives += next.positives;
        negatives += next.negatives;
        return this;
    }

    public double positives() {
        return positives;
    }

    public double negatives() {
        return negatives;
    }

    /** The area under the ROC curve; NaN unless there are rows of both classes. */
    public double auc() {
        if (!(positives > 0.0) || !(negatives > 0.0)) {
            return Double.NaN;
        }
        return area / (positives * negatives);
    }
}
