package dev.downhill.core.optim;

import dev.downhill.core.objective.L1Penalty;

/** The L1 proximal step the first-order rules share, and their checks on an optional L1 penalty. */
final class SoftThreshold {
    private SoftThreshold() {}

    /** sign(v) max(|v| - tau, 0). */
    static double apply(double v, double tau) {
        return v > tau ? v - tau : v < -tau ? v + tau : 0.0;
    }

    /** Throws unless the penalty (if any) has x's dimension. */
    static void checkDimension(L1Penalty l1, int dimension) {
        if (l1 != null && l1.dimension() != dimension) {
            throw new IllegalArgumentException("L1 penalty has dimension " + l1.dimension() + ", x has " + dimension);
        }
    }
}
