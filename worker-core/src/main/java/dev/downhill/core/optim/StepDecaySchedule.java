package dev.downhill.core.optim;

/**
 * eta_t = eta * gamma^floor((t-1) / every) with 0 < gamma <= 1 and every >= 1: the step is multiplied
 * by gamma after each block of {@code every} iterations (iterations 1..every use eta).
 */
public record StepDecaySchedule(double eta, double gamma, long every) implements StepSchedule {

    /** @throws IllegalArgumentException unless eta is positive and finite, 0 < gamma <= 1, every >= 1 */
    public StepDecaySchedule {
        HyperParameters.positive(eta, "step eta");
        if (!(gamma > 0.0 && gamma <= 1.0)) {
            throw new IllegalArgumentException("decay factor gamma must be in (0, 1], got " + gamma);
        }
        HyperParameters.atLeastOne(every, "decay interval 'every'");
    }

    @Override
    public double step(long t) {
        HyperParameters.iteration(t);
        return eta * Math.pow(gamma, (t - 1) / every);
    }
}
