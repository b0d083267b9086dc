package dev.downhill.core.metrics;

import java.io.Serializable;

/**
 * Weighted counts of a classifier's predictions over K classes, and the metrics they give. Each row adds its
 * instance weight v (1 without weights) to: its cell of the confusion matrix C[actual][predicted] (kept for
 * K <= {@link #MAX_MATRIX_CLASSES}), TP_c of its class when predicted right, A_c (rows actually of class c)
 * and P_c (rows predicted as c). With W = sum_c A_c:
 * <ul>
 *   <li>accuracy = sum_c TP_c / W;</li>
 *   <li>precision_c = TP_c / P_c, recall_c = TP_c / A_c (0 when the denominator is 0),
 *       F1_c = 2 precision_c recall_c / (precision_c + recall_c) (0 when both are 0);</li>
 *   <li>macro-F1 = the mean of F1_c over the classes that occur among the labels or the predictions;</li>
 *   <li>weighted precision, recall and F1 = sum_c (A_c / W) metric_c, as Spark's MulticlassMetrics
 *       defines them.</li>
 * </ul>
 * Partial counts merge by addition, so any split of the rows gives the same counts.
 */
public final class ClassificationCounts implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The full confusion matrix is kept up to this many classes (K^2 cells); beyond, only per-class counts. */
    public static final int MAX_MATRIX_CLASSES = 100;

    private final int numClasses;
    private final double[] truePositives;
    private final double[] actual;
    private final double[] predicted;
    /** C[a][p] at a * K + p, or null above MAX_MATRIX_CLASSES. */
    private final double[] matrix;
    private long rows;

    public ClassificationCounts(int numClasses) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("need at least 2 classes, got " + numClasses);
        }
        this.numClasses = numClasses;
        this.truePositives = new double[numClasses];
        this.actual = new double[numClasses];
        this.predicted = new double[numClasses];
        this.matrix = numClasses <= MAX_MATRIX_CLASSES ? new double[numClasses * numClasses] : null;
    }

    /** Counts one row of class {@code actualClass} predicted as {@code predictedClass}, with weight v. */
    public void add(int actualClass, int predictedClass, double weight) {
        actual[actualClass] += weight;
        predicted[predictedClass] += weight;
        if (actualClass == predictedClass) {
            truePositives[actualClass] += weight;
        }
        if (matrix != null) {
            matrix[actualClass * numClasses + predictedClass] += weight;
        }
        rows++;
    }

    /** Adds the other counts into these and returns this. */
    public ClassificationCounts merge(ClassificationCounts o) {
        if (o.numClasses != numClasses) {
            throw new IllegalArgumentException("cannot merge counts of " + numClasses + " and " + o.numClasses
                    + " classes");
        }
        addInto(truePositives, o.truePositives);
        addInto(actual, o.actual);
        addInto(predicted, o.predicted);
        if (matrix != null) {
            addInto(matrix, o.matrix);
        }
        rows += o.rows;
        return this;
    }

    private static void addInto(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
    }

    public int numClasses() {
        return numClasses;
    }

    public long rows() {
        return rows;
    }

    /** W: the total weight (the row count without weights). */
    public double total() {
        double w = 0.0;
        for (double a : actual) {
            w += a;
        }
        return w;
    }

    /** A_c: weight of the rows whose label is class c. */
    public double actual(int c) {
        return actual[c];
    }

    /** P_c: weight of the rows predicted as class c. */
    public double predicted(int c) {
        return predicted[c];
    }

    public double truePositives(int c) {
        return truePositives[c];
    }

    public boolean hasMatrix() {
        return matrix != null;
    }

    /** C[actual][predicted]; only for K <= {@link #MAX_MATRIX_CLASSES}. */
    public double confusion(int actualClass, int predictedClass) {
        if (matrix == null) {
            throw new IllegalStateException("the confusion matrix is kept for at most " + MAX_MATRIX_CLASSES
                    + " classes, not " + numClasses);
        }
        return matrix[actualClass * numClasses + predictedClass];
    }

    public double accuracy() {
        double right = 0.0;
        for (double tp : truePositives) {
            right += tp;
        }
        return right / total();
    }

    public double precision(int c) {
        return predicted[c] == 0.0 ? 0.0 : truePositives[c] / predicted[c];
    }

    public double recall(int c) {
        return actual[c] == 0.0 ? 0.0 : truePositives[c] / actual[c];
    }

    public double f1(int c) {
        double p = precision(c);
        double r = recall(c);
        return p + r == 0.0 ? 0.0 : 2.0 * p * r / (p + r);
    }

    /** Mean F1 over the classes present among the labels or the predictions. */
    public double macroF1() {
        double sum = 0.0;
        int present = 0;
        for (int c = 0; c < numClasses; c++) {
            if (actual[c] > 0.0 || predicted[c] > 0.0) {
                sum += f1(c);
                present++;
            }
        }
        return sum / present;
    }

    public double weightedPrecision() {
        return weighted(this::precision);
    }

    public double weightedRecall() {
        return weighted(this::recall);
    }

    public double weightedF1() {
        return weighted(this::f1);
    }

    private double weighted(java.util.function.IntToDoubleFunction metric) {
        double w = total();
        double sum = 0.0;
        for (int c = 0; c < numClasses; c++) {
            if (actual[c] > 0.0) {
                sum += actual[c] / w * metric.applyAsDouble(c);
            }
        }
        return sum;
    }
}
