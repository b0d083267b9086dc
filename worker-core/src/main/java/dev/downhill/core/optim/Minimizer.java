package dev.downhill.core.optim;

import dev.downhill.core.linalg.Vectors;
import dev.downhill.core.objective.DifferentiableFunction;

/**
 * The iteration loop: step the optimizer until ||grad f|| <= tolerance (checked before every
 * iteration, so a start that already satisfies it takes no step), the iteration limit, or a
 * non-finite f or gradient.
 */
public final class Minimizer {
    private final Optimizer optimizer;
    private final long maxIterations;
    private final double gradientTolerance;

    public Minimizer(Optimizer optimizer, long maxIterations, double gradientTolerance) {
        if (maxIterations < 0) {
            throw new IllegalArgumentException("maxIterations must be >= 0");
        }
        if (!(gradientTolerance >= 0.0)) {
            throw new IllegalArgumentException("gradient tolerance must be >= 0");
        }
        this.optimizer = optimizer;
        this.maxIterations = maxIterations;
        this.gradientTolerance = gradientTolerance;
    }

    /** The outcome: final state and why it stopped. */
    public static final class Result {
        private final OptimizerState state;
        private final StopReason reason;
        private final double gradientNorm;

        Result(OptimizerState state, StopReason reason, double gradientNorm) {
            this.state = state;
            this.reason = reason;
            this.gradientNorm = gradientNorm;
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
    }

    public Result minimize(DifferentiableFunction f, double[] x0, IterationListener listener) {
        return run(f, optimizer.initialize(f, x0), listener);
    }

    /** Continues from a given state (a fresh start or a restored checkpoint). */
    public Result run(DifferentiableFunction f, OptimizerState state, IterationListener listener) {
        double gradientNorm = Vectors.norm2(state.gradient());
        while (true) {
            if (!Double.isFinite(state.value()) || !Double.isFinite(gradientNorm)) {
                return new Result(state, StopReason.DIVERGED, gradientNorm);
            }
            if (gradientNorm <= gradientTolerance) {
                return new Result(state, StopReason.GRADIENT_TOLERANCE, gradientNorm);
            }
            if (state.iteration() >= maxIterations) {
                return new Result(state, StopReason.MAX_ITERATIONS, gradientNorm);
            }
            long start = System.nanoTime();
            optimizer.step(f, state);
            gradientNorm = Vectors.norm2(state.gradient());
            listener.iterationDone(state, gradientNorm, System.nanoTime() - start);
        }
    }
}
