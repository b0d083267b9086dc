package dev.downhill.driver.train;

import dev.downhill.core.loss.Objective;
import dev.downhill.core.optim.StopReason;

/** What training produced: the parameters and how the run ended. */
public final class TrainingResult {
    public final Objective objective;
    public final double l2;
    public final int numFeatures;
    public final int numOutputs;
    /** The data's label of each class; null for regression. */
    public final double[] classLabels;
    public final double[] parameters;
    public final long iterations;
    public final double objectiveValue;
    public final double gradientNorm;
    public final StopReason stopReason;
    public final double step;

    public TrainingResult(Objective objective, double l2, int numFeatures, int numOutputs, double[] classLabels,
                          double[] parameters, long iterations, double objectiveValue, double gradientNorm,
                          StopReason stopReason, double step) {
        this.objective = objective;
        this.l2 = l2;
        this.numFeatures = numFeatures;
        this.numOutputs = numOutputs;
        this.classLabels = classLabels;
        this.parameters = parameters;
        this.iterations = iterations;
        this.objectiveValue = objectiveValue;
        this.gradientNorm = gradientNorm;
        this.stopReason = stopReason;
        this.step = step;
    }
}
