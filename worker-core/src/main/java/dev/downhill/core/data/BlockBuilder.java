package dev.downhill.core.data;

import java.util.Arrays;

/**
 * Packs rows one at a time into a {@link DataBlock}, choosing the layout when the block is built by a
 * {@link BlockLayout} rule. The default, {@link BlockLayout#SMALLEST}: dense when a dense matrix costs no more
 * than CSR (b bytes a value against 4 + b a stored non-zero,
 * plus 4 a row, b = 8 for float64 and 4 for float32: dense from density about 2/3, resp. 1/2), sparse
 * otherwise. Weights are dropped when every weight is 1. With {@link FeaturePrecision#FLOAT32} each value is
 * rounded to the nearest float when the block is built.
 *
 * <p>Rows are appended in sparse form to growing primitive arrays; no per-row objects are kept.
 *
 * <p>Each row may carry a key (its stable identity in the input, from which dropout masks are seeded); a
 * block gets keys when every one of its rows has one, and a block that mixes keyed and unkeyed rows is refused.
 * Without keys, {@link DataBlock#rowKey} falls back to the row's index in the block.
 */
public final class BlockBuilder {
    private final int numFeatures;
    private final FeaturePrecision precision;
    private final BlockLayout layout;

    private int numRows;
    private double[] labels = new double[64];
    private double[] weights = new double[64];
    private boolean allUnitWeights = true;
    private int[] rowStart = new int[65];
    private int[] indices = new int[256];
    private double[] values = new double[256];
    private int nnz;
    private long[] keys = new long[64];
    private int keyedRows;

    /** Values stored as float64. */
    public BlockBuilder(int numFeatures) {
        this(numFeatures, FeaturePrecision.FLOAT64);
    }

    public BlockBuilder(int numFeatures, FeaturePrecision precision) {
        this(numFeatures, precision, BlockLayout.SMALLEST);
    }

    /** With the layout chosen by the given rule (e.g. {@link BlockLayout#FOR_MATRIX_PRODUCTS} for networks). */
    public BlockBuilder(int numFeatures, FeaturePrecision precision, BlockLayout layout) {
        if (numFeatures < 0) {
            throw new IllegalArgumentException("numFeatures must be >= 0, got " + numFeatures);
        }
        this.numFeatures = numFeatures;
        this.precision = precision;
        this.layout = layout;
    }

    public int numRows() {
        return numRows;
    }

    /**
     * Adds a row given as sparse pairs: 0-based, strictly increasing indices below numFeatures.
     * Explicit zeros are dropped. Only the first {@code count} entries of the arrays are read.
     */
    public void addSparseRow(double label, double weight, int[] rowIndices, double[] rowValues, int count) {
        addSparseRow(label, weight, rowIndices, rowValues, count, false, 0L);
    }

    /** {@link #addSparseRow(double, double, int[], double[], int)} for a row with the key {@code rowKey}. */
    public void addSparseRow(double label, double weight, int[] rowIndices, double[] rowValues, int count,
                             long rowKey) {
        addSparseRow(label, weight, rowIndices, rowValues, count, true, rowKey);
    }

    private void addSparseRow(double label, double weight, int[] rowIndices, double[] rowValues, int count,
                              boolean keyed, long rowKey) {
        checkKeyed(keyed);
        if (count > rowIndices.length || count > rowValues.length) {
            throw new IllegalArgumentException("count " + count + " exceeds the row arrays");
        }
        // Checked before anything is written, so a rejected row leaves the block as it was.
        int previous = -1;
        for (int p = 0; p < count; p++) {
            int j = rowIndices[p];
            if (j <= previous || j >= numFeatures) {
                throw new IllegalArgumentException("feature indices must be increasing and in [0, " + numFeatures
                        + "): got " + j + " after " + previous);
            }
            previous = j;
            checkFits(rowValues[p]);
        }
        ensureRowCapacity();
        ensureValueCapacity(nnz + count);
        for (int p = 0; p < count; p++) {
            int j = rowIndices[p];
            double v = rowValues[p];
            if (v != 0.0) {
                indices[nnz] = j;
                values[nnz] = v;
                nnz++;
            }
        }
        finishRow(label, weight, keyed, rowKey);
    }

    /** Adds a row given as all numFeatures values. */
    public void addDenseRow(double label, double weight, double[] row) {
        addDenseRow(label, weight, row, false, 0L);
    }

    /** {@link #addDenseRow(double, double, double[])} for a row with the key {@code rowKey}. */
    public void addDenseRow(double label, double weight, double[] row, long rowKey) {
        addDenseRow(label, weight, row, true, rowKey);
    }

