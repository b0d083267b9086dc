package dev.downhill.core.optim;

import dev.downhill.core.objective.DifferentiableFunction;

/**
 * Limited-memory BFGS (Nocedal &amp; Wright, Algorithm 7.5): x_{k+1} = x_k + t_k d_k with d_k = -H_k grad f(x_k),
 * H_k the inverse-Hessian approximation built by the two-loop recursion from the last m curvature pairs
 * (s_i, y_i) and H_0 = gamma I, gamma = s.y / y.y of the newest pair (see {@link LbfgsHistory}), and t_k from
 * a {@link WolfeLineSearch} (strong Wolfe, c1 = 1e-4, c2 = 0.9), whose curvature condition guarantees
 * s.y >= (1 - c2) |grad f(x_k) . s| > 0, so H stays positive definite.
 *
 * <p>Trial step: t = 1 once a pair is stored (the quasi-Newton step is already scaled by gamma). With no pair (the
 * first iteration, or after a reset) d = -grad f and the first trial is t = min(1, 1 / ||grad f||_1), so that no
 * coordinate moves by more than 1 on the first trial of a steep start; the line search lengthens it when that is too
 * short. When the caller knows the curvature at the start h ({@link #withFirstTrial}), the first trial is t = 1/h
 * instead: in whitened variables (Hessian about I, see {@code Whitening}) t = 1 makes -t grad f the Newton step; in
 * standardized ones t = 1/l''(0) is the Newton step for uncorrelated features.
 *
 * <p>When the line search finds no decrease along the quasi-Newton direction (or that direction is not a
 * descent direction after rounding), the history is forgotten and the search is tried once more along
 * -grad f. If that fails too, {@link #step} returns false with x, f and grad f unchanged (the history is
 * left empty): at machine precision no step lowers f, and the {@link Minimizer} stops with
 * {@link StopReason#NO_PROGRESS}. Every trial of every search counts as an evaluation.
 *
 * <p>The line search compares values of f, so f must be the same function at every iteration (no
 * mini-batches). State: the history under "lbfgs." (vectors "lbfgs.s0".., "lbfgs.y0".., scalars
 * "lbfgs.pairs", "lbfgs.newest"). Memory: vectors of the parameters' size, 2m + 2 in the state (history, x,
 * grad f) and 3 per step (direction, trial point, its gradient), plus 1 in the line search when the first
 * trial is not accepted.
 */
public final class LBFGS implements Optimizer {
    public static final int DEFAULT_HISTORY = 10;
    static final String PREFIX = "lbfgs.";

    private final LbfgsHistory history;
    private final WolfeLineSearch lineSearch;
    /** The first trial with no history; NaN for min(1, 1 / ||grad f||_1). */
    private final double firstTrial;

    public LBFGS() {
        this(DEFAULT_HISTORY);
    }

    public LBFGS(int history) {
        this(history, new WolfeLineSearch());
    }

    public LBFGS(int history, WolfeLineSearch lineSearch) {
        this(history, lineSearch, Double.NaN);
    }

    private LBFGS(int history, WolfeLineSearch lineSearch, double firstTrial) {
        this.history = new LbfgsHistory(PREFIX, history);
        this.lineSearch = lineSearch;
        this.firstTrial = firstTrial;
    }

    /** With no history the first trial is {@code firstTrial} (positive and finite), 1/h for curvature h. */
    public static LBFGS withFirstTrial(int history, double firstTrial) {
        if (!(firstTrial > 0) || Double.isInfinite(firstTrial)) {
            throw new IllegalArgumentException("first trial must be positive and finite, got " + firstTrial);
        }
        return new LBFGS(history, new WolfeLineSearch(), firstTrial);
    }

    /** m, the number of curvature pairs kept. */
    public int history() {
        return history.capacity();
    }

    @Override
    public String name() {
        return "lbfgs";
    }

    /** Writes the search direction -H grad f at the state into {@code direction} (-grad f with no history). */
    public void direction(OptimizerState state, double[] direction) {
        history.multiplyInverseHessian(state, state.gradient(), direction);
        for (int j = 0; j < direction.length; j++) {
            direction[j] = -direction[j];
        }
    }

    @Override
    public boolean step(DifferentiableFunction f, OptimizerState state) {
        double[] x = state.x();
        double[] g = state.gradient();
        int n = x.length;
        double[] d = new double[n];
        double[] xNew = new double[n];
        double[] gNew = new double[n];
        WolfeLineSearch.Result r = null;
        if (history.size(state) > 0) {
            direction(state, d);
            r = lineSearch.search(f, x, state.value(), g, d, 1.0, xNew, gNew);
            state.addEvaluations(r.evaluations());
        }
        if (r == null || !r.accepted()) {
            history.clear(state);
            direction(state, d);
            double t0 = Double.isNaN(firstTrial) ? firstStep(g) : firstTrial;
            r = lineSearch.search(f, x, state.value(), g, d, t0, xNew, gNew);
            state.addEvaluations(r.evaluations());
            if (!r.accepted()) {
                return false;
            }
        }
        history.moveTo(state, xNew, gNew, r.value(), r.step());
        return true;
    }

    /** min(1, 1 / ||v||_1), and 1 when v is 0 or the norm is not finite (the search then rejects the direction). */
    static double firstStep(double[] v) {
        double norm1 = 0;
        for (double vj : v) {
            norm1 += Math.abs(vj);
        }
        return firstStepFromNorm1(norm1);
    }

    /** min(1, 1 / norm1), and 1 when norm1 <= 1 or is not finite: the first trial with no history. */
    static double firstStepFromNorm1(double norm1) {
        return norm1 > 1 && Double.isFinite(norm1) ? 1.0 / norm1 : 1.0;
    }
}
