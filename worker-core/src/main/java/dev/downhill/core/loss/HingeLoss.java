package dev.downhill.core.loss;

/**
 * Hinge loss for labels y in {0, 1}: with s = 2y - 1, l(z, y) = max(0, 1 - s z).
 * It is not differentiable at s z = 1; the subgradient used is -s where s z < 1 and 0 elsewhere
 * (so 0 at the kink, where any value in [-s, 0] would do).
 */
public final class HingeLoss implements Loss {
    private static final long serialVersionUID = 1L;

    @Override
    public int numOutputs(int numClasses) {
        return 1;
    }

    @Override
    public double value(double[] z, int offset, double label) {
        return Math.max(0.0, 1.0 - (2.0 * label - 1.0) * z[offset]);
    }

    @Override
    public double valueAndDerivative(double[] z, int offset, double label, double[] dz) {
        double s = 2.0 * label - 1.0;
        double slack = 1.0 - s * z[offset];
        if (slack > 0.0) {
            dz[offset] = -s;
            return slack;
        }
        dz[offset] = 0.0;
        return 0.0;
    }
}
