package dev.downhill.driver.sharded;

import dev.downhill.core.objective.L1Penalty;
import dev.downhill.core.optim.RemoteFunction;
import dev.downhill.core.optim.RemoteRuleMinimizer;
import dev.downhill.core.optim.RemoteVectors;
import dev.downhill.core.optim.ScheduledRule;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The handles of a {@link ScheduledRule} run sharded (gd, momentum, nesterov, adagrad, rmsprop, adam, adamw): x,
 * the gradient and the rule's vectors as {@link ShardedVector}s of one layout. A step is one Spark job: each slice
 * task applies worker-core's {@link ScheduledRule#update} to its slice of x, the gradient and the moments (the
 * rule's own per-coordinate code, so the tree path's bits), the new slices are cached together, and the data pass
 * ({@link ShardedDataLoss}, through the objective) pulls the new x from them; ||grad f||^2 is summed in slice
 * order by the same job's last stage, where the gradient's slices are formed. Only scalars reach the driver.
 * With mini-batches, the evaluation that ends iteration k folds batch k's blocks (told by the loop). With an
 * {@link L1} penalty each slice task builds its slice's weights and applies the rule's proximal step with them, and
 * a slice job after each evaluation sums h(x) and the minimum-norm subgradient's squares.
 *
 * <p>The new x and moments share one cached RDD: it is dropped when the last of them is released (so the best
 * iterate's x, kept by the loop, keeps that step's moments cached too).
 */
public final class ShardedRuleSlices implements RemoteRuleMinimizer.Slices<ShardedVector> {
    private final JavaSparkContext jsc;
    private final SliceLayout layout;
    private final RemoteFunction<ShardedVector> function;
    private final RemoteVectors<ShardedVector> vectors;
    private final ScheduledRule rule;
    /** Chooses the data the next evaluation folds: iteration k's mini-batch (no-op on the full batch). */
    private final LongConsumer batches;
    /** The vectors that share a cached RDD with others, and how many of those are still held, by that RDD. */
    private final Map<ShardedVector, JavaRDD<?>> sharing = new IdentityHashMap<>();
    private final Map<JavaRDD<?>, Integer> holders = new IdentityHashMap<>();

    /** The L1 penalty the slices apply, or null. */
    private final L1 l1;

    /**
     * An L1 penalty lambda sum |w| on the weights of a linear model (the first {@code penalized} parameters; not
     * the intercepts after them), in the optimizer's coordinates u: c_j = lambda, or under the diagonal
     * standardization w_j = s_j u_j, c_j = lambda s_j (as the tree path's {@code Standardization.scaledL1}), built
     * for each slice on the executor holding it from {@code scale}'s slice (null: unstandardized).
     */
    public record L1(double lambda, long penalized, ShardedVector scale) {
    }

    /**
     * @param batches chooses iteration k's mini-batch before each evaluation (a no-op on the full batch)
     * @param l1 the penalty the slices apply by the rule's proximal step, or null (the rule itself has none)
     */
    public ShardedRuleSlices(JavaSparkContext jsc, SliceLayout layout, RemoteFunction<ShardedVector> function,
                             RemoteVectors<ShardedVector> vectors, ScheduledRule rule, LongConsumer batches, L1 l1) {
        if (rule.l1() != null) {
            throw new IllegalArgumentException("the rule's own L1 weights are d-sized: give the slices an L1");
        }
        this.l1 = l1;
        this.jsc = jsc;
        this.batches = batches;
        this.layout = layout;
        this.function = function;
        this.vectors = vectors;
        this.rule = rule;
    }

    @Override
    public RemoteRuleMinimizer.Evaluation<ShardedVector> evaluate(ShardedVector x, long iteration) {
        batches.accept(iteration);
        // G . G in the data pass's last stage (term 0 is G: there are no other handles), the bits of dots after it
        RemoteFunction.ProductsEvaluation<ShardedVector> e = function.evaluate(x,
                new RemoteFunction.Products<>(List.of(), List.of(), new int[] {0}, new int[] {0}), vectors);
        if (l1 == null) {
            return new RemoteRuleMinimizer.Evaluation<>(e.value(), e.gradient(), e.dots()[0][0]);
        }
        double[] sums = l1Sums(x, e.gradient());
        return new RemoteRuleMinimizer.Evaluation<>(e.value(), e.gradient(), sums[1], sums[0]);
    }

