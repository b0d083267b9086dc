package dev.downhill.core.optim;

/** eta_t = eta for every iteration t. */
public record ConstantSchedule(double eta) implements StepSchedule {

    /** @throws IllegalArgumentException unless eta is positive and finite */
    public ConstantSchedule {
        HyperParameters.positive(eta, "step eta");
    }

    @Override
    public double step(long t) {
        HyperParameters.iteration(t);
        return eta;
    }
}
