package dev.downhill.core.data;

import dev.downhill.core.linalg.Gemm;
import dev.downhill.core.linalg.Kernels;

/**
 * Dense features, row-major: x_{i,j} = values[i * d + j]. Rows go through the SIMD {@link Kernels}.
 */
public final class DenseBlock extends DataBlock {
    private static final long serialVersionUID = 1L;

    private final double[] values;

    public DenseBlock(int numRows, int numFeatures, double[] labels, double[] weights, double[] values) {
        super(numRows, numFeatures, labels, weights);
        if ((long) numRows * numFeatures != values.length) {
            throw new IllegalArgumentException(
                    "dense block of " + numRows + " x " + numFeatures + " needs " + (long) numRows * numFeatures
                            + " values, got " + values.length);
        }
        this.values = values;
    }

    @Override
    public double dot(int row, double[] w, int offset) {
        return Kernels.dot(values, row * numFeatures, w, offset, numFeatures);
    }

    @Override
    public void axpy(int row, double a, double[] g, int offset) {
        Kernels.axpy(a, values, row * numFeatures, g, offset, numFeatures);
    }

    @Override
    public void multiply(double[] w, int wOffset, double bias, double[] z, int zOffset, int zStride) {
        multiplyRows(0, numRows, w, wOffset, bias, z, zOffset, zStride);
    }

    @Override
    public void transposeMultiplyAdd(double[] a, int aOffset, int aStride, double[] g, int gOffset) {
        transposeMultiplyAddRows(0, numRows, a, aOffset, aStride, g, gOffset);
    }

    @Override
    public void multiplyRows(int from, int to, double[] w, int wOffset, double bias, double[] z, int zOffset,
                             int zStride) {
        checkRows(from, to, w.length, wOffset, z.length, zOffset, zStride);
        Kernels.dotRows(values, from * numFeatures, numFeatures, to - from, w, wOffset, numFeatures, bias, z, zOffset,
                zStride);
    }

    @Override
    public void transposeMultiplyAddRows(int from, int to, double[] a, int aOffset, int aStride, double[] g,
                                         int gOffset) {
        checkRows(from, to, g.length, gOffset, a.length, aOffset, aStride);
        Kernels.axpyRows(a, aOffset, aStride, values, from * numFeatures, numFeatures, to - from, g, gOffset,
                numFeatures);
    }

    /** Through {@link Gemm#multiplyTransposed}: the same bits as a CSR block of the same data (see Gemm). */
    @Override
    public void multiplyTransposed(double[] w, int wOffset, int outputs, double[] z) {
        Gemm.multiplyTransposed(numRows, outputs, numFeatures, values, 0, numFeatures, w, wOffset, numFeatures, z, 0,
                outputs, false);
    }

    /** Through {@link Gemm#transposedMultiplyAdd}: each entry of g one fma chain over the rows in order. */
    @Override
    public void transposeMultiplyAddMatrix(double[] dz, int outputs, double[] g, int gOffset) {
        Gemm.transposedMultiplyAdd(outputs, numFeatures, numRows, dz, 0, outputs, values, 0, numFeatures, g, gOffset,
                numFeatures);
    }

    @Override
    public void addMoments(double[] sum, double[] sumSquares) {
        for (int i = 0; i < numRows; i++) {
            final int base = i * numFeatures;
            final double w = weight(i);
            for (int j = 0; j < numFeatures; j++) {
                double v = values[base + j];
                sum[j] += w * v;
                sumSquares[j] += w * v * v;
            }
        }
    }

    @Override
    public void addOuterProducts(double[] center, double[] upper) {
        final int d = numFeatures;
        final double[] delta = new double[d];
        for (int i = 0; i < numRows; i++) {
            final int base = i * d;
            final double v = weight(i);
            for (int j = 0; j < d; j++) {
                delta[j] = values[base + j] - center[j];
            }
            for (int j = 0; j < d; j++) {
                final double a = v * delta[j];
                final int row = j * d;
                for (int l = j; l < d; l++) {
                    upper[row + l] += a * delta[l];
                }
            }
        }
    }

    @Override
    public double squaredNorm(int row) {
        final int base = row * numFeatures;
        double s = 0.0;
        for (int j = 0; j < numFeatures; j++) {
            double v = values[base + j];
            s += v * v;
        }
        return s;
    }

    /** One value per cache line (8 doubles) of the row. */
    @Override
    public double touchRow(int row) {
        final int base = row * numFeatures;
        double s = 0.0;
        for (int j = 0; j < numFeatures; j += 8) {
            s += values[base + j];
        }
        return s;
    }

    @Override
    public boolean isDense() {
        return true;
    }

    @Override
    public long storedValues() {
        return values.length;
    }

    @Override
    public long payloadBytes() {
        return 8L * values.length + labelAndWeightBytes();
    }
}
