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
 * <p>The search itself sees only phi ({@link LineFunction}): the array version and vector-free L-BFGS's handle
 * version run the same code. The object holds only constants; everything a search needs comes as arguments.
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

    /**
     * phi(t) = f(x + t d) and phi'(t) = grad f(x + t d) . d, the one-dimensional function the search works on,
     * with the point x + t d and its gradient kept by the implementation: a plain array version for
     * {@link #search(DifferentiableFunction, double[], double, double[], double[], double, double[], double[])}
     * and a handle version for vector-free L-BFGS, both driven by the same search.
     */
    public interface LineFunction {
        /** phi and phi' at one t. */
        record Sample(double value, double slope) {
        }

        /** Evaluates f and grad f at x + t d (one evaluation); that point becomes the current one. */
        Sample evaluate(double t);

        /** The current point is the best so far with sufficient decrease: keep it (later trials replace current). */
        void keepCurrent();

        /** Give up at the kept best point, evaluated at step t: it becomes the current one again. */
        void restoreBest(double t);

        /** Whether moving from x + t d by up to {@code width} along d changes no coordinate beyond rounding. */
        boolean changesNothing(double t, double width);
    }

    /** The search's mutable bookkeeping: evaluations spent. */
    private static final class Work {
        int evaluations;
    }

    /**
     * Searches along {@code direction} from {@code x}, where f = {@code value} and grad f = {@code gradient}
     * (none of these is modified). On acceptance, {@code xOut} holds x + t d and {@code gradientOut} grad f
     * there; otherwise both hold scratch values. {@code initialStep} is the first trial.
     */
    public Result search(DifferentiableFunction f, double[] x, double value, double[] gradient, double[] direction,
                         double initialStep, double[] xOut, double[] gradientOut) {
        checkInitialStep(initialStep);
        return search(new ArrayLine(f, x, direction, xOut, gradientOut), value, dot(gradient, direction),
                initialStep);
    }

    private static void checkInitialStep(double initialStep) {
        if (!(initialStep > 0) || Double.isInfinite(initialStep)) {
            throw new IllegalArgumentException("initial step must be positive and finite, got " + initialStep);
        }
    }

    /**
     * Searches phi from t = 0, where phi(0) = {@code value} and phi'(0) = {@code slope0}; {@code initialStep} is
     * the first trial. On acceptance the line's current point is at the returned step.
     */
    public Result search(LineFunction line, double value, double slope0, double initialStep) {
        checkInitialStep(initialStep);
        if (!(slope0 < 0) || !Double.isFinite(value)) {
            return new Result(Outcome.NOT_A_DESCENT_DIRECTION, 0.0, value, 0);
        }
        Trial start = new Trial(0.0, value, slope0);
        Work work = new Work();
        Trial previous = start;
        double t = initialStep;
        while (true) {
            if (work.evaluations >= maxEvaluations) {
                return giveUp(line, previous, work);
            }
            Trial trial = evaluate(line, t, work);
            if (!trial.finite() || !sufficientDecrease(start, trial)
                    || (previous != start && trial.f >= previous.f)) {
                return zoom(line, start, previous, trial, work);
            }
            if (Math.abs(trial.slope) <= -c2 * slope0) {
                return new Result(Outcome.STRONG_WOLFE, trial.t, trial.f, work.evaluations);
            }
            if (trial.slope >= 0) {
                line.keepCurrent();
                return zoom(line, start, trial, previous, work);
            }
            // Still going down steeply: t is too short. It becomes the best point; extrapolate beyond it.
            line.keepCurrent();
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
    private Result zoom(LineFunction line, Trial start, Trial lo, Trial hi, Work work) {
        while (true) {
            double width = Math.abs(hi.t - lo.t);
            if (work.evaluations >= maxEvaluations || width <= EPSILON * Math.max(lo.t, hi.t)
                    || line.changesNothing(lo.t, width)) {
                break;
            }
            if (hi.finite()) {
                double change = width * Math.max(Math.abs(lo.slope), Math.abs(hi.slope));
                if (change <= ROUNDING * Math.max(Math.max(Math.abs(start.f), Math.abs(lo.f)), Double.MIN_NORMAL)) {
                    break;
                }
            }
            double t = interpolate(lo, hi);
            Trial trial = evaluate(line, t, work);
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
                line.keepCurrent();
            }
        }
        return giveUp(line, lo, work);
    }

    /** The best point with sufficient decrease, if it is not the start; else no decrease. */
    private static Result giveUp(LineFunction line, Trial best, Work work) {
        if (best.t == 0.0) {
            return new Result(Outcome.NO_DECREASE, 0.0, best.f, work.evaluations);
        }
        line.restoreBest(best.t);
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

    private static Trial evaluate(LineFunction line, double t, Work work) {
        LineFunction.Sample sample = line.evaluate(t);
        work.evaluations++;
        return new Trial(t, sample.value(), sample.slope());
    }

    /** phi on arrays: trial points and gradients written into the caller's output arrays. */
    private static final class ArrayLine implements LineFunction {
        private final DifferentiableFunction f;
        private final double[] x;
        private final double[] d;
        private final double[] xOut;
        private final double[] gradientOut;
        /** The best point's gradient, kept because later trials overwrite the output array. */
        private double[] bestGradient;

        ArrayLine(DifferentiableFunction f, double[] x, double[] d, double[] xOut, double[] gradientOut) {
            this.f = f;
            this.x = x;
            this.d = d;
            this.xOut = xOut;
            this.gradientOut = gradientOut;
        }

        @Override
        public Sample evaluate(double t) {
            step(x, d, t, xOut);
            double value = f.valueAndGradient(xOut, gradientOut);
            return new Sample(value, dot(gradientOut, d));
        }

        @Override
        public void keepCurrent() {
            if (bestGradient == null) {
                bestGradient = new double[gradientOut.length];
            }
            System.arraycopy(gradientOut, 0, bestGradient, 0, gradientOut.length);
        }

        @Override
        public void restoreBest(double t) {
            step(x, d, t, xOut);
            System.arraycopy(bestGradient, 0, gradientOut, 0, gradientOut.length);
        }

        @Override
        public boolean changesNothing(double t, double width) {
            for (int j = 0; j < x.length; j++) {
                if (Math.abs(width * d[j]) > EPSILON * Math.abs(x[j] + t * d[j])) {
                    return false;
                }
            }
            return true;
        }
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
