package dev.downhill.core.autodiff;

import org.apache.commons.numbers.gamma.Erfc;

/**
 * The scalar functions behind {@link Tape}'s element-wise activations, each written so it cannot overflow or
 * lose its small tail:
 * <ul>
 *   <li>sigmoid(x) = 1 / (1 + e^-x), taken as e / (1 + e) below zero with e = exp(-|x|);</li>
 *   <li>Phi(x) = erfc(-x / sqrt 2) / 2, the exact standard normal CDF; erfc rather than 1 + erf keeps full
 *       relative accuracy in the left tail; gelu(x) = x Phi(x) and gelu'(x) = Phi(x) + x phi(x) (Hendrycks and
 *       Gimpel, "Gaussian Error Linear Units (GELUs)", 2016);</li>
 *   <li>softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|).</li>
 * </ul>
 */
public final class ScalarFunctions {
    private static final double SQRT_HALF = 0.7071067811865476;
    /** 1 / sqrt(2 pi). */
    private static final double INV_SQRT_2PI = 0.3989422804014327;

    private ScalarFunctions() {}

    /** The logistic function without overflow: exp is only taken of -|x|. */
    public static double sigmoid(double x) {
        // 1 / (1 + e) above zero and e / (1 + e) below, with e = exp(-|x|): one division whose numerator is
        // chosen without a branch (signs of pre-activations are not predictable).
        double e = Math.exp(-Math.abs(x));
        return (x >= 0.0 ? 1.0 : e) / (1.0 + e);
    }

    /** Phi(x) = erfc(-x / sqrt 2) / 2: accurate to a few ulps relative in both tails (erfc, not 1 + erf). */
    public static double normalCdf(double x) {
        return 0.5 * Erfc.value(-x * SQRT_HALF);
    }

    /** gelu(x) = x Phi(x). */
    public static double gelu(double x) {
        return x * normalCdf(x);
    }

    /** gelu'(x) = Phi(x) + x phi(x). */
    public static double geluDerivative(double x) {
        return normalCdf(x) + x * normalDensity(x);
    }

    /** phi(x) = exp(-x^2 / 2) / sqrt(2 pi). */
    public static double normalDensity(double x) {
        return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    }

    /** log(1 + e^x) as max(x, 0) + log1p(e^-|x|). */
    public static double softplus(double x) {
        return Math.max(x, 0.0) + Math.log1p(Math.exp(-Math.abs(x)));
    }
}
