package dev.downhill.core.loss;

/**
 * Logistic loss for labels y in {0, 1}: with s = 2y - 1 and margin m = s z,
 * l(z, y) = log(1 + exp(-m)), dl/dz = -s sigma(-m) = sigma(z) - y where sigma(t) = 1 / (1 + exp(-t)).
 *
 * <p>Stability: log(1 + exp(-m)) is evaluated as log1p(exp(-m)) for m >= 0 and as
 * -m + log1p(exp(m)) for m < 0, so exp never sees a positive argument and never overflows; the
 * result is accurate to rounding for every finite margin (for m -> -inf it tends to -m, for
 * m -> +inf to exp(-m) without cancellation). The derivative is -s sigma(-m) from the same exp(-|m|),
 * never sigma(z) - y, which would cancel when the prediction is confident and right.
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
        double s = 2.0 * label - 1.0;
        double m = s * z[offset];
        // |m| = |z| for labels 0/1; e = exp(-|m|) in (0, 1] serves both the loss and sigma(-m).
        double e = Math.exp(-Math.abs(m));
        // dl/dz = -s sigma(-m), which equals sigma(z) - y but keeps full relative accuracy when sigma(z) ~ y.
        // Selects rather than branches (the sign of m is a coin flip row to row); x + 0.0 = x and
        // l + (-m) = -m + l exactly, so these are the bits of the two-branch formulas above.
        double sigmaMinusM = (m >= 0 ? e : 1.0) / (1.0 + e);
        dz[offset] = -s * sigmaMinusM;
        return UnitLog1p.log1p(e) + (m >= 0 ? 0.0 : -m);
    }

    /** log(1 + exp(-m)) without overflow for any finite m. */
    static double logOnePlusExpMinus(double m) {
        return m >= 0 ? UnitLog1p.log1p(Math.exp(-m)) : -m + UnitLog1p.log1p(Math.exp(m));
    }
}
