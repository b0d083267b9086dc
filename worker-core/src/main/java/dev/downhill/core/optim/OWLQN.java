package dev.downhill.core.optim;

import dev.downhill.core.objective.DifferentiableFunction;
import dev.downhill.core.objective.L1Penalty;

/**
 * Orthant-wise limited-memory quasi-Newton (OWL-QN, Andrew &amp; Gao 2007) for F(x) = f(x) + h(x), f smooth and
 * h(x) = sum_j c_j |x_j| the {@link L1Penalty}. Within one orthant h is linear, so L-BFGS applies there; the
 * rule keeps each iteration inside the orthant it starts in:
 *
 * <ol>
 *   <li>Pseudo-gradient v = the minimum-norm subgradient of F: v_j = g_j + c_j sign(x_j) where x_j != 0;
 *       where x_j = 0, v_j = g_j + c_j if g_j + c_j < 0, g_j - c_j if g_j - c_j > 0, else 0.</li>
 *   <li>Direction d = -H v (two-loop recursion over pairs s = x_{k+1} - x_k, y = grad f(x_{k+1}) - grad f(x_k)
 *       of the smooth part only, {@link LbfgsHistory}), then projected: d_j = 0 where d_j v_j >= 0, so d
 *       agrees in sign with -v. This keeps v . d <= (v . d before projection) < 0.</li>
 *   <li>Orthant xi_j = sign(x_j), or sign(-v_j) where x_j = 0; trial points are projected onto it,
 *       x(t)_j = x_j + t d_j if that has sign xi_j, else 0. Coordinates can reach 0 exactly and stay there
 *       while |g_j| <= c_j.</li>
 *   <li>Backtracking from t = 1 (t = min(1, 1 / ||v||_1) with no history) until the Armijo condition on F along
 *       the projected path holds: F(x(t)) - F(x) <= c1 v . (x(t) - x), c1 = 1e-4. Each new t is the minimizer
 *       of the quadratic through F(x), v . d and F(x(t)), clamped to [0.1 t, 0.5 t].</li>
 * </ol>
 *
 * Coordinates with c_j = 0 (intercepts) are neither projected nor confined to an orthant: they move as in
 * plain L-BFGS. A pair with s . y <= 1e-10 ||s|| ||y|| is not stored (without a curvature condition in the
 * search, s . y is positive only by convexity of f).
 *
 * <p>Failure: the search gives up when the predicted change |v . (x(t) - x)| falls below 1e-15 |F| (rounding
 * level) or after 20 trials. As in {@link LBFGS}, the history is then dropped and the search retried along
 * -v; if that fails too {@link #step} returns false with the state's x, f and gradient unchanged.
 *
 * <p>{@link #stationarity} is ||v|| ({@link L1Penalty#stationarity}), {@link #objective} is f + h. State: the
 * history under "owlqn." (as "lbfgs." in {@link LBFGS}). f must be the same function every iteration.
 */
public final class OWLQN implements Optimizer {
    static final String PREFIX = "owlqn.";
    static final double SUFFICIENT_DECREASE = 1e-4;
    static final int MAX_EVALUATIONS = 20;

    private final L1Penalty penalty;
    private final LbfgsHistory history;

    public OWLQN(L1Penalty penalty) {
        this(penalty, LBFGS.DEFAULT_HISTORY);
    }

    public OWLQN(L1Penalty penalty, int history) {
        this.penalty = penalty;
        this.history = new LbfgsHistory(PREFIX, history);
    }

    public L1Penalty penalty() {
        return penalty;
    }

    public int history() {
        return history.capacity();
    }

    @Override
    public String name() {
        return "owlqn";
    }

    @Override
    public OptimizerState initialize(DifferentiableFunction f, double[] x0) {
        if (f.dimension() != penalty.dimension()) {
            throw new IllegalArgumentException("the L1 penalty has " + penalty.dimension()
                    + " weights but the function has " + f.dimension() + " parameters");
        }
        return Optimizer.super.initialize(f, x0);
    }

    @Override
    public double stationarity(OptimizerState state) {
        return penalty.stationarity(state.x(), state.gradient());
    }

