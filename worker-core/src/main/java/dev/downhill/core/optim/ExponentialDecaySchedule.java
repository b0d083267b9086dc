package dev.downhill.core.optim;

/**
 * eta_t = eta * gamma^(t-1) with 0 < gamma <= 1 (gamma = 1 is a constant step). The step underflows to
 * 0 once t - 1 exceeds about 745 / ln(1/gamma); a run that long on such a schedule has stopped moving.
 */
public record ExponentialDecaySchedule(double eta, double gamma) implements StepSchedule {

    /** @throws IllegalArgumentException unless eta is positive and finite and 0 < gamma <= 1 */
    public ExponentialDecaySchedule {
        HyperParameters.positive(eta, "step eta");
        if (!(gamma > 0.0 && gamma <= 1.0)) {
            throw new IllegalArgumentException("decay factor gamma must be in (0, 1], got " + gamma);
        }
    }

    @Override
    public double step(long t) {
        HyperParameters.iteration(t);
        return eta * Math.pow(gamma, t - 1);
    }
}
