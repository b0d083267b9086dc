package dev.downhill.core.optim;

/** Why a minimization stopped; {@link #label()} is what model files and logs say. */
public enum StopReason {
    /** The stationarity measure (||grad f||) fell to the absolute or relative tolerance. */
    GRADIENT_TOLERANCE("gradient-tolerance"),
    /** The objective's relative change over the window fell below the tolerance. */
    OBJECTIVE_TOLERANCE("objective-tolerance"),
    /** The line search found no decrease: the iterate is optimal to machine precision. */
    NO_PROGRESS("no-progress"),
    /** The iteration limit was reached first. */
    MAX_ITERATIONS("max-iterations"),
    /** The wall-clock budget ran out. */
    TIME_BUDGET("time-budget"),
    /** The validation loss did not improve for {@code patience} iterations; the best iterate is kept. */
    EARLY_STOPPING("early-stopping"),
    /** f or grad f became NaN or infinite, or f kept rising. */
    DIVERGED("diverged"),
    /**
     * Never the minimizer's own verdict: the caller found, after the run, that the objective has no minimizer
     * (a classifier without a penalty on linearly separable data), whatever test stopped the iterations.
     */
    NO_MINIMIZER("no-minimizer");

    private final String label;

    StopReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
