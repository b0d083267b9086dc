package dev.downhill.core.data;

import java.io.Serializable;

/**
 * Per-feature count, sum and sum of squares over rows (unweighted), merged across partitions, giving
 * mean_j = S_j / n and sigma_j = sqrt(max(Q_j / n - mean_j^2, 0)). The one-pass formula loses digits when
 * |mean| >> sigma; that is harmless here because the moments only precondition the problem (see
 * {@code Standardization}) and never change the objective or its optimum.
 */
public final class FeatureMoments implements Serializable {
    private static final long serialVersionUID = 1L;

    private long rows;
    private double[] sum;
    private double[] sumSquares;

    public FeatureMoments(int numFeatures) {
        this.sum = new double[numFeatures];
        this.sumSquares = new double[numFeatures];
    }

    public void add(DataBlock block) {
        block.addMoments(sum, sumSquares);
        rows += block.numRows();
    }

    /** Adds {@code other} into this one and returns this. */
    public FeatureMoments merge(FeatureMoments other) {
        if (other.sum.length != sum.length) {
            throw new IllegalArgumentException("feature counts differ: " + sum.length + " vs " + other.sum.length);
        }
        for (int j = 0; j < sum.length; j++) {
            sum[j] += other.sum[j];
            sumSquares[j] += other.sumSquares[j];
        }
        rows += other.rows;
        return this;
    }

    public long rows() {
        return rows;
    }

    public double[] means() {
        double[] m = new double[sum.length];
        for (int j = 0; j < m.length; j++) {
            m[j] = rows == 0 ? 0 : sum[j] / rows;
        }
        return m;
    }

    public double[] standardDeviations() {
        double[] s = new double[sum.length];
        for (int j = 0; j < s.length; j++) {
            if (rows > 0) {
                double mean = sum[j] / rows;
                s[j] = Math.sqrt(Math.max(sumSquares[j] / rows - mean * mean, 0.0));
            }
        }
        return s;
    }
}
