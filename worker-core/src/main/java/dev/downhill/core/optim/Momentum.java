package dev.downhill.core.optim;

import dev.downhill.core.objective.DifferentiableFunction;

/**
 * Heavy-ball momentum (Polyak 1964), as written by Sutskever, Martens, Dahl and Hinton, "On the
 * importance of initialization and momentum in deep learning", ICML 2013, eq. (1)-(2):
 *
 * <pre>  v_{k+1} = mu v_k - eta_k grad f(x_k),   x_{k+1} = x_k + v_{k+1},   v_0 = 0,</pre>
 *
 * with eta_k the schedule's step of iteration k = 1, 2, ... and mu = 0.9 by default. One evaluation of
 * f and grad f per iteration. The velocity v lives in the state as "momentum.v" (created at the first
 * step). The objective may rise between iterations; that is the method, not divergence.
 */
public final class Momentum implements Optimizer {
    /** mu when none is given. */
    public static final double DEFAULT_MOMENTUM = 0.9;

    static final String VELOCITY = "momentum.v";

    private final StepSchedule schedule;
    private final double momentum;

    /** mu = 0.9. */
    public Momentum(StepSchedule schedule) {
        this(schedule, DEFAULT_MOMENTUM);
    }

    /** @param momentum mu in [0, 1) */
    public Momentum(StepSchedule schedule, double momentum) {
        if (schedule == null) {
            throw new IllegalArgumentException("step schedule must not be null");
        }
        this.schedule = schedule;
        this.momentum = HyperParameters.fraction(momentum, "momentum mu");
    }

    public double momentum() {
        return momentum;
    }

    public StepSchedule schedule() {
        return schedule;
    }

    @Override
    public String name() {
        return "momentum";
    }

    @Override
    public boolean step(DifferentiableFunction f, OptimizerState state) {
        double eta = schedule.step(state.iteration() + 1);
        double[] x = state.x();
        double[] g = state.gradient();
        double[] v = Moments.vector(state, VELOCITY);
        for (int j = 0; j < x.length; j++) {
            v[j] = momentum * v[j] - eta * g[j];
            x[j] += v[j];
        }
        state.setValue(f.valueAndGradient(x, g));
        state.addEvaluations(1);
        state.setLastStepSize(eta);
        state.setIteration(state.iteration() + 1);
        return true;
    }
}
