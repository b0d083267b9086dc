package dev.downhill.core.loss;

/**
 * Logistic loss for labels y in {0, 1}: with s = 2y - 1 and margin m = s z,
 * l(z, y) = log(1 + exp(-m)), dl/dz = sigma(z) - y where sigma(t) = 1 / (1 + exp(-t)).
 *
 * <p>Stability: log(1 + exp(-m)) is evaluated as log1p(exp(-m)) for m >= 0 and as
 * -m + log1p(exp(m)) for m < 0, so exp never sees a positive argument and never overflows; the
 * result is accurate to rounding for every finite margin (for m -> -inf it tends to -m, for
 * m -> +inf to exp(-m) without cancellation). sigma is evaluated the same way, from exp(-|z|).
 */
public final class LogisticLoss implements Loss {
    private static final long serialVersionUID = 1L;

    @Override
    public int numOutputs(int numClasses) {
        return 1;
    }

    @Override
    public double value(double[] z, int offset, double label) {
        return logOnePlusExpMinus((2.0 * label - 1.0) * z[offset]);
    }

    @Override
    public double valueAndDerivative(double[] z, int offset, double label, double[] dz) {
        double t = z[offset];
        double e = Math.exp(-Math.abs(t));
        // sigma(t) from exp(-|t|) in (0, 1]: no overflow, no cancellation.
        double sigma = t >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
        dz[offset] = sigma - label;
        double m = (2.0 * label - 1.0) * t;
        // |m| = |t| for labels 0/1, so exp(-|m|) = e is reused.
        return m >= 0 ? Math.log1p(e) : -m + Math.log1p(e);
    }

    /** log(1 + exp(-m)) without overflow for any finite m. */
    static double logOnePlusExpMinus(double m) {
        return m >= 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m));
    }
}
