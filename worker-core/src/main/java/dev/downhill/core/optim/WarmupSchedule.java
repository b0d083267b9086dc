package dev.downhill.core.optim;

/**
 * Linear warm-up over W iterations in front of any schedule: eta_t = inner(t) * t / W for t <= W, and
 * eta_t = inner(t) after (so the step climbs from inner(1)/W to the inner schedule, which it reaches at
 * t = W). Evaluated as (inner(t) * t) / W.
 */
public record WarmupSchedule(StepSchedule inner, long warmupIterations) implements StepSchedule {

    /** @throws IllegalArgumentException if inner is null or warmupIterations < 1 */
    public WarmupSchedule {
        if (inner == null) {
            throw new IllegalArgumentException("warm-up needs an inner schedule, got null");
        }
        HyperParameters.atLeastOne(warmupIterations, "warm-up length W");
    }

    @Override
    public double step(long t) {
        HyperParameters.iteration(t);
        double base = inner.step(t);
        return t <= warmupIterations ? base * t / warmupIterations : base;
    }
}
