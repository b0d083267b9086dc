package dev.downhill.driver.sharded;

import dev.downhill.core.objective.StandardizationSlice;
import dev.downhill.core.optim.RemoteFunction;
import dev.downhill.core.optim.RemoteVectors;
import java.util.List;

/**
 * g(u) = f(A u) for a sharded linear model, A the diagonal {@code Standardization} (the tree path's change of
 * variables, so both optimize the same function). Each evaluation is one job of {@link ShardedDataLoss}, which
 * forms theta = A u on the way and maps the gradient to A^T grad f in its reduce tasks
 * ({@link ShardedDataLoss#valueAndScaledGradient}); the products asked for ({@link RemoteFunction.Products}) come
 * from the same job.
 */
public final class StandardizedObjective implements RemoteFunction<ShardedVector> {
    private final ShardedDataLoss loss;
    private final ShardedVectors vectors;
    private final ShardedVector scale;
    private final ShardedVector mean;
    private final int numFeatures;
    private final int numOutputs;

    /** With the scales and centers on the executors ({@link ShardedMoments#scaleAndMean}). */
    public StandardizedObjective(ShardedDataLoss loss, ShardedVectors vectors, ShardedVector[] scaleAndMean,
                                 int numFeatures, int numOutputs) {
        this.loss = loss;
        this.vectors = vectors;
        this.numFeatures = numFeatures;
        this.numOutputs = numOutputs;
        this.scale = scaleAndMean[0];
        this.mean = scaleAndMean[1];
    }

    @Override
    public Evaluation<ShardedVector> evaluate(ShardedVector u, List<ShardedVector> dotWith) {
        ProductsEvaluation<ShardedVector> e = evaluate(u, Products.gradientWith(dotWith), vectors);
        return new Evaluation<>(e.value(), e.gradient(), e.dots()[0]);
    }

    @Override
    public ProductsEvaluation<ShardedVector> evaluate(ShardedVector u, Products<ShardedVector> products,
                                                      RemoteVectors<ShardedVector> unused) {
        ShardedDataLoss.Evaluation e = loss.valueAndScaledGradient(u, scale, mean, products,
                vectors.holdsInputs()); // one job
        vectors.holdFormed(products, e.gradient, e.combinations);
        vectors.computed(List.of(u));
        vectors.computed(products.handles());
        return new ProductsEvaluation<>(e.value, e.gradient, e.combinations, e.products);
    }

    /**
     * The mean loss of {@code heldOut} (another plan's data, the same layout) at theta = A u, under this
     * objective's scales and centers (the training rows'), in one value-only job.
     */
    public double meanLoss(ShardedDataLoss heldOut, ShardedVector u) {
        double loss = heldOut.meanLoss(u, scale, mean);
        vectors.computed(List.of(u));
        return loss;
    }

    /** theta = A u: a slice pass for the K intercept shifts, then a map (cached, computed by the next job). */
    public ShardedVector toUser(ShardedVector u) {
        SliceLayout layout = loss.layout();
        int d = numFeatures;
        int k = numOutputs;
        double[] shift = OrderedCollect.sumInOrder(ShardedVector.zip(List.of(u, scale, mean))
                .mapPartitionsWithIndex((s, it) -> {
                    double[][] x = it.next();
                    return PullPlan.single(StandardizationSlice.shiftPartials(x[0], x[1], x[2], layout.start(s), d,
                            k));
                }, true), k);
        vectors.computed(List.of(u));
        ShardedVector theta = ShardedVector.persist(layout, ShardedVector.zip(List.of(u, scale))
                .mapPartitionsWithIndex((s, it) -> {
                    double[][] x = it.next();
                    return PullPlan.single(StandardizationSlice.toUser(x[0], x[1], layout.start(s), d, k, shift));
                }, true));
        return theta;
    }

    /**
     * u = A^{-1} theta (a warm start's point in these coordinates): a slice pass for the K shifts
     * sum_j m_j w_{c,j} of the user's weights, then a map (cached, computed by the next job).
     */
    public ShardedVector fromUser(ShardedVector theta) {
        SliceLayout layout = loss.layout();
        int d = numFeatures;
        int k = numOutputs;
        double[] shift = OrderedCollect.sumInOrder(ShardedVector.zip(List.of(theta, mean))
                .mapPartitionsWithIndex((s, it) -> {
                    double[][] x = it.next();
                    return PullPlan.single(StandardizationSlice.userShiftPartials(x[0], x[1], layout.start(s), d,
                            k));
                }, true), k);
        return ShardedVector.persist(layout, ShardedVector.zip(List.of(theta, scale))
                .mapPartitionsWithIndex((s, it) -> {
                    double[][] x = it.next();
                    return PullPlan.single(StandardizationSlice.fromUser(x[0], x[1], layout.start(s), d, k, shift));
                }, true));
    }

    /** Releases the cached scale and center vectors. */
    public void release() {
        // scale and mean share one cached RDD: a second unpersist races the first on the executors.
        scale.release();
    }
}
