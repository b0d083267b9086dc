package dev.downhill.core.optim;

/**
 * The step size (learning rate) of iteration t = 1, 2, ...: a pure function of t, so it needs no state
 * and a resumed run continues on the same schedule. Implementations: {@link ConstantSchedule},
 * {@link InverseSqrtSchedule}, {@link ExponentialDecaySchedule}, {@link StepDecaySchedule}, and
 * {@link WarmupSchedule} around any of them. Serializable, so a rule holding one can be sent to the executors
 * that update the parameters' slices.
 */
@FunctionalInterface
public interface StepSchedule extends java.io.Serializable {
    /** The step of iteration {@code t} (the first iteration is t = 1); positive and finite. */
    double step(long t);

    /** eta_t = step for every t; the step must be positive and finite. */
    static StepSchedule constant(double step) {
        return new ConstantSchedule(step);
    }
}
