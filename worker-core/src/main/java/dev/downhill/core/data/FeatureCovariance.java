package dev.downhill.core.data;

import java.io.Serializable;

/**
 * The weighted mean and covariance of the features, in one pass that does not lose the covariance's digits
 * to large means:
 * <pre>
 *   V = sum_i v_i,     m = (1/V) sum_i v_i x_i,     C = (1/V) sum_i v_i (x_i - m)(x_i - m)^T
 * </pre>
 * (instance weights v_i as in the objective's weighted mean). Each block contributes its own mean and its
 * co-moments about that mean; blocks and partitions are combined with the pairwise update of Chan, Golub
 * and LeVeque (1979): V = V_a + V_b, m = m_a + (V_b / V)(m_b - m_a), S = S_a + S_b + (V_a V_b / V) e e^T with
 * e = m_b - m_a. Summing x x^T and subtracting m m^T at the end would cancel catastrophically when
 * |mean| >> deviation. Only the upper triangle is kept; a dense row costs d^2 / 2 products, so callers keep d
 * small. This is what {@code Whitening} preconditions with.
 */
public final class FeatureCovariance implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int d;
    private double weightSum;
    private final double[] mean;
    /** Upper triangle of S = sum v (x - m)(x - m)^T, row-major d x d. */
    private final double[] comoments;
    /** One block's co-moments, reused from block to block; never shipped. */
    private transient double[] scratch;

    public FeatureCovariance(int numFeatures) {
        this.d = numFeatures;
        this.mean = new double[d];
        this.comoments = new double[d * d];
    }

    public void add(DataBlock block) {
        if (block.numFeatures() != d) {
            throw new IllegalArgumentException("block has " + block.numFeatures() + " features, not " + d);
        }
        double blockWeight = 0;
        for (int i = 0; i < block.numRows(); i++) {
            blockWeight += block.weight(i);
        }
        if (!(blockWeight > 0)) {
            return;
        }
        double[] blockMean = new double[d];
        block.addMoments(blockMean, new double[d]);
        for (int j = 0; j < d; j++) {
            blockMean[j] /= blockWeight;
        }
        // One d x d scratch per accumulator, not per block: d may be a thousand.
        if (scratch == null) {
            scratch = new double[d * d];
        } else {
            java.util.Arrays.fill(scratch, 0.0);
        }
        block.addOuterProducts(blockMean, scratch);
        combine(blockWeight, blockMean, scratch);
    }

    /**
     * Adds the block's rows with the weights {@code rowWeights} (one per row, finite and >= 0) in place of the
     * block's own: V, m and C then weigh row i by rowWeights[i]. Used for the curvature-weighted covariance of
     * {@code CurvatureCovariance}. Each row is copied dense (O(d)) and multiplied over its non-zeros only.
     */
    public void add(DataBlock block, double[] rowWeights) {
        if (block.numFeatures() != d) {
            throw new IllegalArgumentException("block has " + block.numFeatures() + " features, not " + d);
        }
        int n = block.numRows();
        if (rowWeights.length < n) {
            throw new IllegalArgumentException(rowWeights.length + " row weights for " + n + " rows");
        }
        double blockWeight = 0;
        double[] sum = new double[d];
        double[] row = new double[d];
        int[] nonZero = new int[d];
        if (scratch == null) {
            scratch = new double[d * d];
        } else {
            java.util.Arrays.fill(scratch, 0.0);
        }
        for (int i = 0; i < n; i++) {
            double v = rowWeights[i];
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("row weight " + v + " at row " + i);
            }
            if (v == 0) {
                continue;
            }
            blockWeight += v;
            java.util.Arrays.fill(row, 0.0);
            block.axpy(i, 1.0, row, 0);
            int count = 0;
            for (int j = 0; j < d; j++) {
                if (row[j] != 0) {
                    nonZero[count++] = j;
                }
            }
            for (int q = 0; q < count; q++) {
                int j = nonZero[q];
                double a = v * row[j];
                sum[j] += a;
                for (int r = q; r < count; r++) {
                    scratch[j * d + nonZero[r]] += a * row[nonZero[r]];
                }
            }
        }
        if (!(blockWeight > 0)) {
            return;
        }
        double[] blockMean = new double[d];
        for (int j = 0; j < d; j++) {
            blockMean[j] = sum[j] / blockWeight;
        }
        DataBlock.recenter(scratch, sum, blockWeight, blockMean);
        combine(blockWeight, blockMean, scratch);
    }

    /** Adds {@code other} into this one and returns this. */
    public FeatureCovariance merge(FeatureCovariance other) {
        if (other.d != d) {
            throw new IllegalArgumentException("feature counts differ: " + d + " vs " + other.d);
        }
        combine(other.weightSum, other.mean, other.comoments);
        return this;
    }

    /** The pairwise update with a part of weight V_b, mean m_b and co-moments S_b (upper triangle). */
    private void combine(double otherWeight, double[] otherMean, double[] otherComoments) {
        if (!(otherWeight > 0)) {
            return;
        }
        double total = weightSum + otherWeight;
        double cross = weightSum * otherWeight / total;
        double[] e = new double[d];
        for (int j = 0; j < d; j++) {
            e[j] = otherMean[j] - mean[j];
        }
        for (int j = 0; j < d; j++) {
            for (int l = j; l < d; l++) {
                comoments[j * d + l] += otherComoments[j * d + l] + cross * e[j] * e[l];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] += otherWeight / total * e[j];
        }
        weightSum = total;
    }

    /** V, the total weight of the rows added. */
    public double weightSum() {
        return weightSum;
    }

    public int numFeatures() {
        return d;
    }

    public double[] mean() {
        return mean.clone();
    }

    /** C as a full symmetric row-major d x d array (zeros when no weight was seen). */
    public double[] covariance() {
        double[] c = new double[d * d];
        if (weightSum > 0) {
            for (int j = 0; j < d; j++) {
                for (int l = j; l < d; l++) {
                    double v = comoments[j * d + l] / weightSum;
                    c[j * d + l] = v;
                    c[l * d + j] = v;
                }
            }
        }
        return c;
    }
}
