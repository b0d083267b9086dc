package dev.downhill.core.numdiff;

import dev.downhill.core.objective.DifferentiableFunction;

/**
 * Compares an analytic gradient with central finite differences (the fourth-order five-point stencil,
 * {@link FiniteDifferences#fivePointGradient}), coordinate by coordinate.
 *
 * <p>Error of coordinate j: |a_j - n_j| / max(|a_j|, |n_j|, floor), where a is analytic and n numeric.
 * The numeric estimate carries an absolute error of about 2e-13 |f|; the floor (default 1e-5) keeps
 * coordinates whose true derivative is zero or tiny (a feature that is always 0, say) from turning that
 * noise into a large relative error. Such a coordinate passes a 1e-7 check only when the two agree to
 * about 1e-12 absolute, so the floor hides no real error of the gradient's own size.
 */
public final class GradientChecker {
    private final double floor;

    public GradientChecker() {
        this(1e-5);
    }

    public GradientChecker(double floor) {
        if (!(floor > 0.0)) {
            throw new IllegalArgumentException("floor must be positive");
        }
        this.floor = floor;
    }

    /** The result of one check: the largest error and where it occurred. */
    public static final class Report {
        private final double maxRelativeError;
        private final int worstCoordinate;
        private final double analytic;
        private final double numeric;

        Report(double maxRelativeError, int worstCoordinate, double analytic, double numeric) {
            this.maxRelativeError = maxRelativeError;
            this.worstCoordinate = worstCoordinate;
            this.analytic = analytic;
            this.numeric = numeric;
        }

        public double maxRelativeError() {
            return maxRelativeError;
        }

        public int worstCoordinate() {
            return worstCoordinate;
        }

        @Override
        public String toString() {
            return String.format("max relative error %.3e at coordinate %d (analytic %.17g, numeric %.17g)",
                    maxRelativeError, worstCoordinate, analytic, numeric);
        }
    }

    public Report check(DifferentiableFunction f, double[] x) {
        double[] analytic = new double[f.dimension()];
        f.valueAndGradient(x.clone(), analytic);
        double[] numeric = FiniteDifferences.fivePointGradient(f::value, x.clone());
        return compare(analytic, numeric);
    }

    public Report compare(double[] analytic, double[] numeric) {
        if (analytic.length != numeric.length) {
            throw new IllegalArgumentException("gradient lengths differ");
        }
        double worst = 0.0;
        int at = -1;
        for (int j = 0; j < analytic.length; j++) {
            double scale = Math.max(Math.max(Math.abs(analytic[j]), Math.abs(numeric[j])), floor);
            double err = Math.abs(analytic[j] - numeric[j]) / scale;
            if (err > worst || Double.isNaN(err) || at < 0) {
                worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : Math.max(worst, err);
                at = j;
            }
        }
        return at < 0 ? new Report(0.0, -1, 0.0, 0.0) : new Report(worst, at, analytic[at], numeric[at]);
    }
}
