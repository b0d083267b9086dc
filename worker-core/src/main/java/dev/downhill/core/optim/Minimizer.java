package dev.downhill.core.optim;

import dev.downhill.core.objective.DifferentiableFunction;

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

    /**
     * An outcome reached by another loop on the same rules ({@link VectorFreeMinimizer}), with its final state
     * brought into arrays: what train reports and writes.
     */
    public static Result result(OptimizerState state, StopReason reason, double stationarity, double objective,
                                String detail) {
        return new Result(state, reason, stationarity, objective, detail);
    }

    /**
     * The same for a loop whose best iterate is held elsewhere (a handle): {@link Result#best} gives the best
     * figures of the state's bookkeeping with an empty x, when one was recorded.
     */
    public static Result resultWithBestElsewhere(OptimizerState state, StopReason reason, double stationarity,
                                                 double objective, String detail) {
        if (Double.isFinite(state.scalar(BEST_OBJECTIVE, Double.NaN))) {
            state.putVector(BEST_X, new double[0]);
        }
        return new Result(state, reason, stationarity, objective, detail);
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
        if (StopBookkeeping.notStarted(state)) {
            double validation = validator == null ? Double.NaN : validator.loss(state.x());
            if (StopBookkeeping.start(state, criteria, objective, stationarity, validation, validator != null)) {
                keepBestX(state);
            }
        }
        while (true) {
            StopCriteria.Verdict verdict = StopBookkeeping.verdict(state, criteria, objective, stationarity,
                    (System.nanoTime() - startNanos) / 1e9);
            if (verdict != null) {
                return new Result(state, verdict.reason(), stationarity, objective, verdict.detail());
            }
            long start = System.nanoTime();
            double previous = objective;
            if (!optimizer.step(fs.at(state.iteration() + 1), state)) {
                return new Result(state, StopReason.NO_PROGRESS, stationarity, objective,
                        StopBookkeeping.NO_PROGRESS_DETAIL);
            }
            stationarity = optimizer.stationarity(state);
            objective = optimizer.objective(state);
            long nanos = System.nanoTime() - start;
            double validation = validator == null ? Double.NaN : validator.loss(state.x());
            if (StopBookkeeping.afterIteration(state, criteria, previous, objective, stationarity, validation,
                    validator != null)) {
                keepBestX(state);
            }
            listener.iterationDone(state, new IterationListener.IterationReport(objective, stationarity, validation,
                    nanos));
        }
    }

    /** Copies x into the best iterate (one O(d) copy, only when the best improved). */
    private static void keepBestX(OptimizerState state) {
        double[] bestX = state.vector(BEST_X);
        if (bestX == null) {
            state.putVector(BEST_X, state.x().clone());
        } else {
            System.arraycopy(state.x(), 0, bestX, 0, bestX.length);
        }
    }
}
