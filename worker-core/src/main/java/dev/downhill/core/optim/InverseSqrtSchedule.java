package dev.downhill.core.optim;

/**
 * eta_t = eta / sqrt(t): the step of online gradient descent for convex losses (Zinkevich 2003), whose
 * regret then grows like sqrt(T).
 */
public record InverseSqrtSchedule(double eta) implements StepSchedule {

    /** @throws IllegalArgumentException unless eta is positive and finite */
    public InverseSqrtSchedule {
        HyperParameters.positive(eta, "step eta");
    }

    @Override
    public double step(long t) {
        HyperParameters.iteration(t);
        return eta / Math.sqrt(t);
    }
}
