package dev.downhill.core.optim;

import dev.downhill.core.objective.DifferentiableFunction;

/**
 * An update rule: one iteration moves {@link OptimizerState#x()} and leaves f and grad f at the new
 * point in the state. A rule may evaluate f several times per iteration (a line search) and keeps
 * whatever it carries between iterations in the state, never in fields, so it can be checkpointed.
 */
public interface Optimizer {

    /** Name used in settings and logs. */
    String name();

    /** The state at the starting point (a copy of {@code x0}): evaluates f and grad f there once. */
    default OptimizerState initialize(DifferentiableFunction f, double[] x0) {
        double[] x = x0.clone();
        double[] g = new double[f.dimension()];
        double value = f.valueAndGradient(x, g);
        return new OptimizerState(x, value, g);
    }

    /** Takes one iteration from {@code state}, updating it in place. */
    void step(DifferentiableFunction f, OptimizerState state);
}
