package dev.downhill.core.loss;

/**
 * Softmax cross-entropy for K classes, labels y in {0, ..., K-1}:
 * l(z, y) = -log softmax(z)_y = logsumexp(z) - z_y, dl/dz_k = p_k - [k = y] with
 * p_k = exp(z_k) / sum_j exp(z_j).
 *
 * <p>Stability: logsumexp(z) = max(z) + log(sum_j exp(z_j - max(z))); every exp argument is <= 0,
 * so nothing overflows, and the largest term is exactly 1, so the log argument is in [1, K].
 */
public final class SoftmaxCrossEntropyLoss implements Loss {
    private static final long serialVersionUID = 1L;

    private final int numClasses;

    public SoftmaxCrossEntropyLoss(int numClasses) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("softmax needs at least 2 classes, got " + numClasses);
        }
        this.numClasses = numClasses;
    }

    public int numClasses() {
        return numClasses;
    }

    @Override
    public int numOutputs(int ignored) {
        return numClasses;
    }

    @Override
    public double value(double[] z, int offset, double label) {
        double max = max(z, offset);
        double sum = 0.0;
        for (int k = 0; k < numClasses; k++) {
            sum += Math.exp(z[offset + k] - max);
        }
        return max + Math.log(sum) - z[offset + (int) label];
    }

    @Override
    public double valueAndDerivative(double[] z, int offset, double label, double[] dz) {
        double max = max(z, offset);
        double sum = 0.0;
        for (int k = 0; k < numClasses; k++) {
            double e = Math.exp(z[offset + k] - max);
            dz[offset + k] = e;
            sum += e;
        }
        double inv = 1.0 / sum;
        for (int k = 0; k < numClasses; k++) {
            dz[offset + k] *= inv;
        }
        int y = (int) label;
        dz[offset + y] -= 1.0;
        return max + Math.log(sum) - z[offset + y];
    }

    private double max(double[] z, int offset) {
        double m = z[offset];
        for (int k = 1; k < numClasses; k++) {
            m = Math.max(m, z[offset + k]);
        }
        return m;
    }
}
