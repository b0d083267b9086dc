package dev.downhill.core.optim;

import dev.downhill.core.objective.DifferentiableFunction;

/**
 * Gradient descent with a fixed step t: x_{k+1} = x_k - t grad f(x_k). One evaluation of f and grad f
 * per iteration. For an L-smooth convex f and t <= 1/L, f(x_{k+1}) <= f(x_k) - (t/2) ||grad f(x_k)||^2,
 * so the objective never rises.
 */
public final class GradientDescent implements Optimizer {
    private final double stepSize;

    public GradientDescent(double stepSize) {
        if (!(stepSize > 0.0) || Double.isInfinite(stepSize)) {
            throw new IllegalArgumentException("step size must be positive and finite, got " + stepSize);
        }
        this.stepSize = stepSize;
    }

    public double stepSize() {
        return stepSize;
    }

    @Override
    public String name() {
        return "gd";
    }

    @Override
    public boolean step(DifferentiableFunction f, OptimizerState state) {
        double[] x = state.x();
        double[] g = state.gradient();
        for (int j = 0; j < x.length; j++) {
            x[j] -= stepSize * g[j];
        }
        state.setValue(f.valueAndGradient(x, g));
        state.addEvaluations(1);
        state.setLastStepSize(stepSize);
        state.setIteration(state.iteration() + 1);
        return true;
    }
}
