package dev.downhill.core.data;

import java.io.Serializable;

/**
 * A packed block of training examples: labels, optional instance weights, and a feature matrix
 * whose layout the subclass decides (dense row-major or CSR sparse, values stored as float64 or float32,
 * see {@link FeaturePrecision}). Blocks are what the driver caches and what every gradient loop runs
 * over: a few primitive arrays per block, never one object per row.
 *
 * <p>Row kernels ({@link #dot}, {@link #axpy}, {@link #squaredNorm}) and their whole-block forms
 * ({@link #multiply}, {@link #transposeMultiplyAdd}) are the only way models read features, so a model
 * works on every layout.
 */
public abstract class DataBlock implements Serializable {
    private static final long serialVersionUID = 1L;

    protected final int numRows;
    protected final int numFeatures;
    protected final double[] labels;
    /** Instance weights, or null when every weight is 1. */
    protected final double[] weights;
    /** Each row's stable identity (its key in the input, independent of partitioning), or null if unknown. */
    private long[] rowKeys;

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

    /**
     * The block's matrix-vector product plus a constant (gemv): z[zOffset + i zStride] = x_i . w[wOffset ..
     * wOffset + d) + bias for every row i, each dot as {@link #dot} computes it.
     */
    public abstract void multiply(double[] w, int wOffset, double bias, double[] z, int zOffset, int zStride);

    /**
     * The transposed product added in (gemv^T): g[gOffset + j] += sum_i a_i x_{i,j} with a_i =
     * a[aOffset + i aStride], row by row in order as {@link #axpy} adds them; rows with a_i = 0 are skipped.
     */
    public abstract void transposeMultiplyAdd(double[] a, int aOffset, int aStride, double[] g, int gOffset);

    /**
     * {@link #multiply} for rows [from, to) only: z[zOffset + (i - from) zStride] = x_i . w + bias, each dot as
     * {@link #dot} computes it, so a block done in row ranges gives the bits of one whole-block product.
     */
    public void multiplyRows(int from, int to, double[] w, int wOffset, double bias, double[] z, int zOffset,
                             int zStride) {
        checkRows(from, to, w.length, wOffset, z.length, zOffset, zStride);
        for (int i = from; i < to; i++) {
            z[zOffset + (i - from) * zStride] = dot(i, w, wOffset) + bias;
        }
    }

    /**
     * {@link #transposeMultiplyAdd} for rows [from, to) only, with a_i = a[aOffset + (i - from) aStride]: rows in
     * order as {@link #axpy} adds them, rows with a_i = 0 skipped; consecutive ranges in order give the bits
     * of one whole-block product.
     */
    public void transposeMultiplyAddRows(int from, int to, double[] a, int aOffset, int aStride, double[] g,
                                         int gOffset) {
        checkRows(from, to, g.length, gOffset, a.length, aOffset, aStride);
        for (int i = from; i < to; i++) {
            final double ai = a[aOffset + (i - from) * aStride];
            if (ai != 0.0) {
                axpy(i, ai, g, gOffset);
            }
        }
    }

    /**
     * Whether {@link #multiplyRowsByOutputs} and {@link #transposeMultiplyAddRowsByOutputs} are implemented: CSR
     * blocks, where a linear model's K products per row would otherwise each be one serial chain.
     */
    public boolean hasProductsByOutputs() {
        return false;
    }

    /**
     * A linear model's K outputs for rows [from, to) in one pass over each row
     * ({@link dev.downhill.core.linalg.CsrLinearProducts#forward}: W transposed in wt, b_k = bias[biasOffset + k]):
     * the bits of {@link #multiplyRows} per output.
     */
    public void multiplyRowsByOutputs(int from, int to, double[] wt, int outputs, double[] bias, int biasOffset,
                                      double[] z) {
        throw new UnsupportedOperationException(getClass().getSimpleName());
    }

    /**
     * The weight gradient of all K outputs for rows [from, to) into the transposed gt
     * ({@link dev.downhill.core.linalg.CsrLinearProducts#transposeMultiplyAdd}): the bits of
     * {@link #transposeMultiplyAddRows} per output.
     */
    public void transposeMultiplyAddRowsByOutputs(int from, int to, double[] dz, int outputs, double[] gt) {
        throw new UnsupportedOperationException(getClass().getSimpleName());
    }

