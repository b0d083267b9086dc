package dev.downhill.core.optim;

import dev.downhill.core.objective.DifferentiableFunction;

/**
 * A line search for a step t along a descent direction d that satisfies the strong Wolfe conditions on
 * phi(t) = f(x + t d):
 *
 * <pre>
 *   phi(t) - phi(0) <= c1 t phi'(0)          (sufficient decrease, c1 = 1e-4)
 *   |phi'(t)| <= c2 |phi'(0)|                  (curvature, c2 = 0.9)
 * </pre>
 *
 * with phi'(t) = grad f(x + t d) . d. Bracketing, then zoom (Nocedal &amp; Wright, Algorithms 3.5 and 3.6):
 * from the initial step, grow t until an interval [lo, hi] is known to hold acceptable steps, then shrink
 * it. New trial steps are the minimizer of the cubic that matches phi and phi' at both ends (Nocedal &amp;
 * Wright eq. 3.59, written as in Moré &amp; Thuente with theta, gamma scaled by their largest magnitude so
 * that nothing overflows), falling back on a quadratic and then on bisection when the cubic has no
 * minimizer; in the zoom the trial is clamped into the middle 80% of the interval, so the interval shrinks
 * by at least 10% per trial, and when extrapolating it is clamped to t + [1, 10] (t - t_prev).
 *
 * <p>Each trial costs one evaluation of f and grad f (a distributed pass in the driver). The initial step is
 * tried first and accepted at once when it satisfies both conditions, the common case for quasi-Newton
 * directions with t = 1. A trial where f or phi' is not finite is treated as too long.
 *
 * <p>Rounding: near the optimum phi(t) - phi(0) drowns in f's rounding long before phi' does. There the
 * sufficient-decrease test takes its derivative form, the approximate Wolfe condition of Hager &amp; Zhang
 * (2005): phi(t) <= phi(0) + 1e-14 |phi(0)| and phi'(t) <= (2 c1 - 1) phi'(0), which for a quadratic phi is
 * the same test. The search gives up rather than loops when no decrease
 * can be seen any more: when the bracket is narrower than machine precision relative to t or to every
 * coordinate of the point, or when the
 * largest change of phi the bracket allows, |hi - lo| max(|phi'(lo)|, |phi'(hi)|), is below 1e-15 |f|
 * (the rounding level of f itself), or after {@code maxEvaluations} trials. It then returns the best
 * point with sufficient decrease seen so far ({@link Outcome#SUFFICIENT_DECREASE}) if there is one, else
 * {@link Outcome#NO_DECREASE}. A direction with phi'(0) >= 0 (after rounding) is rejected without any
 * evaluation.
 *
 * <p>The object holds only constants; everything a search needs comes as arguments.
 */
public final class WolfeLineSearch {
    public static final double DEFAULT_SUFFICIENT_DECREASE = 1e-4;
    public static final double DEFAULT_CURVATURE = 0.9;
    public static final int DEFAULT_MAX_EVALUATIONS = 20;

    /** A change of phi below this fraction of |f| is treated as rounding noise. */
    static final double ROUNDING = 1e-15;
    /** Where phi(t) - phi(0) is below this fraction of |f|, sufficient decrease is judged by phi'. */
    static final double APPROXIMATE = 1e-14;
    private static final double EPSILON = Math.ulp(1.0);

    private final double c1;
    private final double c2;
    private final int maxEvaluations;

    /** How a search ended. */
    public enum Outcome {
        /** Both strong Wolfe conditions hold at the returned step. */
        STRONG_WOLFE,
        /**
         * The search ran out of trials or of resolution at a step with sufficient decrease (so f went down) where
         * the curvature condition does not hold.
         */
        SUFFICIENT_DECREASE,
        /** phi'(0) >= 0: d is not a descent direction (possibly only after rounding); nothing was evaluated. */
        NOT_A_DESCENT_DIRECTION,
        /** No step with sufficient decrease was found: at machine precision f cannot be lowered along d. */
        NO_DECREASE
    }

    /**
     * The result: the outcome, the accepted step t, f at x + t d and the number of evaluations spent. When
     * {@link #accepted()}, the caller's output arrays hold x + t d and grad f there.
     */
    public record Result(Outcome outcome, double step, double value, int evaluations) {
        /** Whether the step lowers f and may be taken. */
        public boolean accepted() {
            return outcome == Outcome.STRONG_WOLFE || outcome == Outcome.SUFFICIENT_DECREASE;
        }
    }

    public WolfeLineSearch() {
        this(DEFAULT_SUFFICIENT_DECREASE, DEFAULT_CURVATURE, DEFAULT_MAX_EVALUATIONS);
    }