    @Override
    public double objective(OptimizerState state) {
        return state.value() + penalty.value(state.x());
    }

    /** Writes the pseudo-gradient v (the minimum-norm subgradient of f + h) at the state into {@code out}. */
    public void pseudoGradient(OptimizerState state, double[] out) {
        penalty.minimumNormSubgradient(state.x(), state.gradient(), out);
    }

    /** Writes the projected search direction at the state: -H v, zeroed where it disagrees in sign with -v. */
    public void direction(OptimizerState state, double[] direction) {
        double[] v = new double[direction.length];
        pseudoGradient(state, v);
        direction(state, v, direction);
    }

    private void direction(OptimizerState state, double[] v, double[] d) {
        history.multiplyInverseHessian(state, v, d);
        for (int j = 0; j < d.length; j++) {
            d[j] = -d[j];
        }
        penalty.projectDirection(d, v);
    }

    /** The search's outcome: whether a step was found, its t, f (smooth part) there, evaluations spent. */
    private record Search(boolean accepted, double step, double value, int evaluations) {
    }

    @Override
    public boolean step(DifferentiableFunction f, OptimizerState state) {
        double[] x = state.x();
        double[] g = state.gradient();
        int n = x.length;
        double[] v = new double[n];
        double[] d = new double[n];
        double[] xNew = new double[n];
        double[] gNew = new double[n];
        pseudoGradient(state, v);
        double objective = objective(state);
        Search r = null;
        if (history.size(state) > 0) {
            direction(state, v, d);
            r = search(f, x, objective, v, d, 1.0, xNew, gNew);
            state.addEvaluations(r.evaluations());
        }
        if (r == null || !r.accepted()) {
            history.clear(state);
            direction(state, v, d);
            r = search(f, x, objective, v, d, LBFGS.firstStep(v), xNew, gNew);
            state.addEvaluations(r.evaluations());
            if (!r.accepted()) {
                return false;
            }
        }
        history.moveTo(state, xNew, gNew, r.value(), r.step());
        return true;
    }

    /**
     * Backtracking along the orthant-projected path from x (where F = {@code objective} and the pseudo-gradient
     * is v) in direction d; on acceptance xOut holds x(t) and gradientOut grad f there.
     */
    private Search search(DifferentiableFunction f, double[] x, double objective, double[] v, double[] d,
                          double initialStep, double[] xOut, double[] gradientOut) {
        double slope = 0;
        for (int j = 0; j < x.length; j++) {
            slope += v[j] * d[j];
        }
        if (!(slope < 0) || !Double.isFinite(objective)) {
            return new Search(false, 0.0, Double.NaN, 0);
        }
        double noise = WolfeLineSearch.ROUNDING * Math.max(Math.abs(objective), Double.MIN_NORMAL);
        double t = initialStep;
        int evaluations = 0;
        while (evaluations < MAX_EVALUATIONS) {
            double predicted = penalty.orthantPoint(x, d, v, t, xOut);
            if (-predicted <= noise) {
                break;
            }
            double value = f.valueAndGradient(xOut, gradientOut);
            evaluations++;
            double full = value + penalty.value(xOut);
            if (Double.isFinite(full) && Double.isFinite(value) && full - objective <= SUFFICIENT_DECREASE * predicted
                    && allFinite(gradientOut)) {
                return new Search(true, t, value, evaluations);
            }
            t = backtrack(t, objective, slope, full);
        }
        return new Search(false, 0.0, Double.NaN, evaluations);
    }

    /** The quadratic model's minimizer -slope t^2 / (2 (F(t) - F(0) - slope t)), clamped to [0.1 t, 0.5 t]. */
    static double backtrack(double t, double f0, double slope, double ft) {
        double excess = ft - f0 - slope * t;
        double next = excess > 0 && Double.isFinite(ft) ? -slope * t * t / (2 * excess) : 0.1 * t;
        return Math.min(Math.max(next, 0.1 * t), 0.5 * t);
    }

    private static boolean allFinite(double[] v) {
        for (double x : v) {
            if (!Double.isFinite(x)) {
                return false;
            }
        }
        return true;
    }
}
