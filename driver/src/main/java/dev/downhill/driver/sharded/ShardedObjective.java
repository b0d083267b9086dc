package dev.downhill.driver.sharded;

import dev.downhill.core.optim.RemoteFunction;
import java.util.List;

/**
 * The objective as a {@link RemoteFunction} of sharded handles: one {@link ShardedDataLoss} evaluation (pull,
 * fold, reduce-scatter), whose reduce tasks also take the gradient's dot products with the vectors asked for.
 */
public final class ShardedObjective implements RemoteFunction<ShardedVector> {
    private final ShardedDataLoss loss;
    private final ShardedVectors vectors;
    private long evaluations;

    public ShardedObjective(ShardedDataLoss loss, ShardedVectors vectors) {
        this.loss = loss;
        this.vectors = vectors;
    }

    /** Evaluations of f so far. */
    public long evaluations() {
        return evaluations;
    }

    /** The mean loss of {@code heldOut} (another plan's data, the same layout) at x, in one value-only job. */
    public double meanLoss(ShardedDataLoss heldOut, ShardedVector x) {
        double loss = heldOut.meanLoss(x);
        vectors.computed(List.of(x));
        return loss;
    }

    @Override
    public Evaluation<ShardedVector> evaluate(ShardedVector x, List<ShardedVector> dotWith) {
        ShardedDataLoss.Evaluation e = loss.valueAndGradient(x, dotWith); // the dots in the same job
        evaluations++;
        vectors.computed(List.of(x));
        vectors.computed(dotWith);
        return new Evaluation<>(e.value, e.gradient, e.gradientDots);
    }
}
