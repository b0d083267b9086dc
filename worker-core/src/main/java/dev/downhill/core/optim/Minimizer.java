package dev.downhill.core.optim;

import dev.downhill.core.objective.DifferentiableFunction;
import java.util.Arrays;

/**
 * The iteration loop: step the optimizer until one of the {@link StopCriteria} holds (checked before
 * every iteration, so a start that already satisfies one takes no step). A rise of the objective counts
 * toward divergence only when it exceeds 1e-12 |f|, far above the rounding noise of an objective that
 * has stopped moving.
 *
 * <p>The loop's own bookkeeping (the start's stationarity, the rise count, the objective window, the
 * best iterate, the validation record) lives in the {@link OptimizerState} under names starting with
 * "stop.", so a state restored from a checkpoint continues with the same decisions. The best iterate is
 * the one with the lowest validation loss when there is a validator, else the lowest finite objective;
 * keeping it costs one O(d) copy when it improves.
 */
public final class Minimizer {
    /** A rise smaller than this, relative to |f|, is rounding noise, not a rise. */
    static final double RISE_TOLERANCE = 1e-12;

    /** The state's scalar holding the stationarity at the start (what the relative tolerance scales). */
    public static final String START = "stop.startStationarity";
    static final String RISES = "stop.rises";
    static final String HISTORY = "stop.history";
    static final String BEST_X = "stop.best.x";
    static final String BEST_OBJECTIVE = "stop.best.objective";
    static final String BEST_STATIONARITY = "stop.best.stationarity";
    static final String BEST_ITERATION = "stop.best.iteration";
    static final String BEST_VALIDATION = "stop.best.validation";
    static final String SINCE_BEST = "stop.sinceBest";

    private final Optimizer optimizer;
    private final StopCriteria criteria;

    public Minimizer(Optimizer optimizer, StopCriteria criteria) {
        this.optimizer = optimizer;
        this.criteria = criteria;
    }

    public Minimizer(Optimizer optimizer, long maxIterations, double gradientTolerance) {
        this(optimizer, StopCriteria.iterations(maxIterations).withGradientTolerance(gradientTolerance));
    }

