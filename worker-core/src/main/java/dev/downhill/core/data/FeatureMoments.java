package dev.downhill.core.data;

import java.io.Serializable;

/**
 * Per-feature weighted sums over rows (instance weights v_i, as in the objective's weighted mean), merged
 * across partitions: V = sum v_i, S_j = sum v_i x_ij, Q_j = sum v_i x_ij^2, giving mean_j = S_j / V and
 * sigma_j = sqrt(max(Q_j / V - mean_j^2, 0)). The one-pass formula loses digits when
 * |mean| >> sigma; that is harmless here because the moments only precondition the problem (see
 * {@code Standardization}) and never change the objective or its optimum.
 */
public final class FeatureMoments implements Serializable {
    private static final long serialVersionUID = 1L;

    private long rows;
    private double weightSum;
    private double[] sum;
    private double[] sumSquares;

    public FeatureMoments(int numFeatures) {
        this.sum = new double[numFeatures];
        this.sumSquares = new double[numFeatures];
    }

    public void add(DataBlock block) {
        block.addMoments(sum, sumSquares);
        rows += block.numRows();
        for (int i = 0; i < block.numRows(); i++) {
            weightSum += block.weight(i);
        }
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
        weightSum += other.weightSum;
        return this;
    }

    /** V = sum_i v_i. */
    public double weightSum() {
        return weightSum;
    }

    /** S_j = sum_i v_i x_ij (the array itself). */
    public double[] sums() {
        return sum;
    }

    /** Q_j = sum_i v_i x_ij^2 (the array itself). */
    public double[] sumSquares() {
        return sumSquares;
    }

    public long rows() {
        return rows;
    }

    public double[] means() {
        double[] m = new double[sum.length];
        for (int j = 0; j < m.length; j++) {
            m[j] = weightSum > 0 ? sum[j] / weightSum : 0;
        }
        return m;
    }

    public double[] standardDeviations() {
        double[] s = new double[sum.length];
        for (int j = 0; j < s.length; j++) {
            if (weightSum > 0) {
                double mean = sum[j] / weightSum;
                s[j] = Math.sqrt(Math.max(sumSquares[j] / weightSum - mean * mean, 0.0));
            }
        }
        return s;
    }
}
