package dev.downhill.driver.sharded;

import dev.downhill.core.objective.L1Penalty;
import dev.downhill.core.optim.RemoteL1;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;

/**
 * {@link RemoteL1} on sharded vectors, for vector-free OWL-QN: each slice task builds its slice's L1 weights
 * ({@link ShardedRuleSlices.L1}: lambda, or lambda s_j under the standardization, 0 on intercepts) and applies
 * worker-core's {@link L1Penalty} method to its slices. Maps are lazy, computed by the next job that reads them;
 * sums come back one pair of scalars a slice, added in slice order.
 */
public final class ShardedL1 implements RemoteL1<ShardedVector> {
    private final ShardedVectors vectors;
    private final SliceLayout layout;
    private final ShardedRuleSlices.L1 l1;

    public ShardedL1(ShardedVectors vectors, SliceLayout layout, ShardedRuleSlices.L1 l1) {
        this.vectors = vectors;
        this.layout = layout;
        this.l1 = l1;
    }

    /** One slice's work given its penalty and the slices of the inputs (in argument order). */
    private interface SliceMap extends Serializable {
        double[] apply(L1Penalty penalty, double[][] in);
    }

    /** Read while x and g are held (the state releases v first): one copy, recomputed from them if lost. */
    @Override
    public ShardedVector pseudoGradient(ShardedVector x, ShardedVector gradient) {
        return map(List.of(x, gradient), (p, in) -> {
            double[] v = new double[in[0].length];
            p.minimumNormSubgradient(in[0], in[1], v);
            return v;
        }, false);
    }

    @Override
    public ShardedVector projectDirection(ShardedVector d, ShardedVector pseudoGradient) {
        return map(List.of(d, pseudoGradient), (p, in) -> {
            double[] out = in[0].clone();
            p.projectDirection(out, in[1]);
            return out;
        }, false);
    }

    /** A trial point, which may become the iterate: kept as the iterates are (copies, lineage cut). */
    @Override
    public ShardedVector orthantPoint(ShardedVector x, ShardedVector d, ShardedVector pseudoGradient, double t) {
        return map(List.of(x, d, pseudoGradient), (p, in) -> {
            double[] out = new double[in[0].length];
            p.orthantPoint(in[0], in[1], in[2], t, out);
            return out;
        }, true);
    }

    @Override
    public double[] valueAndChange(ShardedVector point, ShardedVector x, ShardedVector pseudoGradient) {
        double[] sums = sum(List.of(point, x, pseudoGradient), (p, in) -> {
            double change = 0;
            for (int j = 0; j < in[0].length; j++) {
                change += in[2][j] * (in[0][j] - in[1][j]); // L1Penalty.orthantPoint's predicted change
            }
            return new double[] {p.value(in[0]), change};
        }, 2);
        vectors.computed(List.of(point, x, pseudoGradient));
        return sums;
    }

    @Override
    public double[] valueChangeAndSlope(ShardedVector point, ShardedVector x, ShardedVector pseudoGradient,
                                        ShardedVector direction) {
        double[] sums = sum(List.of(point, x, pseudoGradient, direction), (p, in) -> {
            double change = 0;
            double slope = 0;
            for (int j = 0; j < in[0].length; j++) {
                change += in[2][j] * (in[0][j] - in[1][j]);
                slope += in[2][j] * in[3][j]; // as a dot product's per-slice part
            }
            return new double[] {p.value(in[0]), change, slope};
        }, 3);
        vectors.computed(List.of(point, x, pseudoGradient, direction));
        return sums;
    }

    @Override
    public double value(ShardedVector x) {
        double h = sum(List.of(x), (p, in) -> new double[] {p.value(in[0])}, 1)[0];
        vectors.computed(List.of(x));
        return h;
    }

    /** The per-slice results of {@code op} over the inputs' slices (and the scale's, last, when standardized). */
    private JavaRDD<double[]> apply(List<ShardedVector> inputs, SliceMap op) {
        List<ShardedVector> in = new ArrayList<>(inputs);
        boolean scaled = l1.scale() != null;
        if (scaled) {
            in.add(l1.scale());
        }
        int count = inputs.size();
        double lambda = l1.lambda();
        long penalized = l1.penalized();
        SliceLayout l = layout;
        return ShardedVector.zip(in).mapPartitionsWithIndex((s, it) -> {
            double[][] slices = it.next();
            L1Penalty p = ShardedRuleSlices.slicePenalty(lambda, penalized, l.start(s), slices[0].length,
                    scaled ? slices[count] : null);
            return PullPlan.single(op.apply(p, slices));
        }, true);
    }

    private ShardedVector map(List<ShardedVector> inputs, SliceMap op, boolean iterate) {
        JavaRDD<double[]> slices = apply(inputs, op);
        ShardedVector v = iterate ? ShardedVector.persist(layout, slices)
                : new ShardedVector(layout, slices.persist(ShardedVector.STORAGE), slices);
        return vectors.mapped(v, inputs);
    }

    private double[] sum(List<ShardedVector> inputs, SliceMap op, int width) {
        return OrderedCollect.sumInOrder(apply(inputs, op), width);
    }
}
