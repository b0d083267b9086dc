package dev.downhill.core.metrics;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.Predictor;
import java.io.Serializable;

/**
 * Folds predicted blocks into the metrics of a model's objective: for classifiers {@link ClassificationCounts}
 * and, where the scores are probabilities (logistic, softmax), the weighted log-loss sum
 * sum_i v_i (-log p_{y_i}(x_i)), so mean log-loss = that sum / W; for least squares {@link RegressionErrors}.
 * Block labels are what training reads: class indices 0..K-1 for classifiers, values for regression.
 * Partial accumulators merge by addition (what each task sends back).
 */
public final class MetricsAccumulator implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Objective objective;
    /** Null for least squares. */
    private final ClassificationCounts classes;
    /** Null for classifiers. */
    private final RegressionErrors errors;
    private double logLossSum;

    /** @param numClasses K for classifiers (2 for logistic and hinge), ignored for least squares */
    public MetricsAccumulator(Objective objective, int numClasses) {
        this.objective = objective;
        boolean regression = objective == Objective.LEAST_SQUARES;
        this.classes = regression ? null : new ClassificationCounts(numClasses);
        this.errors = regression ? new RegressionErrors() : null;
    }

    /** Adds every row of {@code block}, which {@code predictor} has just predicted. */
    public void add(Predictor predictor, DataBlock block) {
        if (predictor.objective() != objective || predictor.numRows() != block.numRows()) {
            throw new IllegalArgumentException("the predictor holds " + predictor.numRows() + " rows of a "
                    + predictor.objective().cliName() + " model; the block has " + block.numRows()
                    + " rows for " + objective.cliName());
        }
        int n = block.numRows();
        if (errors != null) {
            for (int i = 0; i < n; i++) {
                errors.add(block.label(i), predictor.predictedValue(i), block.weight(i));
            }
            return;
        }
        boolean probabilities = predictor.hasProbabilities();
        for (int i = 0; i < n; i++) {
            int actual = classIndex(block.label(i));
            double v = block.weight(i);
            classes.add(actual, predictor.predictedClass(i), v);
            if (probabilities) {
                logLossSum += v * predictor.logLoss(i, actual);
            }
        }
    }

    private int classIndex(double label) {
        int c = (int) label;
        if (c != label || c < 0 || c >= classes.numClasses()) {
            throw new IllegalArgumentException("label " + label + " is not a class index in [0, "
                    + classes.numClasses() + ")");
        }
        return c;
    }

    /** Adds the other accumulator into this one and returns this. */
    public MetricsAccumulator merge(MetricsAccumulator o) {
        if (o.objective != objective) {
            throw new IllegalArgumentException("cannot merge metrics of " + objective.cliName() + " and "
                    + o.objective.cliName());
        }
        if (classes != null) {
            classes.merge(o.classes);
        } else {
            errors.merge(o.errors);
        }
        logLossSum += o.logLossSum;
        return this;
    }

    public Objective objective() {
        return objective;
    }

    public long rows() {
        return classes != null ? classes.rows() : errors.rows();
    }

    /** Classification counts; null for least squares. */
    public ClassificationCounts classes() {
        return classes;
    }

    /** Regression errors; null for classifiers. */
    public RegressionErrors errors() {
        return errors;
    }

    /** Whether log-loss is defined: the scores are probabilities (logistic, softmax). */
    public boolean hasLogLoss() {
        return objective == Objective.LOGISTIC || objective == Objective.SOFTMAX;
    }

    /** (1/W) sum_i v_i (-log p_{y_i}); NaN where the scores are not probabilities. */
    public double logLoss() {
        return hasLogLoss() ? logLossSum / classes.total() : Double.NaN;
    }
}
