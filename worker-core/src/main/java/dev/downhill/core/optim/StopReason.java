package dev.downhill.core.optim;

/** Why a minimization stopped; {@link #label()} is what model files and logs say. */
public enum StopReason {
    /** ||grad f|| fell to the tolerance. */
    GRADIENT_TOLERANCE("gradient-tolerance"),
    /** The iteration limit was reached first. */
    MAX_ITERATIONS("max-iterations"),
    /** f or grad f became NaN or infinite. */
    DIVERGED("diverged");

    private final String label;

    StopReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
