package dev.downhill.core.optim;

import dev.downhill.core.objective.DifferentiableFunction;
import dev.downhill.core.objective.L1Penalty;
import java.util.Arrays;

/**
 * Proximal gradient for F = f + h with f smooth (the data term and any L2 penalty) and h the
 * {@link L1Penalty} (lasso, or elastic net with the L2 part in f). With the proximal map
 * p_t(y) = prox_{t h}(y - t grad f(y)) (soft-thresholding), both variants backtrack on the composite
 * test of Beck and Teboulle ("A fast iterative shrinkage-thresholding algorithm for linear inverse
 * problems", SIAM J. Imaging Sci. 2, 2009):
 *
 * <pre>  f(z) <= f(y) + grad f(y)·(z - y) + ||z - y||^2 / (2t),   z = p_t(y),</pre>
 *
 * together with F(z) < F(y) (implied in exact arithmetic, demanded so that a pass at rounding level is not
 * progress), halving t until both hold, with the cost rule of {@link BacktrackingLineSearch}: the first trial
 * evaluates f and grad f, later trials f alone, and an accepted later trial one more f and grad f.
 *
 * <ul>
 * <li>{@link #ista} ("proximal"): y = x_k, x_{k+1} = p_t(x_k). The test gives
 * F(x_{k+1}) <= F(x_k) - ||x_{k+1} - x_k||^2 / (2t), so F never rises. Each iteration's first trial is
 * twice the last accepted step (as in {@link BacktrackingLineSearch}), kept as "proximal.step".
 * <li>{@link #fista} ("fista"): FISTA with backtracking that lets the step grow (Scheinberg, Goldfarb and
 * Bai, "Fast first-order methods for composite convex optimization with backtracking", Found. Comput. Math.
 * 14, 2014; Calatroni and Chambolle, SIAM J. Optim. 29, 2019) and the adaptive restarts of O'Donoghue and
 * Candes ("Adaptive restart for accelerated gradient schemes", Found. Comput. Math. 15, 2015), monotone like
 * MFISTA. With y_1 = x_0, t_1 = 1, tau_1 the initial step, g = {@link #FISTA_GROWTH}:
 * <pre>
 *   z_k = p_tau(y_k), tau backtracked from tau_k
 *   function restart: if F(z_k) >= F(x_{k-1}):  t_k = 1, y_k = x_{k-1}, z_k = p_tau(x_{k-1}) (same iteration,
 *                     backtracking from the tau accepted at y_k)
 *   x_k = z_k,   tau_{k+1} = g tau (the next first trial),   t_{k+1} = (1 + sqrt(1 + 4 t_k^2 / g)) / 2
 *   y_{k+1} = x_k + ((t_k - 1) / t_{k+1}) (x_k - x_{k-1})
 *   gradient restart: if (y_k - z_k)·(z_k - x_{k-1}) > 0:  t_{k+1} = 1, y_{k+1} = x_k
 * </pre>
 * Why restarts: plain MFISTA ("x_k = x_{k-1} if F(z_k) > F(x_{k-1})") keeps t_k growing, so after an overshoot
 * y_{k+1} = x_{k-1} + (t_k / t_{k+1})(z_k - x_{k-1}) keeps aiming at the rejected z_k; on a logistic + L1
 * problem it kept x exactly for a dozen iterations at a time (which also ends a run on the objective
 * tolerance) and stalled 2e-5 above the optimum. (y_k - z_k) / tau is the gradient map at y_k: the gradient
 * restart fires when the step just taken, z_k - x_{k-1}, points uphill along it, i.e. the momentum opposes
 * the descent direction. After either restart every iteration has F(x_k) < F(x_{k-1}) strictly.
 * <p>Why the step grows: Beck and Teboulle's backtracking never lets it grow, and 1/L from a trace bound can be
 * far too small (30 times on a logistic sample, where ISTA's growing step reached 23 / L). Growth is safe for
 * the O(1/k^2) analysis when tau_{k+1} t_{k+1} (t_{k+1} - 1) <= tau_k t_k^2 (the two papers above); the
 * t-update above gives equality at the first trial g tau_k, and a backtracked tau_{k+1} only makes the left
 * side smaller, so y_{k+1} can be fixed before the search. The price: t grows more slowly (at most to
 * 1 / (1 - 1/g) = 5 while every search backtracks). Restarts reset that analysis, so no global O(1/k^2)
 * bound is claimed; F decreases monotonically, and each restart's first iteration is a proximal step.
 * <p>y_{k+1}, t_{k+1} and tau_{k+1} are "fista.y", "fista.t" and "fista.step". An iteration costs an
 * evaluation of f and grad f at y_k (skipped when y_k = x_{k-1}) plus the search, plus a search from x_{k-1}
 * on a function restart or when the search at y_k fails or f(y_k) is not finite (then t_k = 1 too, and the
 * search from x_{k-1} starts at tau_k).
 * </ul>
 *
 * <p>If no trial passes within 60 halvings, or z rounds to y, {@link #step} returns false with x, f and
 * grad f unchanged: the iterate is optimal to machine precision. As with {@link BacktrackingLineSearch},
 * a test on values resolves x to about sqrt(2 eps |F| / mu), so the minimum-norm subgradient at that stop
 * is near sqrt(eps) (1e-8) times the problem's scale. {@link #stationarity} is the norm of the
 * minimum-norm subgradient of f + h and {@link #objective} is f + h.
 */
