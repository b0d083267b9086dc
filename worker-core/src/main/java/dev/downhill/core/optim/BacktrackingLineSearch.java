package dev.downhill.core.optim;

import dev.downhill.core.linalg.Vectors;
import dev.downhill.core.objective.DifferentiableFunction;

/**
 * Gradient descent with a backtracking (Armijo) line search (Nocedal and Wright, Numerical Optimization,
 * 2nd ed., Algorithm 3.1): along d = -grad f(x), accept the first trial step t of t_0, t_0/2, t_0/4, ...
 * with the sufficient decrease
 *
 * <pre>  f(x + t d) <= f(x) + c1 t grad f(x)·d = f(x) - c1 t ||grad f(x)||^2,   c1 = 1e-4,</pre>
 *
 * and f(x + t d) < f(x) (implied in exact arithmetic; it matters once c1 t ||grad f||^2 is below the
 * rounding of f, where the bound rounds to f(x)).
 *
 * <p>Each evaluation is a distributed pass, so the search is frugal: the first trial evaluates f and grad f
 * (when it is accepted, as it usually is, the iteration costs one pass); later trials evaluate f alone,
 * and the accepted point then gets one evaluation of f and grad f. The next iteration's first trial is
 * twice the accepted step, t_0 = 2 t_{k-1}, kept in the state as "gd-linesearch.step" (the very first
 * is the constructor's initial step; the driver gives 1/L). So the step adapts to the local curvature
 * and can exceed 1/L where f is flatter than the bound says.
 *
 * <p>If no trial satisfies the test within 60 halvings, or the step becomes so small that x + t d
 * rounds to x in every coordinate, {@link #step} returns false with x, f and grad f unchanged (and the
 * next-trial step unchanged): at machine precision nothing decreases f along -grad f. Because the test
 * compares values of f, it resolves a decrease only down to f's rounding, eps |f|; near a minimizer with
 * curvature mu that is a distance of about sqrt(2 eps |f| / mu) from it, so the search stops with
 * ||grad f|| near sqrt(eps) (1e-8) times the problem's scale, not at eps. A trial whose f
 * is NaN or infinite is rejected like any other. Meant for a deterministic f; on mini-batches f(x) and
 * f(x + t d) would come from different batches.
 */
public final class BacktrackingLineSearch implements Optimizer {
    /** c1 in the Armijo test. */
    public static final double SUFFICIENT_DECREASE = 1e-4;
    /** Each rejected trial multiplies the step by this. */
    public static final double SHRINK = 0.5;
    /** The next iteration's first trial is the accepted step times this. */
    public static final double GROWTH = 2.0;
    /** Halvings tried before giving up. */
    public static final int MAX_HALVINGS = 60;

    static final String NEXT_STEP = "gd-linesearch.step";

    private final double initialStep;

    /** @param initialStep the first iteration's first trial step (e.g. 1/L); positive and finite */
    public BacktrackingLineSearch(double initialStep) {
        this.initialStep = HyperParameters.positive(initialStep, "initial step");
    }

    public double initialStep() {
        return initialStep;
    }

    @Override
    public String name() {
        return "gd-linesearch";
    }

    @Override
    public boolean step(DifferentiableFunction f, OptimizerState state) {
        double[] x = state.x();
        double[] g = state.gradient();
        double f0 = state.value();
        double gradientNormSquared = Vectors.dot(g, g);
        if (!(gradientNormSquared > 0.0)) {
            return false; // grad f = 0: x is stationary, no direction to search
        }
        double t = state.scalar(NEXT_STEP, initialStep);
        double[] trial = new double[x.length];
        double[] trialGradient = new double[x.length];
        int evaluations = 0;
        double accepted = Double.NaN;
        for (int halvings = 0; halvings <= MAX_HALVINGS; halvings++, t *= SHRINK) {
            boolean moved = false;
            for (int j = 0; j < x.length; j++) {
                trial[j] = x[j] - t * g[j];
                moved |= trial[j] != x[j];
            }
            if (!moved) {
                break;
            }
            double value = evaluations == 0 ? f.valueAndGradient(trial, trialGradient) : f.value(trial);
            evaluations++;
            // Strictly below f(x) too: once c1 t ||g||^2 is below the rounding of f(x), the Armijo bound
            // rounds to f(x) and would accept a trial that does not decrease f at all.
            if (value <= f0 - SUFFICIENT_DECREASE * t * gradientNormSquared && value < f0) {
                accepted = value;
                break;
            }
        }
        if (Double.isNaN(accepted)) {
            state.addEvaluations(evaluations);
            return false;
        }
        if (evaluations > 1) {
            // Only the first trial computed a gradient; the accepted one needs its own.
            accepted = f.valueAndGradient(trial, trialGradient);
            evaluations++;
        }
        System.arraycopy(trial, 0, x, 0, x.length);
        System.arraycopy(trialGradient, 0, g, 0, g.length);
        state.setValue(accepted);
        state.addEvaluations(evaluations);
        state.setLastStepSize(t);
        state.putScalar(NEXT_STEP, GROWTH * t);
        state.setIteration(state.iteration() + 1);
        return true;
    }
}
