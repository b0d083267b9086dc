package dev.downhill.driver.sharded;

import dev.downhill.core.optim.RemoteFunction;
import java.util.ArrayList;
import java.util.List;

/**
 * The objective as a {@link RemoteFunction} of sharded handles: one {@link ShardedDataLoss} evaluation (pull,
 * fold, reduce-scatter), then the gradient's dot products with the vectors asked for in one slice pass.
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

    @Override
    public Evaluation<ShardedVector> evaluate(ShardedVector x, List<ShardedVector> dotWith) {
        ShardedDataLoss.Evaluation e = loss.valueAndGradient(x);
        evaluations++;
        vectors.computed(List.of(x));
        double[] dots = new double[dotWith.size()];
        if (!dotWith.isEmpty()) {
            List<ShardedVector> g = new ArrayList<>(List.of(e.gradient));
            dots = vectors.dots(g, dotWith)[0];
        }
        return new Evaluation<>(e.value, e.gradient, dots);
    }
}
