package dev.downhill.core.optim;

import dev.downhill.core.linalg.Vectors;
import dev.downhill.core.objective.DifferentiableFunction;

/**
 * An update rule: one iteration moves {@link OptimizerState#x()} and leaves f and grad f at the new
 * point in the state. A rule may evaluate f several times per iteration (a line search) and keeps
 * whatever it carries between iterations in the state, never in fields, so it can be checkpointed:
 * an optimizer object holds only its constant hyper-parameters.
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

    /**
     * Takes one iteration from {@code state}, updating it in place, and returns true. Returns false, with
     * the state unchanged (x, f, gradient; counters may have advanced), when no step can make progress:
     * a line search that finds no decrease at machine precision. {@code f} is the function to evaluate
     * at the new point (for mini-batches, the batch of the next iteration).
     */
    boolean step(DifferentiableFunction f, OptimizerState state);

    /**
     * How far the state is from a stationary point, compared against the gradient tolerances: ||grad f||
     * for smooth objectives; rules with a non-smooth term (L1) override it with the norm of the
     * minimum-norm subgradient.
     */
    default double stationarity(OptimizerState state) {
        return Vectors.norm2(state.gradient());
    }

    /**
     * The full objective at the state, compared across iterations (rises, best iterate, objective
     * change): f itself, plus the non-smooth term for rules that handle one outside f.
     */
    default double objective(OptimizerState state) {
        return state.value();
    }
}
