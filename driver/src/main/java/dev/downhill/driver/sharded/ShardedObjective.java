package dev.downhill.driver.sharded;

import dev.downhill.core.optim.RemoteFunction;
import dev.downhill.core.optim.RemoteVectors;
import java.util.List;

/**
 * The objective as a {@link RemoteFunction} of sharded handles: one {@link ShardedDataLoss} evaluation (pull,
 * fold, reduce-scatter), whose last stage also takes the products asked for ({@link RemoteFunction.Products}).
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
        ProductsEvaluation<ShardedVector> e = evaluate(x, Products.gradientWith(dotWith), vectors);
        return new Evaluation<>(e.value(), e.gradient(), e.dots()[0]);
    }

    /** One job: the products come from the tasks that form the gradient's slices ({@link ShardedDataLoss}). */
    @Override
    public ProductsEvaluation<ShardedVector> evaluate(ShardedVector x, Products<ShardedVector> products,
                                                      RemoteVectors<ShardedVector> unused) {
        ShardedDataLoss.Evaluation e = loss.valueAndGradient(x, products, vectors.holdsInputs());
        vectors.holdFormed(products, e.gradient, e.combinations);
        evaluations++;
        vectors.computed(List.of(x));
        vectors.computed(products.handles());
        return new ProductsEvaluation<>(e.value, e.gradient, e.combinations, e.products);
    }
}
