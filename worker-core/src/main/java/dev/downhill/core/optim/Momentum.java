package dev.downhill.core.optim;

import dev.downhill.core.objective.DifferentiableFunction;
import dev.downhill.core.objective.L1Penalty;

/**
 * Heavy-ball momentum (Polyak 1964), as written by Sutskever, Martens, Dahl and Hinton, "On the
 * importance of initialization and momentum in deep learning", ICML 2013, eq. (1)-(2):
 *
 * <pre>  v_{k+1} = mu v_k - eta_k grad f(x_k),   x_{k+1} = x_k + v_{k+1},   v_0 = 0,</pre>
 *
 * with eta_k the schedule's step of iteration k = 1, 2, ... and mu = 0.9 by default. One evaluation of
 * f and grad f per iteration. The velocity v lives in the state as "momentum.v" (created at the first
 * step). The objective may rise between iterations; that is the method, not divergence.
 *
 * <p>With an optional L1 penalty h the step ends with its proximal map and the velocity is the step
 * actually taken, which is iPiano (Ochs, Chen, Brox and Pock, SIAM J. Imaging Sci. 7, 2014) in velocity form:
 *
 * <pre>  x_{k+1} = prox_{eta_k h}(x_k + mu v_k - eta_k grad f(x_k)),   v_{k+1} = x_{k+1} - x_k.</pre>
 *
 * {@link #stationarity} and {@link #objective} then measure f + h.
 */
public final class Momentum implements Optimizer {
    /** mu when none is given. */
    public static final double DEFAULT_MOMENTUM = 0.9;

    static final String VELOCITY = "momentum.v";

    private final StepSchedule schedule;
    private final double momentum;
    private final L1Penalty l1;

    /** mu = 0.9. */
    public Momentum(StepSchedule schedule) {
        this(schedule, DEFAULT_MOMENTUM, null);
    }

    /** @param momentum mu in [0, 1) */
    public Momentum(StepSchedule schedule, double momentum) {
        this(schedule, momentum, null);
    }

    /**
     * @param momentum mu in [0, 1)
     * @param l1 the L1 penalty to apply by its proximal map after each step, or null for none
     */
    public Momentum(StepSchedule schedule, double momentum, L1Penalty l1) {
        if (schedule == null) {
            throw new IllegalArgumentException("step schedule must not be null");
        }
        this.schedule = schedule;
        this.momentum = HyperParameters.fraction(momentum, "momentum mu");
        this.l1 = l1;
    }

    /** The L1 penalty handled by the proximal step, or null. */
    public L1Penalty l1() {
        return l1;
    }

    @Override
    public OptimizerState initialize(DifferentiableFunction f, double[] x0) {
        SoftThreshold.checkDimension(l1, x0.length);
        return Optimizer.super.initialize(f, x0);
    }

    /** ||grad f||, or with L1 the norm of the minimum-norm subgradient of f + h. */
    @Override
    public double stationarity(OptimizerState state) {
        return l1 == null ? Optimizer.super.stationarity(state) : l1.stationarity(state.x(), state.gradient());
    }

    /** f, or with L1 f + h. */
    @Override
    public double objective(OptimizerState state) {
        return l1 == null ? state.value() : state.value() + l1.value(state.x());
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
        SoftThreshold.checkDimension(l1, x.length);
        for (int j = 0; j < x.length; j++) {
            v[j] = momentum * v[j] - eta * g[j];
            if (l1 == null) {
                x[j] += v[j];
            } else {
                double next = SoftThreshold.apply(x[j] + v[j], eta * l1.weight(j));
                v[j] = next - x[j];
                x[j] = next;
            }
        }
        state.setValue(f.valueAndGradient(x, g));
        state.addEvaluations(1);
        state.setLastStepSize(eta);
        state.setIteration(state.iteration() + 1);
        return true;
    }
}
