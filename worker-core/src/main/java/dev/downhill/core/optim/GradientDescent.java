package dev.downhill.core.optim;

import dev.downhill.core.objective.DifferentiableFunction;

/**
 * Gradient descent x_{k+1} = x_k - eta_k grad f(x_k), with a fixed step eta or a {@link StepSchedule}
 * (eta_k is the schedule's step of iteration k = 1, 2, ...). One evaluation of f and grad f per
 * iteration. For an L-smooth convex f and a fixed step t <= 1/L,
 * f(x_{k+1}) <= f(x_k) - (t/2) ||grad f(x_k)||^2, so the objective never rises. On mini-batches with
 * eta_k = eta/sqrt(k) it is online gradient descent (Zinkevich 2003).
 */
public final class GradientDescent implements Optimizer {
    private final StepSchedule schedule;

    /** A fixed step t for every iteration. */
    public GradientDescent(double stepSize) {
        if (!(stepSize > 0.0) || Double.isInfinite(stepSize)) {
            throw new IllegalArgumentException("step size must be positive and finite, got " + stepSize);
        }
        this.schedule = new ConstantSchedule(stepSize);
    }

    /** The step of iteration k is {@code schedule.step(k)}. */
    public GradientDescent(StepSchedule schedule) {
        if (schedule == null) {
            throw new IllegalArgumentException("step schedule must not be null");
        }
        this.schedule = schedule;
    }

    /** The step of the first iteration: the fixed step, for the fixed-step constructor. */
    public double stepSize() {
        return schedule.step(1);
    }

    public StepSchedule schedule() {
        return schedule;
    }

    @Override
    public String name() {
        return "gd";
    }

    @Override
    public boolean step(DifferentiableFunction f, OptimizerState state) {
        double stepSize = schedule.step(state.iteration() + 1);
        double[] x = state.x();
        double[] g = state.gradient();
        for (int j = 0; j < x.length; j++) {
            x[j] -= stepSize * g[j];
        }
        return ScheduledRule.evaluateAndAdvance(f, state, stepSize);
    }
}
