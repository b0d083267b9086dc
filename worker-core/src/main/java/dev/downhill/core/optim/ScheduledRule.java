package dev.downhill.core.optim;

import dev.downhill.core.objective.DifferentiableFunction;
import dev.downhill.core.objective.L1Penalty;
import java.io.Serializable;
import java.util.List;

/**
 * What the one-evaluation-per-iteration rules with a {@link StepSchedule} and an optional L1 penalty
 * h = sum_j c_j |x_j| (applied by a proximal step inside the rule's update) have in common: the checks on
 * the schedule and the penalty, {@link #stationarity} and {@link #objective} of f + h, and the step itself,
 * which is elementwise: x_{k+1,j} and the rule's vectors at j depend on x_{k,j}, g_{k,j}, the vectors at j,
 * eta_k and the count of updates alone. Subclasses write only that per-coordinate {@link #update}, which
 * {@link #step} applies to the whole vector and a sharded run applies to each slice of coordinates on the
 * executor holding it ({@link RemoteRuleMinimizer}): one implementation, so both give the same bits.
 *
 * <p>A rule holds only constant hyper-parameters (the schedule, the penalty, AdamW's mask), all serializable.
 */
public abstract class ScheduledRule implements Optimizer, Serializable {
    private static final long serialVersionUID = 1L;

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

    /** The scalars of one update: eta_k, and the rule's count of updates including this one (0 if it keeps none). */
    public record Update(double eta, double count) implements Serializable {
    }

    /**
     * The names of the rule's state vectors (moments, velocity; created as zeros), in the order {@link #update}
     * takes them. Empty for gradient descent.
     */
    public abstract List<String> stateVectors();

    /** The state scalar counting the updates (Adam's bias correction), or null for rules without one. */
    String updateCounter() {
        return null;
    }

    /**
     * The update of coordinates offset, offset + 1, ..., offset + x.length - 1: x, g and each of {@code vectors}
     * hold those coordinates (index i is coordinate offset + i); x and the vectors are updated in place, with the
     * rule's own L1 penalty. {@link #step} calls it once with offset 0 on the whole vectors.
     */
    public final void update(double[] x, double[] g, double[][] vectors, int offset, Update u) {
        update(x, g, vectors, offset, u, l1);
    }

    /**
     * The same update with the proximal step of {@code l1} (null: none) in place of the rule's own penalty: its
     * weight for coordinate j is {@code l1.weight(j)}, so it may hold only this slice's weights
     * ({@link L1Penalty#slice}). A sharded run builds them on the executor holding the slice, where the
     * standardization's scales are, so the driver keeps no d-sized array of weights.
     *
     * @throws IllegalArgumentException for a penalty given to a rule without a proximal step (gd, nesterov)
     */
    public abstract void update(double[] x, double[] g, double[][] vectors, int offset, Update u, L1Penalty l1);

    /** Refuses an L1 penalty: the rule has no proximal step. */
    static void noProximalStep(L1Penalty l1) {
        if (l1 != null) {
            throw new IllegalArgumentException("this rule takes no L1 penalty");
        }
    }

    /** Starts the state's next update: eta_k (k = iteration + 1) and the count, advanced in the state. */
    public final Update nextUpdate(OptimizerState state) {
        double eta = schedule.step(state.iteration() + 1);
        String counter = updateCounter();
        if (counter == null) {
            return new Update(eta, 0);
        }
        double count = state.scalar(counter, 0) + 1;
        state.putScalar(counter, count);
        return new Update(eta, count);
    }

    @Override
    public final boolean step(DifferentiableFunction f, OptimizerState state) {
        SoftThreshold.checkDimension(l1, state.x().length);
        List<String> names = stateVectors();
        double[][] vectors = new double[names.size()][];
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = Moments.vector(state, names.get(i));
        }
        Update u = nextUpdate(state);
        update(state.x(), state.gradient(), vectors, 0, u);
        state.setValue(f.valueAndGradient(state.x(), state.gradient()));
        advance(state, u.eta());
        return true;
    }

    /** The counters of a completed step that took step size eta: evaluations + 1, iteration + 1. */
    static void advance(OptimizerState state, double eta) {
        state.addEvaluations(1);
        state.setLastStepSize(eta);
        state.setIteration(state.iteration() + 1);
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
}
