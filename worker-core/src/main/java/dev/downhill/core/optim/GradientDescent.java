package dev.downhill.core.optim;

import dev.downhill.core.objective.L1Penalty;

import java.util.List;

/**
 * Gradient descent x_{k+1} = x_k - eta_k grad f(x_k), with a fixed step eta or a {@link StepSchedule}
 * (eta_k is the schedule's step of iteration k = 1, 2, ...). One evaluation of f and grad f per
 * iteration. For an L-smooth convex f and a fixed step t <= 1/L,
 * f(x_{k+1}) <= f(x_k) - (t/2) ||grad f(x_k)||^2, so the objective never rises. On mini-batches with
 * eta_k = eta/sqrt(k) it is online gradient descent (Zinkevich 2003).
 */
public final class GradientDescent extends ScheduledRule {
    private static final long serialVersionUID = 1L;

    /** A fixed step t for every iteration. */
    public GradientDescent(double stepSize) {
        super(new ConstantSchedule(checked(stepSize)), null);
    }

    /** The step of iteration k is {@code schedule.step(k)}. */
    public GradientDescent(StepSchedule schedule) {
        super(schedule, null);
    }

    private static double checked(double stepSize) {
        if (!(stepSize > 0.0) || Double.isInfinite(stepSize)) {
            throw new IllegalArgumentException("step size must be positive and finite, got " + stepSize);
        }
        return stepSize;
    }

    /** The step of the first iteration: the fixed step, for the fixed-step constructor. */
    public double stepSize() {
        return schedule().step(1);
    }

    @Override
    public String name() {
        return "gd";
    }

    /** None: the step needs only x and the gradient. */
    @Override
    public List<String> stateVectors() {
        return List.of();
    }

    @Override
    public void update(double[] x, double[] g, double[][] vectors, int offset, Update u, L1Penalty l1) {
        noProximalStep(l1);
        double stepSize = u.eta();
        for (int i = 0; i < x.length; i++) {
            x[i] -= stepSize * g[i];
        }
    }
}
