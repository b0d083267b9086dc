package dev.downhill.core.optim;

import dev.downhill.core.objective.DifferentiableFunction;

/**
 * The function an iteration evaluates: the same full objective every time, or, for mini-batches, the
 * objective on the batch chosen for that iteration (a seeded function of the iteration, so a resumed
 * run sees the same batches).
 */
@FunctionalInterface
public interface FunctionSequence {

    /** The function evaluated at the point that iteration {@code iteration} ends on (0: the start). */
    DifferentiableFunction at(long iteration);

    /** Whether {@link #at} differs between iterations (the values are then noisy estimates). */
    default boolean isStochastic() {
        return false;
    }

    static FunctionSequence of(DifferentiableFunction f) {
        return iteration -> f;
    }
}
