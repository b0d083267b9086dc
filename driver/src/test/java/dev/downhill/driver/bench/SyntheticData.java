package dev.downhill.driver.bench;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Seeded synthetic logistic data. Row i is a pure function of (seed, i), so every system, partition and
 * thread regenerates exactly the same rows without the data passing through the driver.
 *
 * <p>Features are uniform in [-1, 1): all d of them (dense) or {@code nnz} distinct random columns (sparse).
 * The label is 1 when w*.x + b* + noise > 0, with true weights w* from the seed, b* = {@link #INTERCEPT} and
 * standard logistic noise, i.e. a draw from the logistic model P(y = 1) = sigma(w*.x + b*).
 */
final class SyntheticData implements Serializable {
    private static final long serialVersionUID = 1L;

    static final double INTERCEPT = 0.25;
    private static final long GOLDEN = 0x9e3779b97f4a7c15L;

    final long seed;
    final int numFeatures;
    /** Non-zeros per row; equals numFeatures for dense data. */
    final int nnz;
    final boolean dense;
    /** Scales the true weights so the true margin has a standard deviation of about 3 either way. */
    private final double weightScale;
    /** Computed on first use in each JVM (or deserialized copy): never shipped, 8 MiB at d = 2^20. */
    private transient double[] trueWeights;

    private SyntheticData(long seed, int numFeatures, int nnz, boolean dense) {
        if (numFeatures < 1 || nnz < 1 || nnz > numFeatures) {
            throw new IllegalArgumentException("need 1 <= nnz <= features, got " + nnz + " of " + numFeatures);
        }
        if (!dense && 2L * nnz > numFeatures) {
            // Rejection sampling of distinct columns would crawl; such data is dense anyway.
            throw new IllegalArgumentException("sparse data needs nnz <= features / 2, got " + nnz + " of "
                    + numFeatures);
        }
        this.seed = seed;
        this.numFeatures = numFeatures;
        this.nnz = nnz;
        this.dense = dense;
        // Var(x_j) = 1/3 and Var(w_j) = scale^2, so Var(margin) = nnz scale^2 / 3 = 9.
        this.weightScale = 3.0 * Math.sqrt(3.0 / nnz);
    }

    static SyntheticData dense(long seed, int numFeatures) {
        return new SyntheticData(seed, numFeatures, numFeatures, true);
    }

    static SyntheticData sparse(long seed, int numFeatures, int nnz) {
        return new SyntheticData(seed, numFeatures, nnz, false);
    }

    /** First row of partition p when rows are split into contiguous ranges. */
    static long partitionStart(long rows, int partitions, int p) {
        return Math.multiplyExact(rows, (long) p) / partitions;
    }

    /** splitmix64's finalizer: a bijective 64-bit mix. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    static double unit(long bits) {
        return (bits >>> 11) * 0x1.0p-53;
    }

    /** The true weight of feature j (without the intercept). */
    double trueWeight(int j) {
        return weights()[j];
    }

    double[] weights() {
        double[] w = trueWeights;
        if (w == null) {
            w = new double[numFeatures];
            long base = mix(seed ^ 0x57a7e5eedL);
            for (int j = 0; j < numFeatures; j++) {
                long h = mix(base + GOLDEN * (j + 1L));
                // Box-Muller from two independent uniforms; 1 - u keeps the log argument in (0, 1].
                double u1 = 1.0 - unit(h);
                double u2 = unit(mix(h ^ 0x2545f4914f6cdd1dL));
                w[j] = weightScale * Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
            }
            trueWeights = w;
        }
        return w;
    }

    /** A cursor over rows [from, to); reuse its arrays, they are overwritten by each {@link Cursor#next}. */
    Cursor cursor(long from, long to) {
        return new Cursor(from, to);
    }

    /** Rows one at a time, no allocation per row. */
    final class Cursor {
        private long row;
        private final long end;
        private long state;
        /** Dense: all d values. Sparse: the first {@link #count} values, matching {@link #indices}. */
        final double[] values;
        /** Sparse only (null when dense): increasing column indices. */
        final int[] indices;
        int count;
        double label;

        private Cursor(long from, long to) {
            this.row = from;
            this.end = to;
            this.values = new double[nnz];
            this.indices = dense ? null : new int[nnz];
            this.count = nnz;
        }

        private long nextBits() {
            state += GOLDEN;
            return mix(state);
        }

        /** Advances to the next row; false after the last one. */
        boolean next() {
            if (row >= end) {
                return false;
            }
            state = mix(seed * GOLDEN + mix(row + 1));
            row++;
            double[] w = weights();
            double margin = INTERCEPT;
            if (dense) {
                for (int j = 0; j < numFeatures; j++) {
                    double x = 2.0 * unit(nextBits()) - 1.0;
                    values[j] = x;
                    margin += w[j] * x;
                }
            } else {
                drawColumns();
                for (int p = 0; p < nnz; p++) {
                    double x = 2.0 * unit(nextBits()) - 1.0;
                    values[p] = x;
                    margin += w[indices[p]] * x;
                }
            }
            // Standard logistic noise by inversion: log(u / (1 - u)), u in (0, 1).
            double u = (unit(nextBits()) + 0x1.0p-54);
            label = margin + Math.log(u / (1.0 - u)) > 0 ? 1.0 : 0.0;
            return true;
        }

        private void drawColumns() {
            while (true) {
                for (int p = 0; p < nnz; p++) {
                    indices[p] = (int) (((nextBits() >>> 32) * numFeatures) >>> 32);
                }
                Arrays.sort(indices);
                boolean distinct = true;
                for (int p = 1; p < nnz; p++) {
                    if (indices[p] == indices[p - 1]) {
                        distinct = false;
                        break;
                    }
                }
                if (distinct) {
                    return;
                }
            }
        }
    }
}