public final class ProximalGradient implements Optimizer {
    /** Each rejected trial multiplies the step by this. */
    public static final double SHRINK = 0.5;
    /** ISTA's next first trial is the accepted step times this. */
    public static final double GROWTH = 2.0;
    /**
     * FISTA's next first trial is the accepted step times this; its t-update divides t_k^2 by it. Mild, as in
     * Calatroni and Chambolle 2019: it also caps t (at 1.25 / 0.25 = 5) while the step keeps backtracking.
     */
    public static final double FISTA_GROWTH = 1.25;
    /** Halvings tried before giving up. */
    public static final int MAX_HALVINGS = 60;

    static final String ISTA_STEP = "proximal.step";
    static final String FISTA_STEP = "fista.step";
    static final String FISTA_Y = "fista.y";
    static final String FISTA_T = "fista.t";

    private final L1Penalty penalty;
    private final double initialStep;
    private final boolean accelerated;

    /**
     * @param penalty h; its dimension must be f's
     * @param initialStep the first trial step (e.g. 1/L); positive and finite
     * @param accelerated FISTA with restarts if true, ISTA if false
     */
    public ProximalGradient(L1Penalty penalty, double initialStep, boolean accelerated) {
        if (penalty == null) {
            throw new IllegalArgumentException("L1 penalty must not be null");
        }
        this.penalty = penalty;
        this.initialStep = HyperParameters.positive(initialStep, "initial step");
        this.accelerated = accelerated;
    }

    /** ISTA with backtracking, "proximal". */
    public static ProximalGradient ista(L1Penalty penalty, double initialStep) {
        return new ProximalGradient(penalty, initialStep, false);
    }

    /** Monotone FISTA with backtracking and adaptive restart, "fista". */
    public static ProximalGradient fista(L1Penalty penalty, double initialStep) {
        return new ProximalGradient(penalty, initialStep, true);
    }

    public L1Penalty penalty() {
        return penalty;
    }

    public double initialStep() {
        return initialStep;
    }

    public boolean accelerated() {
        return accelerated;
    }

    @Override
    public String name() {
        return accelerated ? "fista" : "proximal";
    }