    public WolfeLineSearch(double c1, double c2, int maxEvaluations) {
        if (!(0 < c1 && c1 < c2 && c2 < 1)) {
            throw new IllegalArgumentException("need 0 < c1 < c2 < 1, got c1 = " + c1 + ", c2 = " + c2);
        }
        if (maxEvaluations < 1) {
            throw new IllegalArgumentException("maxEvaluations must be >= 1, got " + maxEvaluations);
        }
        this.c1 = c1;
        this.c2 = c2;
        this.maxEvaluations = maxEvaluations;
    }

    public double sufficientDecrease() {
        return c1;
    }

    public double curvature() {
        return c2;
    }

    public int maxEvaluations() {
        return maxEvaluations;
    }

    /** One point of phi: t, phi(t), phi'(t). */
    private record Trial(double t, double f, double slope) {
        boolean finite() {
            return Double.isFinite(f) && Double.isFinite(slope);
        }
    }

    /** The search's mutable bookkeeping: evaluations spent and the gradient at the best point, if needed. */
    private static final class Work {
        int evaluations;
        double[] bestGradient;
    }

    /**
     * Searches along {@code direction} from {@code x}, where f = {@code value} and grad f = {@code gradient}
     * (none of these is modified). On acceptance, {@code xOut} holds x + t d and {@code gradientOut} grad f
     * there; otherwise both hold scratch values. {@code initialStep} is the first trial.
     */
    public Result search(DifferentiableFunction f, double[] x, double value, double[] gradient, double[] direction,
                         double initialStep, double[] xOut, double[] gradientOut) {
        if (!(initialStep > 0) || Double.isInfinite(initialStep)) {
            throw new IllegalArgumentException("initial step must be positive and finite, got " + initialStep);
        }
        double slope0 = dot(gradient, direction);
        if (!(slope0 < 0) || !Double.isFinite(value)) {
            return new Result(Outcome.NOT_A_DESCENT_DIRECTION, 0.0, value, 0);
        }
        Trial start = new Trial(0.0, value, slope0);
        Work work = new Work();
        Trial previous = start;
        double t = initialStep;
        while (true) {
            if (work.evaluations >= maxEvaluations) {
                return giveUp(x, direction, previous, work, xOut, gradientOut);
            }
            Trial trial = evaluate(f, x, direction, t, xOut, gradientOut, work);
            if (!trial.finite() || !sufficientDecrease(start, trial)
                    || (previous != start && trial.f >= previous.f)) {
                return zoom(f, x, direction, start, previous, trial, work, xOut, gradientOut);
            }
            if (Math.abs(trial.slope) <= -c2 * slope0) {
                return new Result(Outcome.STRONG_WOLFE, trial.t, trial.f, work.evaluations);
            }
            if (trial.slope >= 0) {
                keepGradient(work, gradientOut);
                return zoom(f, x, direction, start, trial, previous, work, xOut, gradientOut);
            }
            // Still going down steeply: t is too short. It becomes the best point; extrapolate beyond it.
            keepGradient(work, gradientOut);
            double width = trial.t - previous.t;
            double next = cubicMinimizer(previous, trial);
            double low = trial.t + width;
            double high = trial.t + 10 * width;
            t = Double.isNaN(next) || next > high ? high : Math.max(next, low);
            previous = trial;
        }
    }

    /**
     * Nocedal &amp; Wright Algorithm 3.6. Invariants: lo has sufficient decrease and the lowest f of such
     * points; phi'(lo) (hi - lo) < 0, so the interval holds a strong Wolfe step.
     */
    private Result zoom(DifferentiableFunction f, double[] x, double[] d, Trial start, Trial lo, Trial hi, Work work,
                        double[] xOut, double[] gradientOut) {
        while (true) {
            double width = Math.abs(hi.t - lo.t);
            if (work.evaluations >= maxEvaluations || width <= EPSILON * Math.max(lo.t, hi.t)
                    || movesNothing(x, d, lo.t, width)) {
                break;
            }
            if (hi.finite()) {
                double change = width * Math.max(Math.abs(lo.slope), Math.abs(hi.slope));
                if (change <= ROUNDING * Math.max(Math.max(Math.abs(start.f), Math.abs(lo.f)), Double.MIN_NORMAL)) {
                    break;
                }
            }
            double t = interpolate(lo, hi);
            Trial trial = evaluate(f, x, d, t, xOut, gradientOut, work);
            if (!trial.finite() || !sufficientDecrease(start, trial) || trial.f >= lo.f) {
                hi = trial;
            } else {
                if (Math.abs(trial.slope) <= -c2 * start.slope) {
                    return new Result(Outcome.STRONG_WOLFE, trial.t, trial.f, work.evaluations);
                }
                if (trial.slope * (hi.t - lo.t) >= 0) {
                    hi = lo;
                }
                lo = trial;
                keepGradient(work, gradientOut);
            }
        }
        return giveUp(x, d, lo, work, xOut, gradientOut);
    }

