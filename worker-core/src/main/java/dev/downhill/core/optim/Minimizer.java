package dev.downhill.core.optim;

import dev.downhill.core.linalg.Vectors;
import dev.downhill.core.objective.DifferentiableFunction;

/**
 * The iteration loop: step the optimizer until ||grad f|| <= tolerance (checked before every
 * iteration, so a start that already satisfies it takes no step), the iteration limit, or divergence:
 * a NaN or infinite f or gradient, or f rising {@code maxRises} iterations in a row. A rise counts only
 * when it exceeds 1e-12 |f|, far above the rounding noise of an objective that has stopped moving, so a
 * long run at the optimum never looks like divergence. The iterate with the lowest finite f seen is kept
 * (one O(d) copy when it improves), so a diverged run still hands back its last good parameters.
 */
public final class Minimizer {
    /** A rise smaller than this, relative to |f|, is rounding noise, not a rise. */
    static final double RISE_TOLERANCE = 1e-12;

    private final Optimizer optimizer;
    private final long maxIterations;
    private final double gradientTolerance;
    private final int maxRises;

    public Minimizer(Optimizer optimizer, long maxIterations, double gradientTolerance) {
        this(optimizer, maxIterations, gradientTolerance, Integer.MAX_VALUE);
    }

    public Minimizer(Optimizer optimizer, long maxIterations, double gradientTolerance, int maxRises) {
        if (maxIterations < 0) {
            throw new IllegalArgumentException("maxIterations must be >= 0");
        }
        if (!(gradientTolerance >= 0.0)) {
            throw new IllegalArgumentException("gradient tolerance must be >= 0");
        }
        if (maxRises < 1) {
            throw new IllegalArgumentException("maxRises must be >= 1");
        }
        this.optimizer = optimizer;
        this.maxIterations = maxIterations;
        this.gradientTolerance = gradientTolerance;
        this.maxRises = maxRises;
    }

    /** The outcome: final state, why it stopped, and the best iterate seen. */
    public static final class Result {
        private final OptimizerState state;
        private final StopReason reason;
        private final double gradientNorm;
        private final OptimizerState best;
        private final String detail;

        Result(OptimizerState state, StopReason reason, double gradientNorm, OptimizerState best, String detail) {
            this.state = state;
            this.reason = reason;
            this.gradientNorm = gradientNorm;
            this.best = best;
            this.detail = detail;
        }

        public OptimizerState state() {
            return state;
        }

        public StopReason reason() {
            return reason;
        }

        public double gradientNorm() {
            return gradientNorm;
        }

        /** The iterate with the lowest finite objective (the start, if none was finite and lower). */
        public OptimizerState best() {
            return best;
        }

        /** What happened, in words, for {@link StopReason#DIVERGED}; else null. */
        public String detail() {
            return detail;
        }
    }

    public Result minimize(DifferentiableFunction f, double[] x0, IterationListener listener) {
        return run(f, start(f, x0), listener);
    }

    /** The optimizer's state at x0 (one evaluation of f and its gradient); x0 is copied. */
    public OptimizerState start(DifferentiableFunction f, double[] x0) {
        return optimizer.initialize(f, x0);
    }

    /** Continues from a given state (a fresh start or a restored checkpoint). */
    public Result run(DifferentiableFunction f, OptimizerState state, IterationListener listener) {
        double gradientNorm = Vectors.norm2(state.gradient());
        OptimizerState best = Double.isFinite(state.value()) ? state.copy() : null;
        double previous = state.value();
        int rises = 0;
        while (true) {
            if (!Double.isFinite(state.value()) || !Double.isFinite(gradientNorm)) {
                String what = !Double.isFinite(state.value()) ? "the objective became " + state.value()
                        : "the gradient became " + (Double.isNaN(gradientNorm) ? "NaN" : "infinite");
                return new Result(state, StopReason.DIVERGED, gradientNorm, best, what);
            }
            if (rises >= maxRises) {
                return new Result(state, StopReason.DIVERGED, gradientNorm, best,
                        "the objective rose " + rises + " iterations in a row");
            }
            if (gradientNorm <= gradientTolerance) {
                return new Result(state, StopReason.GRADIENT_TOLERANCE, gradientNorm, best, null);
            }
            if (state.iteration() >= maxIterations) {
                return new Result(state, StopReason.MAX_ITERATIONS, gradientNorm, best, null);
            }
            long start = System.nanoTime();
            optimizer.step(f, state);
            gradientNorm = Vectors.norm2(state.gradient());
            double value = state.value();
            rises = value - previous > RISE_TOLERANCE * Math.abs(previous) ? rises + 1 : 0;
            previous = value;
            if (Double.isFinite(value) && Double.isFinite(gradientNorm) && (best == null || value < best.value())) {
                best = state.copy();
            }
            listener.iterationDone(state, gradientNorm, System.nanoTime() - start);
        }
    }
}