    @Override
    public OptimizerState initialize(DifferentiableFunction f, double[] x0) {
        if (f.dimension() != penalty.dimension() || x0.length != penalty.dimension()) {
            throw new IllegalArgumentException("L1 penalty has dimension " + penalty.dimension() + ", f has "
                    + f.dimension() + " and x0 " + x0.length);
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

    @Override
    public boolean step(DifferentiableFunction f, OptimizerState state) {
        return accelerated ? fistaStep(f, state) : istaStep(f, state);
    }

    private boolean istaStep(DifferentiableFunction f, OptimizerState state) {
        Search s = search(f, state.x(), state.value(), state.gradient(), state.scalar(ISTA_STEP, initialStep));
        state.addEvaluations(s.evaluations);
        if (!s.accepted) {
            return false;
        }
        moveTo(state, s);
        state.putScalar(ISTA_STEP, GROWTH * s.step);
        return true;
    }

    private boolean fistaStep(DifferentiableFunction f, OptimizerState state) {
        double[] x = state.x();
        double tk = state.scalar(FISTA_T, 1.0);
        double step = state.scalar(FISTA_STEP, initialStep);
        double[] y = state.vector(FISTA_Y);
        double fx = state.value() + penalty.value(x);
        Search s = null;
        if (y == null || Arrays.equals(y, x)) {
            y = x; // y_k = x_{k-1}: its f and grad f are known
        } else {
            double[] yGradient = new double[x.length];
            double fy = f.valueAndGradient(y, yGradient);
            state.addEvaluations(1);
            if (Double.isFinite(fy)) {
                s = search(f, y, fy, yGradient, step);
                state.addEvaluations(s.evaluations);
                if (s.accepted && !(s.value + penalty.value(s.point) < fx)) {
                    step = s.step; // function restart: z_k passed the test at y_k but the momentum overshot
                    s = null;
                }
            }
            if (s == null || !s.accepted) {
                tk = 1.0; // restart the momentum and search from x_{k-1} itself
                y = x;
                s = null;
            }
        }
        if (s == null) {
            s = search(f, x, state.value(), state.gradient(), step);
            state.addEvaluations(s.evaluations);
            if (!s.accepted) {
                return false;
            }
        }
        double[] previous = x.clone();
        double uphill = 0.0; // (y_k - z_k)·(z_k - x_{k-1})
        for (int j = 0; j < x.length; j++) {
            uphill += (y[j] - s.point[j]) * (s.point[j] - previous[j]);
        }
        moveTo(state, s);
        if (uphill > 0) {
            // Gradient restart: the next iteration is a proximal step from x_k.
            state.putVector(FISTA_Y, x.clone());
            state.putScalar(FISTA_T, 1.0);
            state.putScalar(FISTA_STEP, FISTA_GROWTH * s.step);
            return true;
        }
        // t_{k+1} (t_{k+1} - 1) = (t_k^2 / FISTA_GROWTH): tau_{k+1} t_{k+1} (t_{k+1} - 1) <= tau_k t_k^2 for any
        // accepted tau_{k+1} <= FISTA_GROWTH tau_k.
        double tNext = (1 + Math.sqrt(1 + 4 * tk * tk / FISTA_GROWTH)) / 2;
        double[] yNext = new double[x.length];
        double beta = (tk - 1) / tNext;
        for (int j = 0; j < x.length; j++) {
            yNext[j] = x[j] + beta * (x[j] - previous[j]);
        }
        state.putVector(FISTA_Y, yNext);
        state.putScalar(FISTA_T, tNext);
        state.putScalar(FISTA_STEP, FISTA_GROWTH * s.step);
        return true;
    }

    private static void moveTo(OptimizerState state, Search s) {
        System.arraycopy(s.point, 0, state.x(), 0, s.point.length);
        System.arraycopy(s.gradient, 0, state.gradient(), 0, s.gradient.length);
        state.setValue(s.value);
        state.setLastStepSize(s.step);
        state.setIteration(state.iteration() + 1);
    }

    /** The outcome of a backtracking search from y: the accepted z = p_t(y), f(z), grad f(z), t. */
    private record Search(boolean accepted, double[] point, double value, double[] gradient, double step,
                          int evaluations) {
    }

    private Search search(DifferentiableFunction f, double[] y, double fy, double[] yGradient, double step) {
        double[] z = new double[y.length];
        double[] zGradient = new double[y.length];
        int evaluations = 0;
        double t = step;
        double hy = penalty.value(y);
        for (int halvings = 0; halvings <= MAX_HALVINGS; halvings++, t *= SHRINK) {
            for (int j = 0; j < y.length; j++) {
                z[j] = y[j] - t * yGradient[j];
            }
            penalty.prox(z, t);
            double linear = 0.0;
            double squared = 0.0;
            for (int j = 0; j < y.length; j++) {
                double d = z[j] - y[j];
                linear += yGradient[j] * d;
                squared += d * d;
            }
            if (squared == 0.0) {
                break; // z rounds to y: y is a fixed point of p_t to machine precision
            }
            double fz = evaluations == 0 ? f.valueAndGradient(z, zGradient) : f.value(z);
            evaluations++;
            // F(z) < F(y) is implied in exact arithmetic (prox optimality gives F(z) <= F(y) - ||z - y||^2 / (2t));
            // demanded explicitly, it keeps a rounding-level "pass" from counting as progress.
            if (fz <= fy + linear + squared / (2 * t) && fz + penalty.value(z) < fy + hy) {
                if (evaluations > 1) {
                    fz = f.valueAndGradient(z, zGradient);
                    evaluations++;
                }
                return new Search(true, z, fz, zGradient, t, evaluations);
            }
        }
        return new Search(false, null, Double.NaN, null, Double.NaN, evaluations);
    }
}
