package dev.downhill.core.loss;

/**
 * Softmax cross-entropy for K classes, labels y in {0, ..., K-1}:
 * l(z, y) = -log softmax(z)_y = logsumexp(z) - z_y, dl/dz_k = p_k - [k = y] with
 * p_k = exp(z_k) / sum_j exp(z_j).
 *
 * <p>Stability: with m = max(z) at index a, l = (m - z_y) + log1p(sum_{j != a} exp(z_j - m)). Every exp
 * argument is <= 0, so nothing overflows; and keeping m - z_y apart from the log1p term keeps full
 * relative accuracy when the true class dominates (l tiny), where max + log(sum) - z_y would cancel
 * to an absolute error of ulp(m).
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
        int y = classOf(label);
        int a = argmax(z, offset);
        double max = z[offset + a];
        double rest = 0.0;
        for (int k = 0; k < numClasses; k++) {
            if (k != a) {
                rest += Math.exp(z[offset + k] - max);
            }
        }
        return (max - z[offset + y]) + Math.log1p(rest);
    }

    @Override
    public double valueAndDerivative(double[] z, int offset, double label, double[] dz) {
        int y = classOf(label);
        int a = argmax(z, offset);
        double max = z[offset + a];
        double rest = 0.0;
        for (int k = 0; k < numClasses; k++) {
            double e = Math.exp(z[offset + k] - max);
            dz[offset + k] = e;
            if (k != a) {
                rest += e;
            }
        }
        double inv = 1.0 / (1.0 + rest);
        for (int k = 0; k < numClasses; k++) {
            dz[offset + k] *= inv;
        }
        dz[offset + y] -= 1.0;
        return (max - z[offset + y]) + Math.log1p(rest);
    }

    private int classOf(double label) {
        int y = (int) label;
        if (y != label || y < 0 || y >= numClasses) {
            throw new IllegalArgumentException("softmax label " + label + " is not a class index in [0, "
                    + numClasses + ")");
        }
        return y;
    }

    private int argmax(double[] z, int offset) {
        int a = 0;
        for (int k = 1; k < numClasses; k++) {
            if (z[offset + k] > z[offset + a]) {
                a = k;
            }
        }
        return a;
    }
}
