package dev.downhill.core.objective;

import java.io.Serializable;

/**
 * Partial sums of the data loss over some rows: sum_i v_i l_i, sum_i v_i dl_i/dtheta, sum_i v_i and the
 * row count (v_i the instance weights). It is the only thing executors send back; partial sums from
 * different partitions combine with {@link #merge}, so the mean loss and gradient of any union of
 * rows come out the same however the rows were split.
 *
 * <p>The gradient array is allocated on the first block that contributes a gradient, so an empty
 * accumulator (the zero value shipped with every task) carries no d-sized array.
 */
public final class GradientAccumulator implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int numParameters;
    private double lossSum;
    private double weightSum;
    private long rowCount;
    private double[] gradientSum;
    /** A caller's array to use (zeroed) as the gradient sum instead of allocating one; never serialized. */
    private transient double[] spare;

    public GradientAccumulator(int numParameters) {
        if (numParameters < 0) {
            throw new IllegalArgumentException("numParameters must be >= 0");
        }
        this.numParameters = numParameters;
    }

    /**
     * An empty accumulator that, when a gradient is first added, zeroes {@code scratch} and sums into it
     * rather than allocating: for a task that reuses one d-sized array from pass to pass. The caller must
     * not touch the array while this accumulator (or its serialized form being written) is in use.
     */
    public GradientAccumulator(int numParameters, double[] scratch) {
        this(numParameters);
        if (scratch.length != numParameters) {
            throw new IllegalArgumentException("scratch has " + scratch.length + " entries for " + numParameters
                    + " parameters");
        }
        this.spare = scratch;
    }

    /** Adds v_i l_i and v_i for rows whose gradient contribution (if any) went to {@link #gradientSumBuffer}. */
    void addLoss(double weightedLoss, double weight, long rows) {
        lossSum += weightedLoss;
        weightSum += weight;
        rowCount += rows;
    }

    /** The gradient sum, allocated (as zeros) on first use. */
    double[] gradientSumBuffer() {
        if (gradientSum == null) {
            if (spare != null) {
                java.util.Arrays.fill(spare, 0.0);
                gradientSum = spare;
                spare = null;
            } else {
                gradientSum = new double[numParameters];
            }
        }
        return gradientSum;
    }

    /** Adds the other accumulator's sums into this one and returns this. */
    public GradientAccumulator merge(GradientAccumulator other) {
        if (other.numParameters != numParameters) {
            throw new IllegalArgumentException("cannot merge accumulators of " + numParameters + " and "
                    + other.numParameters + " parameters");
        }
        lossSum += other.lossSum;
        weightSum += other.weightSum;
        rowCount += other.rowCount;
        if (other.gradientSum != null) {
            double[] g = gradientSumBuffer();
            double[] o = other.gradientSum;
            for (int i = 0; i < g.length; i++) {
                g[i] += o[i];
            }
        }
        return this;
    }

    public int numParameters() {
        return numParameters;
    }

    public double lossSum() {
        return lossSum;
    }

    public double weightSum() {
        return weightSum;
    }

    public long rowCount() {
        return rowCount;
    }

    /**
     * The gradient sum itself (not a copy), or null when no row added a gradient: what a sharded run cuts
     * into slices and sends to the executors that sum them.
     */
    public double[] gradientSumOrNull() {
        return gradientSum;
    }

    public boolean hasGradient() {
        return gradientSum != null;
    }

    /** (1/N) sum_i v_i l_i with N = sum_i v_i. */
    public double meanLoss() {
        requireRows();
        return lossSum / weightSum;
    }

    /** Writes (1/N) sum_i v_i dl_i/dtheta into {@code out}. */
    public void meanGradient(double[] out) {
        requireRows();
        if (out.length != numParameters) {
            throw new IllegalArgumentException("gradient buffer has " + out.length + " entries, expected " + numParameters);
        }
        if (gradientSum == null) {
            // Rows were seen but no gradient: a value-only pass, or every row's derivative was zero
            // on a block that added none. Only the former is an error.
            throw new IllegalStateException("this accumulator holds no gradient (it came from a value-only pass)");
        }
        double inv = 1.0 / weightSum;
        for (int i = 0; i < out.length; i++) {
            out[i] = gradientSum[i] * inv;
        }
    }

    private void requireRows() {
        if (!(weightSum > 0.0)) {
            throw new IllegalStateException("no rows with positive weight were accumulated (" + rowCount
                    + " rows, weight sum " + weightSum + ")");
        }
    }
}
