package dev.downhill.driver.train;

import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.Architecture;
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
    /** The update rule that trained it, e.g. "lbfgs". */
    public final String optimizer;
    public final double l1;
    /** What the model is; the parameters are laid out as its tensors. */
    public final Architecture architecture;
    /** The input's feature names (CSV header, --feature-columns, a vector column's attributes), or null. */
    public String[] featureNames;
    /** How the run ended when the model is not its last iterate (kept by validation), else null. */
    public RunEnd runEnd;
    /** Why the model is not an optimum though the run stopped cleanly (separable data without L2), or null. */
    public String warning;
    /**
     * A sharded run's parameters, on the executors (then {@link #parameters} is null): the model file is written
     * from them by the executors ({@link ShardedModelFile}).
     */
    public dev.downhill.driver.sharded.ShardedVector shardedParameters;
    /**
     * A sharded model loaded for scoring on the executors ({@link ModelFile#loadForScoring}; then
     * {@link #parameters} is null): its shard files, read by {@link ShardedModelFile#readSlices}. Else null.
     */
    public java.util.List<ShardedModelFile.Shard> shardFiles;

    /**
     * The run's last iterate, when the model is another one: the iterate kept was {@code selectedBy} (the best
     * validation loss, {@code validationLoss}); the model's own iterations, objective and gradient norm are the
     * kept iterate's.
     */
    public record RunEnd(long lastIteration, double lastObjectiveValue, double lastGradientNorm, String selectedBy,
                         double validationLoss) {
    }

    public TrainingResult(Objective objective, double l2, int numFeatures, int numOutputs, double[] classLabels,
                          double[] parameters, long iterations, double objectiveValue, double gradientNorm,
                          StopReason stopReason, double step) {
        this(objective, l2, numFeatures, numOutputs, classLabels, parameters, iterations, objectiveValue, gradientNorm,
                stopReason, step, "gd", 0.0);
    }

    public TrainingResult(Objective objective, double l2, int numFeatures, int numOutputs, double[] classLabels,
                          double[] parameters, long iterations, double objectiveValue, double gradientNorm,
                          StopReason stopReason, double step, String optimizer, double l1) {
        this(objective, l2, numFeatures, numOutputs, classLabels, parameters, iterations, objectiveValue, gradientNorm,
                stopReason, step, optimizer, l1, Architecture.linear(numFeatures, numOutputs));
    }

    public TrainingResult(Objective objective, double l2, int numFeatures, int numOutputs, double[] classLabels,
                          double[] parameters, long iterations, double objectiveValue, double gradientNorm,
                          StopReason stopReason, double step, String optimizer, double l1, Architecture architecture) {
        if (architecture.inputs() != numFeatures || architecture.outputs() != numOutputs
                || parameters != null && architecture.numParameters() != parameters.length) {
            throw new IllegalArgumentException("architecture " + architecture + " does not match " + numFeatures
                    + " features, " + numOutputs + " outputs and " + parameters.length + " parameters");
        }
        this.architecture = architecture;
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
        this.optimizer = optimizer;
        this.l1 = l1;
    }
}
