package dev.downhill.core.optim;

import dev.downhill.core.objective.DifferentiableFunction;

/** Wraps a function and counts its two kinds of evaluation: with the gradient, and f alone. */
final class CountingFunction implements DifferentiableFunction {
    private final DifferentiableFunction inner;
    int withGradient;
    int valueOnly;

    CountingFunction(DifferentiableFunction inner) {
        this.inner = inner;
    }

    @Override
    public int dimension() {
        return inner.dimension();
    }

    @Override
    public double valueAndGradient(double[] x, double[] gradient) {
        withGradient++;
        return inner.valueAndGradient(x, gradient);
    }

    @Override
    public double value(double[] x) {
        valueOnly++;
        return inner.value(x);
    }
}