    /** The bounds of a products-by-outputs call: rows within the block, a transposed matrix and z big enough. */
    protected final void checkOutputRows(int from, int to, int transposedLength, int outputs, int zLength) {
        if (from < 0 || to > numRows || from > to || outputs < 1
                || transposedLength < (long) numFeatures * dev.downhill.core.linalg.CsrLinearProducts.padded(outputs)
                || (long) (to - from) * outputs > zLength) {
            throw new IllegalArgumentException("rows [" + from + ", " + to + ") of " + numRows + ", " + outputs
                    + " outputs, transposed length " + transposedLength + ", per-row length " + zLength);
        }
    }

    /** The bounds of a row-range product: rows within the block, w (or g) and the per-row vector big enough. */
    protected final void checkRows(int from, int to, int wLength, int wOffset, int zLength, int zOffset,
                                   int zStride) {
        if (from < 0 || to > numRows || from > to || wOffset < 0 || wOffset > wLength - numFeatures
                || zOffset < 0 || zStride < 1 || (to > from && zOffset + (long) (to - from - 1) * zStride >= zLength)) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") of a block of " + numRows + " x "
                    + numFeatures + ": vector of " + wLength + " at " + wOffset + ", rows vector of " + zLength
                    + " at " + zOffset + " stride " + zStride);
        }
    }

    /**
     * The block times a matrix's transpose (the first layer of a network): z[i * outputs + o] = x_i . w_o for
     * every row i and output o, where w_o = w[wOffset + o d .. wOffset + (o + 1) d) (a row-major [outputs, d]
     * weight matrix). No bias is added.
     */
    public void multiplyTransposed(double[] w, int wOffset, int outputs, double[] z) {
        checkProduct(w.length, wOffset, z.length, 0, 1);
        for (int i = 0; i < numRows; i++) {
            for (int o = 0; o < outputs; o++) {
                z[i * outputs + o] = dot(i, w, wOffset + o * numFeatures);
            }
        }
    }

    /**
     * The weight gradient of {@link #multiplyTransposed}: g[gOffset + o d + j] += sum_i dz[i * outputs + o] x_{i,j},
     * rows in order.
     */
    public void transposeMultiplyAddMatrix(double[] dz, int outputs, double[] g, int gOffset) {
        for (int i = 0; i < numRows; i++) {
            for (int o = 0; o < outputs; o++) {
                double a = dz[i * outputs + o];
                if (a != 0.0) {
                    axpy(i, a, g, gOffset + o * numFeatures);
                }
            }
        }
    }

    /**
     * The row's key in the input (what seeds its dropout mask). Without keys (blocks built in tests or by
     * callers that pass none) it falls back to the row's index in the block, which is stable only as long as
     * the blocks are.
     */
    public final long rowKey(int row) {
        return rowKeys == null ? row : rowKeys[row];
    }

    public final boolean hasRowKeys() {
        return rowKeys != null;
    }

    /** Sets every row's key (once, by the builder that packed the block). */
    public final void setRowKeys(long[] keys) {
        if (keys != null && keys.length != numRows) {
            throw new IllegalArgumentException(keys.length + " row keys for " + numRows + " rows");
        }
        this.rowKeys = keys;
    }

    /** Checks that z (or a) has rows entries at offset, offset + stride, ... and w (or g) d entries at wOffset. */
    protected final void checkProduct(int wLength, int wOffset, int zLength, int zOffset, int zStride) {
        if (wOffset < 0 || wOffset > wLength - numFeatures || zOffset < 0 || zStride < 1
                || (numRows > 0 && zOffset + (long) (numRows - 1) * zStride >= zLength)) {
            throw new IndexOutOfBoundsException("block of " + numRows + " x " + numFeatures + ": vector of "
                    + wLength + " at " + wOffset + ", rows vector of " + zLength + " at " + zOffset + " stride "
                    + zStride);
        }
    }

    /**
     * The sorted distinct features this block stores a value for (every feature for a dense layout): the
     * parameters a linear model reads on it, what a sharded run pulls to the block's partition.
     */
    public int[] storedFeatures() {
        return allFeatures();
    }

    /**
     * The same rows over local columns: feature {@code columns[c]} becomes column c, so a model of
     * {@code columns.length} features runs on a compact parameter array holding only those features. The
     * columns are sorted and hold every stored feature; products keep their order within a row, so each
     * dot and each gradient entry has the same bits as on this block. A dense block takes only the identity.
     */
    public DataBlock withColumns(int[] columns) {
        if (columns.length == numFeatures) {
            return this; // sorted, distinct and within [0, d): the identity
        }
        throw new IllegalArgumentException("a dense block keeps all " + numFeatures + " columns, not "
                + columns.length);
    }

    /** Each stored index mapped to its position in {@code columns} (sorted; holds every index). */
    protected static int[] localIndices(int[] indices, int[] columns) {
        int[] out = new int[indices.length];
        for (int p = 0; p < indices.length; p++) {
            int c = java.util.Arrays.binarySearch(columns, indices[p]);
            if (c < 0) {
                throw new IllegalArgumentException("feature " + indices[p] + " is not among the columns");
            }
            out[p] = c;
        }
        return out;
    }

    /** The sorted distinct entries of {@code indices}. */
    protected static int[] distinctSorted(int[] indices) {
        int[] sorted = indices.clone();
        java.util.Arrays.sort(sorted);
        int n = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (n == 0 || sorted[n - 1] != sorted[i]) {
                sorted[n++] = sorted[i];
            }
        }
        return java.util.Arrays.copyOf(sorted, n);
    }

    /** Every feature 0 .. d - 1: what a dense layout stores. */
    protected final int[] allFeatures() {
        int[] all = new int[numFeatures];
        for (int j = 0; j < numFeatures; j++) {
            all[j] = j;
        }
        return all;
    }

    /** The row keys, for a re-packed copy of this block. */
    protected final long[] rowKeys() {
        return rowKeys;
    }

    /** ||x_row||^2. */
    public abstract double squaredNorm(int row);

    /**
     * Reads one stored value per 64-byte cache line of row {@code row} and returns their sum (meaningless; a
     * caller keeps it so the reads are not dropped): a software prefetch, for a kernel that has compute to
     * overlap with loading rows it reads next. Layouts without row-major rows read nothing and return 0.
     */
    public double touchRow(int row) {
        return 0.0;
    }

    /** sum[j] += sum_i v_i x_{i,j} and sumSquares[j] += sum_i v_i x_{i,j}^2, v_i the instance weights. */
    public abstract void addMoments(double[] sum, double[] sumSquares);

    /**
     * The upper triangle (j <= l) of sum_i v_i (x_i - c)(x_i - c)^T into the row-major d x d array
     * {@code upper}: the weighted co-moments about the point c (d entries).
     */
    public abstract void addOuterProducts(double[] center, double[] upper);

    /**
     * Turns sum v x x^T (upper triangle) into sum v (x - c)(x - c)^T, given s = sum v x and V = sum v: adds
     * -s c^T - c s^T + V c c^T. For layouts that multiply stored values only.
     */
    protected static void recenter(double[] upper, double[] s, double weightSum, double[] center) {
        int d = center.length;
        for (int j = 0; j < d; j++) {
            for (int l = j; l < d; l++) {
                upper[j * d + l] += -s[j] * center[l] - center[j] * s[l] + weightSum * center[j] * center[l];
            }
        }
    }

    /** Whether the layout is dense (every value stored) rather than CSR. */
    public abstract boolean isDense();

    /** Number of stored feature values (d per row when dense). */
    public abstract long storedValues();

    /** Bytes held by the primitive arrays of this block (what caching it costs, less object headers). */
    public abstract long payloadBytes();

    /** Bytes of the labels, the weights and the row keys (those held by every layout). */
    protected final long labelAndWeightBytes() {
        return 8L * numRows * ((weights == null ? 1 : 2) + (rowKeys == null ? 0 : 1));
    }
}
