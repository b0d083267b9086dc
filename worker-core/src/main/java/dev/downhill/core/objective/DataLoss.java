package dev.downhill.core.objective;

/**
 * The data term of an objective, (1/N) sum_i v_i l(F(theta, x_i), y_i), given as accumulated sums so
 * that it can be computed anywhere: over local blocks ({@link LocalDataLoss}) or over a cluster's
 * cached blocks (the driver's implementation).
 */
public interface DataLoss {

    int numParameters();

    /** Sums of loss, weight and (when {@code withGradient}) gradient over all rows at {@code params}. */
    GradientAccumulator evaluate(double[] params, boolean withGradient);
}
