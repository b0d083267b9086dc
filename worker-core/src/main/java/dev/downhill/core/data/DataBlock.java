package dev.downhill.core.data;

import java.io.Serializable;

/**
 * A packed block of training examples: labels, optional instance weights, and a feature matrix
 * whose layout the subclass decides (dense row-major or CSR sparse). Blocks are what the driver
 * caches and what every gradient loop runs over: a few primitive arrays per block, never one
 * object per row.
 *
 * <p>Row kernels ({@link #dot}, {@link #axpy}, {@link #squaredNorm}) are the only way models read
 * features, so a model works on either layout.
 */
public abstract class DataBlock implements Serializable {
    private static final long serialVersionUID = 1L;

    protected final int numRows;
    protected final int numFeatures;
    protected final double[] labels;
    /** Instance weights, or null when every weight is 1. */
    protected final double[] weights;

    protected DataBlock(int numRows, int numFeatures, double[] labels, double[] weights) {
        if (labels.length != numRows) {
            throw new IllegalArgumentException("labels has " + labels.length + " entries for " + numRows + " rows");
        }
        if (weights != null && weights.length != numRows) {
            throw new IllegalArgumentException("weights has " + weights.length + " entries for " + numRows + " rows");
        }
        this.numRows = numRows;
        this.numFeatures = numFeatures;
        this.labels = labels;
        this.weights = weights;
    }

    public final int numRows() {
        return numRows;
    }

    public final int numFeatures() {
        return numFeatures;
    }

    public final double label(int row) {
        return labels[row];
    }

    /** The instance weight of a row; 1 when the block has no weights. */
    public final double weight(int row) {
        return weights == null ? 1.0 : weights[row];
    }

    public final boolean hasWeights() {
        return weights != null;
    }

    /** sum_j x_{row,j} w[offset + j]. */
    public abstract double dot(int row, double[] w, int offset);

    /** g[offset + j] += a x_{row,j} for every feature j of the row. */
    public abstract void axpy(int row, double a, double[] g, int offset);

    /** ||x_row||^2. */
    public abstract double squaredNorm(int row);

    /** sum[j] += sum_i v_i x_{i,j} and sumSquares[j] += sum_i v_i x_{i,j}^2, v_i the instance weights. */
    public abstract void addMoments(double[] sum, double[] sumSquares);

    /** Number of stored feature values (d per row when dense). */
    public abstract long storedValues();

    /** Bytes held by the primitive arrays of this block (what caching it costs, less object headers). */
    public abstract long payloadBytes();

    protected final long labelAndWeightBytes() {
        return 8L * numRows * (weights == null ? 1 : 2);
    }
}
