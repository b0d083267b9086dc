package dev.downhill.core.data;

import dev.downhill.core.linalg.CsrLinearProducts;
import dev.downhill.core.linalg.CsrProducts;

/**
 * Sparse features in CSR form: row i holds the pairs (indices[p], values[p]) for
 * rowStart[i] <= p < rowStart[i + 1]; indices are 0-based and strictly increasing within a row.
 */
public final class SparseBlock extends DataBlock {
    private static final long serialVersionUID = 1L;

    private final int[] rowStart;
    private final int[] indices;
    private final double[] values;

    public SparseBlock(int numRows, int numFeatures, double[] labels, double[] weights,
                       int[] rowStart, int[] indices, double[] values) {
        super(numRows, numFeatures, labels, weights);
        if (rowStart.length != numRows + 1) {
            throw new IllegalArgumentException("rowStart needs " + (numRows + 1) + " entries, got " + rowStart.length);
        }
        if (indices.length != values.length || rowStart[numRows] != indices.length) {
            throw new IllegalArgumentException("CSR arrays disagree: rowStart ends at " + rowStart[numRows]
                    + ", " + indices.length + " indices, " + values.length + " values");
        }
        this.rowStart = rowStart;
        this.indices = indices;
        this.values = values;
    }

    @Override
    public double dot(int row, double[] w, int offset) {
        double s = 0.0;
        for (int p = rowStart[row], end = rowStart[row + 1]; p < end; p++) {
            s += values[p] * w[offset + indices[p]];
        }
        return s;
    }

    @Override
    public void axpy(int row, double a, double[] g, int offset) {
        for (int p = rowStart[row], end = rowStart[row + 1]; p < end; p++) {
            g[offset + indices[p]] += a * values[p];
        }
    }

    @Override
    public void multiply(double[] w, int wOffset, double bias, double[] z, int zOffset, int zStride) {
        checkProduct(w.length, wOffset, z.length, zOffset, zStride);
        for (int i = 0; i < numRows; i++) {
            double s = 0.0;
            for (int p = rowStart[i], end = rowStart[i + 1]; p < end; p++) {
                s += values[p] * w[wOffset + indices[p]];
            }
            z[zOffset + i * zStride] = s + bias;
        }
    }

    @Override
    public void transposeMultiplyAdd(double[] a, int aOffset, int aStride, double[] g, int gOffset) {
        checkProduct(g.length, gOffset, a.length, aOffset, aStride);
        for (int i = 0; i < numRows; i++) {
            final double ai = a[aOffset + i * aStride];
            if (ai != 0.0) {
                for (int p = rowStart[i], end = rowStart[i + 1]; p < end; p++) {
                    g[gOffset + indices[p]] += ai * values[p];
                }
            }
        }
    }

    @Override
    public boolean hasProductsByOutputs() {
        return true;
    }

    @Override
    public void multiplyRowsByOutputs(int from, int to, double[] wt, int outputs, double[] bias, int biasOffset,
                                      double[] z) {
        checkOutputRows(from, to, wt.length, outputs, z.length);
        CsrLinearProducts.forward(from, to, rowStart, indices, values, null, wt, outputs, bias, biasOffset, z);
    }

    @Override
    public void transposeMultiplyAddRowsByOutputs(int from, int to, double[] dz, int outputs, double[] gt) {
        checkOutputRows(from, to, gt.length, outputs, dz.length);
        CsrLinearProducts.transposeMultiplyAdd(from, to, rowStart, indices, values, null, dz, outputs, gt);
    }

    /** Through {@link CsrProducts}: the chains of a dense block with the stored zeros left out. */
    @Override
    public void multiplyTransposed(double[] w, int wOffset, int outputs, double[] z) {
        CsrProducts.multiplyTransposed(numRows, numFeatures, rowStart, indices, values, w, wOffset, outputs, z);
    }

    /** Through {@link CsrProducts}: each entry of g one fma chain over the rows in order. */
    @Override
    public void transposeMultiplyAddMatrix(double[] dz, int outputs, double[] g, int gOffset) {
        CsrProducts.transposeMultiplyAdd(numRows, numFeatures, rowStart, indices, values, dz, outputs, g, gOffset);
    }

    @Override
    public void addMoments(double[] sum, double[] sumSquares) {
        for (int i = 0; i < numRows; i++) {
            final double w = weight(i);
            for (int p = rowStart[i]; p < rowStart[i + 1]; p++) {
                double v = values[p];
                sum[indices[p]] += w * v;
                sumSquares[indices[p]] += w * v * v;
            }
        }
    }

    @Override
    public void addOuterProducts(double[] center, double[] upper) {
        // sum v (x - c)(x - c)^T = sum v x x^T - s c^T - c s^T + V c c^T with s = sum v x, V = sum v: the
        // products over stored values only. Callers pass c = the block's own mean, where the terms cancel
        // least (sparse features rarely have |mean| >> deviation, the case that loses digits here).
        final int d = numFeatures;
        final double[] s = new double[d];
        double weightSum = 0;
        for (int i = 0; i < numRows; i++) {
            final double v = weight(i);
            weightSum += v;
            final int end = rowStart[i + 1];
            for (int q = rowStart[i]; q < end; q++) {
                final double a = v * values[q];
                final int j = indices[q];
                s[j] += a;
                for (int r = q; r < end; r++) {
                    // Indices are strictly increasing within a row; min/max keeps the upper triangle anyway.
                    final int l = indices[r];
                    upper[Math.min(j, l) * d + Math.max(j, l)] += a * values[r];
                }
            }
        }
        recenter(upper, s, weightSum, center);
    }

    @Override
    public double squaredNorm(int row) {
        double s = 0.0;
        for (int p = rowStart[row], end = rowStart[row + 1]; p < end; p++) {
            s += values[p] * values[p];
        }
        return s;
    }

    @Override
    public int[] storedFeatures() {
        return distinctSorted(indices);
    }

    @Override
    public DataBlock withColumns(int[] columns) {
        if (columns.length == numFeatures) {
            return this; // every feature: the identity
        }
        SparseBlock local = new SparseBlock(numRows, columns.length, labels, weights, rowStart,
                localIndices(indices, columns), values);
        local.setRowKeys(rowKeys());
        return local;
    }

    @Override
    public boolean isDense() {
        return false;
    }

    @Override
    public long storedValues() {
        return values.length;
    }

    @Override
    public long payloadBytes() {
        return 12L * values.length + 4L * rowStart.length + labelAndWeightBytes();
    }
}
