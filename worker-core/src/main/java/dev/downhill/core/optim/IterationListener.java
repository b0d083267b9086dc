package dev.downhill.core.optim;

/** Told about every completed iteration (progress lines, metrics, checkpoints). */
@FunctionalInterface
public interface IterationListener {
    /**
     * @param state the state after the iteration; read it, do not keep it (it changes in place)
     * @param report the iteration's figures
     */
    void iterationDone(OptimizerState state, IterationReport report);

    /**
     * @param objective the full objective (f plus any non-smooth term)
     * @param stationarity ||grad f||, or the minimum-norm subgradient's norm with L1
     * @param validationLoss the validation loss, NaN without a validation set
     * @param nanos wall time of the iteration (the validation pass not included)
     */
    record IterationReport(double objective, double stationarity, double validationLoss, long nanos) {
    }
}
