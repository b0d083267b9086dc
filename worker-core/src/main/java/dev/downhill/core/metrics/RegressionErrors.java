package dev.downhill.core.metrics;

import java.io.Serializable;

/**
 * Weighted error sums of a regression model, and the metrics they give. Each row with label y, prediction
 * yhat and instance weight v (1 without weights) adds to W = sum v, SSE = sum v (yhat - y)^2 and
 * SAE = sum v |yhat - y|, and to the running weighted mean and spread of the labels,
 * SST = sum v (y - ybar)^2 (Welford's update; partial sums merge by Chan et al.'s formula
 * M2 = M2_a + M2_b + delta^2 W_a W_b / W, so no sum of y^2 cancels against ybar^2).
 * <ul>
 *   <li>RMSE = sqrt(SSE / W), MAE = SAE / W;</li>
 *   <li>R^2 = 1 - SSE / SST (NaN when every label is the same, SST = 0).</li>
 * </ul>
 */
public final class RegressionErrors implements Serializable {
    private static final long serialVersionUID = 1L;

    private long rows;
    private double weightSum;
    private double squaredErrorSum;
    private double absoluteErrorSum;
    private double labelMean;
    /** sum v (y - labelMean)^2. */
    private double labelSpread;

    /** Adds one row. */
    public void add(double label, double prediction, double weight) {
        double r = prediction - label;
        squaredErrorSum += weight * r * r;
        absoluteErrorSum += weight * Math.abs(r);
        rows++;
        if (weight == 0.0) {
            return;
        }
        weightSum += weight;
        double delta = label - labelMean;
        labelMean += delta * (weight / weightSum);
        labelSpread += weight * delta * (label - labelMean);
    }

    /** Adds the other sums into these and returns this. */
    public RegressionErrors merge(RegressionErrors o) {
        if (o.weightSum > 0.0) {
            double w = weightSum + o.weightSum;
            double delta = o.labelMean - labelMean;
            labelSpread += o.labelSpread + delta * delta * (weightSum * o.weightSum / w);
            labelMean += delta * (o.weightSum / w);
            weightSum = w;
        }
        squaredErrorSum += o.squaredErrorSum;
        absoluteErrorSum += o.absoluteErrorSum;
        rows += o.rows;
        return this;
    }

    public long rows() {
        return rows;
    }

    public double weightSum() {
        return weightSum;
    }

    public double meanLabel() {
        return labelMean;
    }

    /** SST = sum v (y - ybar)^2. */
    public double totalSumOfSquares() {
        return labelSpread;
    }

    /** SSE = sum v (yhat - y)^2. */
    public double squaredErrorSum() {
        return squaredErrorSum;
    }

    public double rmse() {
        return Math.sqrt(squaredErrorSum / weightSum);
    }

    public double mae() {
        return absoluteErrorSum / weightSum;
    }

    public double r2() {
        return labelSpread == 0.0 ? Double.NaN : 1.0 - squaredErrorSum / labelSpread;
    }
}
