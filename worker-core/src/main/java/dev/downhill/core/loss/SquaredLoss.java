package dev.downhill.core.loss;

/**
 * Squared error for regression: l(z, y) = (1/2) (z - y)^2, dl/dz = z - y.
 *
 * <p>Averaged over the data this gives the least-squares objective
 * f(w,b) = (1/(2N)) sum_i (w.x_i + b - y_i)^2.
 */
public final class SquaredLoss implements Loss {
    private static final long serialVersionUID = 1L;

    @Override
    public int numOutputs(int numClasses) {
        return 1;
    }

    @Override
    public double value(double[] z, int offset, double label) {
        double r = z[offset] - label;
        return 0.5 * r * r;
    }

    @Override
    public double valueAndDerivative(double[] z, int offset, double label, double[] dz) {
        double r = z[offset] - label;
        dz[offset] = r;
        return 0.5 * r * r;
    }
}
