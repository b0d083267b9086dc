package dev.downhill.core.objective;

/**
 * A function f: R^n -> R with its gradient. Optimizers see only this, so the same optimizer runs on a
 * local function in a test and on the distributed objective in the driver.
 */
public interface DifferentiableFunction {

    int dimension();

    /** Returns f(x) and writes grad f(x) into {@code gradient} (length {@link #dimension()}). */
    double valueAndGradient(double[] x, double[] gradient);

    /** f(x) alone; implementations override it where that is cheaper than the gradient. */
    default double value(double[] x) {
        return valueAndGradient(x, new double[dimension()]);
    }
}