    public Minimizer(Optimizer optimizer, long maxIterations, double gradientTolerance, int maxRises) {
        this(optimizer, StopCriteria.iterations(maxIterations).withGradientTolerance(gradientTolerance)
                .withMaxRises(maxRises));
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public StopCriteria criteria() {
        return criteria;
    }

    /** The best iterate seen: parameters, full objective, stationarity, iteration, validation loss. */
    public record Best(double[] x, double objective, double stationarity, long iteration, double validationLoss) {
    }

    /** The outcome: final state, why it stopped, and the best iterate seen. */
    public static final class Result {
        private final OptimizerState state;
        private final StopReason reason;
        private final double stationarity;
        private final double objective;
        private final String detail;

        Result(OptimizerState state, StopReason reason, double stationarity, double objective, String detail) {
            this.state = state;
            this.reason = reason;
            this.stationarity = stationarity;
            this.objective = objective;
            this.detail = detail;
        }

        public OptimizerState state() {
            return state;
        }

        public StopReason reason() {
            return reason;
        }

        /** ||grad f|| (or the minimum-norm subgradient's norm with L1) at the final state. */
        public double gradientNorm() {
            return stationarity;
        }

        /** The full objective at the final state. */
        public double objective() {
            return objective;
        }

        /** The best iterate (lowest validation loss with a validator, else lowest objective); null if none was finite. */
        public Best best() {
            double[] x = state.vector(BEST_X);
            if (x == null) {
                return null;
            }
            return new Best(x.clone(), state.scalar(BEST_OBJECTIVE, Double.NaN),
                    state.scalar(BEST_STATIONARITY, Double.NaN), (long) state.scalar(BEST_ITERATION, 0),
                    state.scalar(BEST_VALIDATION, Double.NaN));
        }

        /** What happened, in words, for {@link StopReason#DIVERGED} and the tolerances; else null. */
        public String detail() {
            return detail;
        }
    }

    public Result minimize(DifferentiableFunction f, double[] x0, IterationListener listener) {
        return run(FunctionSequence.of(f), start(FunctionSequence.of(f), x0), listener, null);
    }

    /** The optimizer's state at x0 (one evaluation of f and its gradient); x0 is copied. */
    public OptimizerState start(DifferentiableFunction f, double[] x0) {
        return start(FunctionSequence.of(f), x0);
    }

    public OptimizerState start(FunctionSequence fs, double[] x0) {
        return optimizer.initialize(fs.at(0), x0);
    }

    /** Continues from a given state (a fresh start or a restored checkpoint). */
    public Result run(DifferentiableFunction f, OptimizerState state, IterationListener listener) {
        return run(FunctionSequence.of(f), state, listener, null);
    }

    /**
     * Continues from {@code state} on the functions of {@code fs}; {@code validator} may be null. With a
     * validator its loss is computed at the start (if not yet recorded) and after every iteration.
     */
    public Result run(FunctionSequence fs, OptimizerState state, IterationListener listener, Validator validator) {
        long startNanos = System.nanoTime();
        double stationarity = optimizer.stationarity(state);
        double objective = optimizer.objective(state);
        if (Double.isNaN(state.scalar(START, Double.NaN))) {
            state.putScalar(START, stationarity);
            state.putScalar(RISES, 0);
            state.putScalar(SINCE_BEST, 0);
            pushHistory(state, objective);
            double validation = validator == null ? Double.NaN : validator.loss(state.x());
            recordBest(state, objective, stationarity, validation, validator != null);
        }
        double threshold = Math.max(criteria.gradientTolerance(),
                criteria.relativeGradientTolerance() * state.scalar(START, 0));
        while (true) {
            if (!Double.isFinite(objective) || !Double.isFinite(stationarity)) {
                String what = !Double.isFinite(objective) ? "the objective became " + objective
                        : "the gradient became " + (Double.isNaN(stationarity) ? "NaN" : "infinite");
                return new Result(state, StopReason.DIVERGED, stationarity, objective, what);
            }
            int rises = (int) state.scalar(RISES, 0);
            if (rises >= criteria.maxRises()) {
                return new Result(state, StopReason.DIVERGED, stationarity, objective,
                        "the objective rose " + rises + " iterations in a row");
            }
            if (stationarity <= threshold) {
                return new Result(state, StopReason.GRADIENT_TOLERANCE, stationarity, objective, null);
            }
            double change = objectiveChange(state);
            if (change < criteria.objectiveTolerance()) {
                return new Result(state, StopReason.OBJECTIVE_TOLERANCE, stationarity, objective, String.format(
                        java.util.Locale.ROOT, "relative change %.3e over %d iterations", change,
                        criteria.objectiveWindow()));
            }
            if (state.scalar(SINCE_BEST, 0) >= criteria.patience()) {
                return new Result(state, StopReason.EARLY_STOPPING, stationarity, objective, String.format(
                        java.util.Locale.ROOT, "no better validation loss for %d iterations; the best was %.12g"
                                + " at iteration %d", criteria.patience(), state.scalar(BEST_VALIDATION, 0),
                        (long) state.scalar(BEST_ITERATION, 0)));
            }
            if (state.iteration() >= criteria.maxIterations()) {
                return new Result(state, StopReason.MAX_ITERATIONS, stationarity, objective, null);
            }
            if ((System.nanoTime() - startNanos) / 1e9 >= criteria.timeBudgetSeconds()) {
                return new Result(state, StopReason.TIME_BUDGET, stationarity, objective, null);
            }
            long start = System.nanoTime();
            double previous = objective;
            if (!optimizer.step(fs.at(state.iteration() + 1), state)) {
                return new Result(state, StopReason.NO_PROGRESS, stationarity, objective,
                        "the line search found no decrease");
            }
            stationarity = optimizer.stationarity(state);
            objective = optimizer.objective(state);
            long nanos = System.nanoTime() - start;
            boolean rose = objective - previous > RISE_TOLERANCE * Math.abs(previous);
            state.putScalar(RISES, rose ? rises + 1 : 0);
            pushHistory(state, objective);
            double validation = validator == null ? Double.NaN : validator.loss(state.x());
            recordBest(state, objective, stationarity, validation, validator != null);
            listener.iterationDone(state, new IterationListener.IterationReport(objective, stationarity, validation,
                    nanos));
        }
    }

    private void pushHistory(OptimizerState state, double objective) {
        double[] h = state.vector(HISTORY);
        int w = criteria.objectiveWindow() + 1;
        if (h == null || h.length != w) {
            double[] fresh = new double[w];
            Arrays.fill(fresh, Double.NaN);
            if (h != null) {
                int keep = Math.min(h.length, w);
                System.arraycopy(h, h.length - keep, fresh, w - keep, keep);
            }
            h = fresh;
            state.putVector(HISTORY, h);
        }
        System.arraycopy(h, 1, h, 0, w - 1);
        h[w - 1] = objective;
    }

    /** |f_{k-w} - f_k| / max(|f_k|, 1e-300); infinite until w iterations are recorded. */
    private static double objectiveChange(OptimizerState state) {
        double[] h = state.vector(HISTORY);
        double oldest = h[0];
        double newest = h[h.length - 1];
        if (Double.isNaN(oldest)) {
            return Double.POSITIVE_INFINITY;
        }
        return Math.abs(oldest - newest) / Math.max(Math.abs(newest), 1e-300);
    }

    private static void recordBest(OptimizerState state, double objective, double stationarity, double validation,
                                   boolean byValidation) {
        if (!Double.isFinite(objective) || !Double.isFinite(stationarity)) {
            return;
        }
        double[] bestX = state.vector(BEST_X);
        boolean better = bestX == null || (byValidation
                ? validation < state.scalar(BEST_VALIDATION, Double.POSITIVE_INFINITY)
                : objective < state.scalar(BEST_OBJECTIVE, Double.POSITIVE_INFINITY));
        if (better) {
            if (bestX == null) {
                state.putVector(BEST_X, state.x().clone());
            } else {
                System.arraycopy(state.x(), 0, bestX, 0, bestX.length);
            }
            state.putScalar(BEST_OBJECTIVE, objective);
            state.putScalar(BEST_STATIONARITY, stationarity);
            state.putScalar(BEST_ITERATION, state.iteration());
            state.putScalar(BEST_VALIDATION, validation);
            state.putScalar(SINCE_BEST, 0);
        } else {
            state.putScalar(SINCE_BEST, state.scalar(SINCE_BEST, 0) + 1);
        }
    }
}
