package dev.downhill.core.optim;

/**
 * When a minimization stops (immutable; each {@code with} returns a copy). Before each iteration, in
 * this order: divergence (non-finite f or stationarity, or {@code maxRises} rises in a row),
 * stationarity <= max(gradientTolerance, relativeGradientTolerance * stationarity at the start), the
 * objective's relative change |f_{k-w} - f_k| / max(|f_k|, 1e-300) < objectiveTolerance over a window of w
 * iterations (only once w iterations were taken), early stopping (validation loss not improved for
 * {@code patience} iterations), the iteration limit, the wall-clock budget. A tolerance of 0 disables
 * its test.
 */
public final class StopCriteria {
    /** A decision to stop: why, and what happened in words (null where the reason says it all). */
    public record Verdict(StopReason reason, String detail) {
    }

    private long maxIterations = 1000;
    private double gradientTolerance;
    private double relativeGradientTolerance;
    private double objectiveTolerance;
    private int objectiveWindow = 1;
    private double timeBudgetSeconds = Double.POSITIVE_INFINITY;
    private int maxRises = Integer.MAX_VALUE;
    private int patience = Integer.MAX_VALUE;

    public static StopCriteria iterations(long maxIterations) {
        return new StopCriteria().withMaxIterations(maxIterations);
    }

    private StopCriteria copy() {
        StopCriteria c = new StopCriteria();
        c.maxIterations = maxIterations;
        c.gradientTolerance = gradientTolerance;
        c.relativeGradientTolerance = relativeGradientTolerance;
        c.objectiveTolerance = objectiveTolerance;
        c.objectiveWindow = objectiveWindow;
        c.timeBudgetSeconds = timeBudgetSeconds;
        c.maxRises = maxRises;
        c.patience = patience;
        return c;
    }

    public StopCriteria withMaxIterations(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("maxIterations must be >= 0, got " + n);
        }
        StopCriteria c = copy();
        c.maxIterations = n;
        return c;
    }

    public StopCriteria withGradientTolerance(double absolute) {
        StopCriteria c = copy();
        c.gradientTolerance = nonNegative(absolute, "gradient tolerance");
        return c;
    }

    public StopCriteria withRelativeGradientTolerance(double relative) {
        StopCriteria c = copy();
        c.relativeGradientTolerance = nonNegative(relative, "relative gradient tolerance");
        return c;
    }

    public StopCriteria withObjectiveTolerance(double relative, int window) {
        if (window < 1) {
            throw new IllegalArgumentException("objective window must be >= 1, got " + window);
        }
        StopCriteria c = copy();
        c.objectiveTolerance = nonNegative(relative, "objective tolerance");
        c.objectiveWindow = window;
        return c;
    }

    public StopCriteria withTimeBudget(double seconds) {
        if (!(seconds > 0)) {
            throw new IllegalArgumentException("time budget must be > 0 seconds, got " + seconds);
        }
        StopCriteria c = copy();
        c.timeBudgetSeconds = seconds;
        return c;
    }

    public StopCriteria withMaxRises(int rises) {
        if (rises < 1) {
            throw new IllegalArgumentException("maxRises must be >= 1, got " + rises);
        }
        StopCriteria c = copy();
        c.maxRises = rises;
        return c;
    }

    public StopCriteria withPatience(int iterations) {
        if (iterations < 1) {
            throw new IllegalArgumentException("patience must be >= 1, got " + iterations);
        }
        StopCriteria c = copy();
        c.patience = iterations;
        return c;
    }

    private static double nonNegative(double v, String what) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + " must be finite and >= 0, got " + v);
        }
        return v;
    }

    public long maxIterations() {
        return maxIterations;
    }

    public double gradientTolerance() {
        return gradientTolerance;
    }

    public double relativeGradientTolerance() {
        return relativeGradientTolerance;
    }

    public double objectiveTolerance() {
        return objectiveTolerance;
    }

    public int objectiveWindow() {
        return objectiveWindow;
    }

    public double timeBudgetSeconds() {
        return timeBudgetSeconds;
    }

    public int maxRises() {
        return maxRises;
    }

    public int patience() {
        return patience;
    }
}