    private void addDenseRow(double label, double weight, double[] row, boolean keyed, long rowKey) {
        checkKeyed(keyed);
        if (row.length != numFeatures) {
            throw new IllegalArgumentException("dense row has " + row.length + " values, expected " + numFeatures);
        }
        for (double v : row) {
            checkFits(v);
        }
        ensureRowCapacity();
        ensureValueCapacity(nnz + numFeatures);
        for (int j = 0; j < numFeatures; j++) {
            if (row[j] != 0.0) {
                indices[nnz] = j;
                values[nnz] = row[j];
                nnz++;
            }
        }
        finishRow(label, weight, keyed, rowKey);
    }

    /** A finite value too large for a float would become infinite: refused rather than silently changed. */
    private void checkFits(double v) {
        if (precision == FeaturePrecision.FLOAT32 && Float.isInfinite((float) v) && Double.isFinite(v)) {
            throw new IllegalArgumentException("feature value " + v + " does not fit in float32 (largest "
                    + Float.MAX_VALUE + "); store features as float64");
        }
    }

    /** A block's rows are all keyed or all unkeyed (checked before the row is written). */
    private void checkKeyed(boolean keyed) {
        if (numRows > 0 && keyed != (keyedRows == numRows)) {
            throw new IllegalArgumentException("a block's rows must all have row keys or none: row " + numRows
                    + (keyed ? " has one, the rows before it have none" : " has none, the rows before it have one"));
        }
    }

    private void finishRow(double label, double weight, boolean keyed, long rowKey) {
        if (keyed) {
            keys[numRows] = rowKey;
            keyedRows++;
        }
        labels[numRows] = label;
        weights[numRows] = weight;
        allUnitWeights &= weight == 1.0;
        numRows++;
        rowStart[numRows] = nnz;
    }

    /** Builds the block and resets this builder for the next one. */
    public DataBlock build() {
        double[] blockLabels = Arrays.copyOf(labels, numRows);
        double[] blockWeights = allUnitWeights ? null : Arrays.copyOf(weights, numRows);
        DataBlock block;
        long b = precision.bytesPerValue();
        boolean dense = layout.dense(numRows, numFeatures, nnz, b);
        if (dense && precision == FeaturePrecision.FLOAT32) {
            float[] values32 = new float[Math.multiplyExact(numRows, numFeatures)];
            for (int i = 0; i < numRows; i++) {
                for (int p = rowStart[i]; p < rowStart[i + 1]; p++) {
                    values32[i * numFeatures + indices[p]] = (float) values[p];
                }
            }
            block = new FloatDenseBlock(numRows, numFeatures, blockLabels, blockWeights, values32);
        } else if (dense) {
            double[] values64 = new double[Math.multiplyExact(numRows, numFeatures)];
            for (int i = 0; i < numRows; i++) {
                for (int p = rowStart[i]; p < rowStart[i + 1]; p++) {
                    values64[i * numFeatures + indices[p]] = values[p];
                }
            }
            block = new DenseBlock(numRows, numFeatures, blockLabels, blockWeights, values64);
        } else if (precision == FeaturePrecision.FLOAT32) {
            float[] values32 = new float[nnz];
            for (int p = 0; p < nnz; p++) {
                values32[p] = (float) values[p];
            }
            block = new FloatSparseBlock(numRows, numFeatures, blockLabels, blockWeights,
                    Arrays.copyOf(rowStart, numRows + 1), Arrays.copyOf(indices, nnz), values32);
        } else {
            block = new SparseBlock(numRows, numFeatures, blockLabels, blockWeights,
                    Arrays.copyOf(rowStart, numRows + 1), Arrays.copyOf(indices, nnz), Arrays.copyOf(values, nnz));
        }
        if (keyedRows > 0) {
            block.setRowKeys(Arrays.copyOf(keys, numRows));
        }
        numRows = 0;
        nnz = 0;
        keyedRows = 0;
        allUnitWeights = true;
        return block;
    }

    private void ensureRowCapacity() {
        if (numRows == labels.length) {
            int n = labels.length * 2;
            labels = Arrays.copyOf(labels, n);
            weights = Arrays.copyOf(weights, n);
            rowStart = Arrays.copyOf(rowStart, n + 1);
            keys = Arrays.copyOf(keys, n);
        }
    }

    private void ensureValueCapacity(int needed) {
        if (needed > indices.length) {
            int n = Math.max(needed, indices.length * 2);
            indices = Arrays.copyOf(indices, n);
            values = Arrays.copyOf(values, n);
        }
    }
}