    /** The best point with sufficient decrease, if it is not the start; else no decrease. */
    private static Result giveUp(double[] x, double[] d, Trial best, Work work, double[] xOut, double[] gradientOut) {
        if (best.t == 0.0) {
            return new Result(Outcome.NO_DECREASE, 0.0, best.f, work.evaluations);
        }
        step(x, d, best.t, xOut);
        System.arraycopy(work.bestGradient, 0, gradientOut, 0, gradientOut.length);
        return new Result(Outcome.SUFFICIENT_DECREASE, best.t, best.f, work.evaluations);
    }

    private boolean sufficientDecrease(Trial start, Trial trial) {
        if (trial.f - start.f <= c1 * trial.t * start.slope) {
            return true;
        }
        // Approximate Wolfe (Hager & Zhang 2005): where f's change is down at its rounding level, take the
        // derivative form of the same test, phi'(t) <= (2 c1 - 1) phi'(0), which is exact for a quadratic phi.
        return trial.f - start.f <= APPROXIMATE * Math.abs(start.f) && trial.slope <= (2 * c1 - 1) * start.slope;
    }

    private static Trial evaluate(DifferentiableFunction f, double[] x, double[] d, double t, double[] xOut,
                                  double[] gradientOut, Work work) {
        step(x, d, t, xOut);
        double value = f.valueAndGradient(xOut, gradientOut);
        work.evaluations++;
        return new Trial(t, value, dot(gradientOut, d));
    }

    /** The best point's gradient is kept because later trials overwrite the output array. */
    private static void keepGradient(Work work, double[] gradient) {
        if (work.bestGradient == null) {
            work.bestGradient = new double[gradient.length];
        }
        System.arraycopy(gradient, 0, work.bestGradient, 0, gradient.length);
    }

    /** Whether moving by up to {@code width} along d from x + t d changes no coordinate beyond rounding. */
    private static boolean movesNothing(double[] x, double[] d, double t, double width) {
        for (int j = 0; j < x.length; j++) {
            if (Math.abs(width * d[j]) > EPSILON * Math.abs(x[j] + t * d[j])) {
                return false;
            }
        }
        return true;
    }

    private static void step(double[] x, double[] d, double t, double[] out) {
        for (int j = 0; j < x.length; j++) {
            out[j] = x[j] + t * d[j];
        }
    }

    /**
     * A trial strictly inside the bracket: the cubic's minimizer, else the quadratic through phi(lo), phi'(lo),
     * phi(hi), else the midpoint, clamped to the middle 80% of the interval. When phi(hi) is not finite (an
     * overflow far out), t = lo + 0.1 (hi - lo).
     */
    private static double interpolate(Trial lo, Trial hi) {
        double a = Math.min(lo.t, hi.t);
        double b = Math.max(lo.t, hi.t);
        double margin = 0.1 * (b - a);
        if (!hi.finite()) {
            return lo.t + 0.1 * (hi.t - lo.t);
        }
        double t = cubicMinimizer(lo, hi);
        if (Double.isNaN(t)) {
            t = quadraticMinimizer(lo, hi);
        }
        if (Double.isNaN(t)) {
            t = 0.5 * (a + b);
        }
        return Math.min(Math.max(t, a + margin), b - margin);
    }

    /**
     * Minimizer of the cubic with values and slopes p, q at both ends, or NaN when it has none:
     * theta = 3 (f_p - f_q) / (t_q - t_p) + s_p + s_q, gamma = sign(t_q - t_p) sqrt(theta^2 - s_p s_q),
     * t = t_p + (t_q - t_p) (gamma - s_p + theta) / (2 gamma - s_p + s_q).
     */
    static double cubicMinimizer(Trial p, Trial q) {
        double theta = 3 * (p.f - q.f) / (q.t - p.t) + p.slope + q.slope;
        double scale = Math.max(Math.abs(theta), Math.max(Math.abs(p.slope), Math.abs(q.slope)));
        if (!(scale > 0) || Double.isInfinite(scale)) {
            return Double.NaN;
        }
        double discriminant = (theta / scale) * (theta / scale) - (p.slope / scale) * (q.slope / scale);
        if (discriminant < 0) {
            return Double.NaN;
        }
        double gamma = scale * Math.sqrt(discriminant);
        if (q.t < p.t) {
            gamma = -gamma;
        }
        double num = gamma - p.slope + theta;
        double den = 2 * gamma - p.slope + q.slope;
        double t = p.t + (q.t - p.t) * (num / den);
        return Double.isFinite(t) ? t : Double.NaN;
    }

    /** Minimizer of the quadratic with phi(lo), phi'(lo), phi(hi), or NaN when it opens downward. */
    private static double quadraticMinimizer(Trial lo, Trial hi) {
        double h = hi.t - lo.t;
        double curvature = (hi.f - lo.f - lo.slope * h) / (h * h);
        if (!(curvature > 0)) {
            return Double.NaN;
        }
        double t = lo.t - lo.slope / (2 * curvature);
        return Double.isFinite(t) ? t : Double.NaN;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0.0;
        for (int j = 0; j < a.length; j++) {
            s += a[j] * b[j];
        }
        return s;
    }
}
