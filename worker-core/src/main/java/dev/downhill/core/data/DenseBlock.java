package dev.downhill.core.data;

/**
 * Dense features, row-major: x_{i,j} = values[i * d + j].
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
        final int base = row * numFeatures;
        double s = 0.0;
        for (int j = 0; j < numFeatures; j++) {
            s += values[base + j] * w[offset + j];
        }
        return s;
    }

    @Override
    public void axpy(int row, double a, double[] g, int offset) {
        final int base = row * numFeatures;
        for (int j = 0; j < numFeatures; j++) {
            g[offset + j] += a * values[base + j];
        }
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
    public double squaredNorm(int row) {
        final int base = row * numFeatures;
        double s = 0.0;
        for (int j = 0; j < numFeatures; j++) {
            double v = values[base + j];
            s += v * v;
        }
        return s;
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
