package dev.downhill.core.optim;

import java.util.List;

/**
 * A differentiable f: R^n -> R whose arguments and gradients are handles of {@link RemoteVectors} (in the driver:
 * one distributed pass over the data, the gradient reduce-scattered into slices, only scalars to the driver).
 *
 * @param <V> the handle type
 */
@FunctionalInterface
public interface RemoteFunction<V> {

    /** f(x), a handle to grad f(x) (the caller releases it), and grad f(x) . w_i for each w_i asked for. */
    record Evaluation<V>(double value, V gradient, double[] gradientDots) {
    }

    /**
     * Evaluates f and grad f at x (one pass over the data) and the dot products of grad f(x) with each of
     * {@code dotWith} (for the line search, the direction), which an implementation may compute in the same pass
     * or in one slice pass after it. x is not released.
     */
    Evaluation<V> evaluate(V x, List<V> dotWith);
}