    /**
     * h(x) and the squared norm of the minimum-norm subgradient of f + h at x (gradient g of f), each slice's part
     * taken by worker-core's {@link L1Penalty} with the slice's weights, added in slice order: one slice job.
     */
    private double[] l1Sums(ShardedVector x, ShardedVector g) {
        List<ShardedVector> in = new ArrayList<>(List.of(x, g));
        if (l1.scale() != null) {
            in.add(l1.scale());
        }
        double lambda = l1.lambda();
        long penalized = l1.penalized();
        SliceLayout l = layout;
        JavaRDD<double[]> parts = ShardedVector.zip(in).mapPartitionsWithIndex((s, it) -> {
            double[][] v = it.next();
            L1Penalty p = slicePenalty(lambda, penalized, l.start(s), v[0].length, v.length > 2 ? v[2] : null);
            double[] r = new double[v[0].length];
            p.minimumNormSubgradient(v[0], v[1], r);
            double squares = 0.0;
            for (double ri : r) {
                squares += ri * ri;
            }
            return PullPlan.single(new double[] {p.value(v[0]), squares});
        }, true);
        double h = 0.0;
        double squares = 0.0;
        for (double[] part : OrderedCollect.inOrder(parts)) {
            h += part[0];
            squares += part[1];
        }
        return new double[] {h, squares};
    }

    /** The L1 weights of coordinates offset .. offset + n - 1 (see {@link L1}); {@code scale}: the slice's, or null. */
    static L1Penalty slicePenalty(double lambda, long penalized, int offset, int n, double[] scale) {
        double[] c = new double[n];
        for (int i = 0; i < n && offset + i < penalized; i++) {
            c[i] = scale == null ? lambda : lambda * scale[i];
        }
        return L1Penalty.slice(c, offset);
    }

    @Override
    public RemoteRuleMinimizer.Stepped<ShardedVector> step(ShardedVector x, ShardedVector gradient,
                                                           List<ShardedVector> vectors, ScheduledRule.Update u,
                                                           long iteration) {
        List<ShardedVector> inputs = new ArrayList<>(List.of(x, gradient));
        inputs.addAll(vectors);
        boolean withL1 = l1 != null;
        boolean scaled = withL1 && l1.scale() != null;
        if (scaled) {
            inputs.add(l1.scale());
        }
        double lambda = withL1 ? l1.lambda() : 0.0;
        long penalized = withL1 ? l1.penalized() : 0L;
        ScheduledRule r = rule;
        SliceLayout l = layout;
        int count = vectors.size();
        // partition s: {x, then the rule's vectors} after the update; the cached inputs are copied, not changed
        JavaRDD<double[][]> updated = ShardedVector.zip(inputs).mapPartitionsWithIndex((s, it) -> {
            double[][] in = it.next();
            double[][] out = new double[1 + count][];
            out[0] = in[0].clone();
            double[][] moments = new double[count][];
            for (int i = 0; i < count; i++) {
                moments[i] = in[2 + i].clone();
                out[1 + i] = moments[i];
            }
            L1Penalty p = withL1 ? slicePenalty(lambda, penalized, l.start(s), in[0].length,
                    scaled ? in[2 + count] : null) : null;
            r.update(out[0], in[1], moments, l.start(s), u, p);
            return PullPlan.single(out);
        }, true);
        ShardedVector.keep(updated);
        List<ShardedVector> out = new ArrayList<>(1 + count);
        for (int i = 0; i <= count; i++) {
            int at = i;
            ShardedVector v = new ShardedVector(layout, updated.map(b -> b[at]), updated);
            sharing.put(v, updated);
            out.add(v);
        }
        holders.put(updated, out.size());
        // one job: the update runs in the tasks that pull the new x for the data pass
        RemoteRuleMinimizer.Evaluation<ShardedVector> e = evaluate(out.get(0), iteration);
        return new RemoteRuleMinimizer.Stepped<>(out.get(0), out.subList(1, out.size()), e);
    }

    @Override
    public ShardedVector zeros() {
        return ShardedVector.zeros(jsc, layout);
    }

    /** Drops v's cache, or for a vector sharing one, the shared cache once the last of its vectors is released. */
    @Override
    public void release(ShardedVector v) {
        JavaRDD<?> shared = sharing.remove(v);
        if (shared == null) {
            v.release();
            return;
        }
        int left = holders.get(shared) - 1;
        if (left == 0) {
            holders.remove(shared);
            shared.unpersist(false);
        } else {
            holders.put(shared, left);
        }
    }
}
