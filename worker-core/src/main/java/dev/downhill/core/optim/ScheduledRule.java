package dev.downhill.core.optim;

import dev.downhill.core.objective.DifferentiableFunction;
import dev.downhill.core.objective.L1Penalty;

/**
 * What the one-evaluation-per-iteration rules with a {@link StepSchedule} and an optional L1 penalty
 * h = sum_j c_j |x_j| (applied by a proximal step inside the rule's update) have in common: the checks on
 * the schedule and the penalty, {@link #stationarity} and {@link #objective} of f + h, and the end of a
 * step (f and grad f at the new point, counters). Subclasses write only the update of x and their state.
 */
abstract class ScheduledRule implements Optimizer {
    private final StepSchedule schedule;
    private final L1Penalty l1;

    /** @param l1 the L1 penalty to apply by its proximal map, or null for none */
    ScheduledRule(StepSchedule schedule, L1Penalty l1) {
        if (schedule == null) {
            throw new IllegalArgumentException("step schedule must not be null");
        }
        this.schedule = schedule;
        this.l1 = l1;
    }

    public StepSchedule schedule() {
        return schedule;
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

    /** eta_k of the iteration the state is about to take, k = iteration + 1. */
    final double nextStep(OptimizerState state) {
        return schedule.step(state.iteration() + 1);
    }

    /**
     * Ends a step whose update has been written into {@code state.x()}: one evaluation of f and grad f
     * there (into the state's gradient), step size {@code eta}, iteration + 1. Returns true.
     */
    static boolean evaluateAndAdvance(DifferentiableFunction f, OptimizerState state, double eta) {
        state.setValue(f.valueAndGradient(state.x(), state.gradient()));
        state.addEvaluations(1);
        state.setLastStepSize(eta);
        state.setIteration(state.iteration() + 1);
        return true;
    }
}
