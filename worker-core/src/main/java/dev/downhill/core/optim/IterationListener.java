package dev.downhill.core.optim;

/** Told about every completed iteration (progress lines, metrics, checkpoints). */
@FunctionalInterface
public interface IterationListener {
    /**
     * @param state the state after the iteration; read it, do not keep it (it changes in place)
     * @param gradientNorm ||grad f|| at the new point
     * @param nanos wall time the iteration took
     */
    void iterationDone(OptimizerState state, double gradientNorm, long nanos);
}
