package dev.downhill.core.objective;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Objective;
import java.io.Serializable;

/**
 * An upper bound L on the Lipschitz constant of grad f for a linear model, from one pass over the data;
 * 1/L is the default gradient-descent step, which then never increases a smooth objective.
 *
 * <p>With x~_i = (x_i, 1) (the 1 is for the intercept) and c the loss's curvature bound (l'' <= c:
 * 1 for squared loss, 1/4 for logistic, 1/2 for softmax, whose Hessian in z is diag(p) - p p^T), the
 * Hessian of the data term is at most c (1/N) sum_i v_i x~_i x~_i^T (a Kronecker product with that
 * K x K bound for softmax), and the largest eigenvalue of a positive semi-definite matrix is at most
 * its trace, so
 * <pre>  L = c (1/N) sum_i v_i (||x_i||^2 + 1) + lambda.</pre>
 * That is never above the cruder c max_i (||x_i||^2 + 1) + lambda. For hinge (not smooth) the
 * squared-loss bound only sets the scale of the step.
 */
public final class SmoothnessBound implements Serializable {
    private static final long serialVersionUID = 1L;

    private double weightSum;
    private double weightedAugmentedSquaredNormSum;
    private double maxAugmentedSquaredNorm;
    private long rows;

    /** Adds the block's rows: sum_i v_i (||x_i||^2 + 1), sum_i v_i and max_i (||x_i||^2 + 1). */
    public SmoothnessBound add(DataBlock block) {
        for (int i = 0; i < block.numRows(); i++) {
            double v = block.weight(i);
            double s = block.squaredNorm(i) + 1.0;
            weightSum += v;
            weightedAugmentedSquaredNormSum += v * s;
            maxAugmentedSquaredNorm = Math.max(maxAugmentedSquaredNorm, s);
        }
        rows += block.numRows();
        return this;
    }

    public SmoothnessBound merge(SmoothnessBound other) {
        weightSum += other.weightSum;
        weightedAugmentedSquaredNormSum += other.weightedAugmentedSquaredNormSum;
        maxAugmentedSquaredNorm = Math.max(maxAugmentedSquaredNorm, other.maxAugmentedSquaredNorm);
        rows += other.rows;
        return this;
    }

    public long rows() {
        return rows;
    }

    public double weightSum() {
        return weightSum;
    }

    /** (1/N) sum_i v_i (||x_i||^2 + 1). */
    public double meanAugmentedSquaredNorm() {
        if (!(weightSum > 0.0)) {
            throw new IllegalStateException("no rows with positive weight");
        }
        return weightedAugmentedSquaredNormSum / weightSum;
    }

    /** The mean, or NaN where there is no positive weight: for messages, never throws. */
    public double meanAugmentedSquaredNormOrNaN() {
        return weightSum > 0.0 ? weightedAugmentedSquaredNormSum / weightSum : Double.NaN;
    }

    public double maxAugmentedSquaredNorm() {
        return maxAugmentedSquaredNorm;
    }

    /** L = c mean(||x~||^2) + lambda for the given objective. */
    public double lipschitz(Objective objective, double lambda) {
        return objective.curvatureBound() * meanAugmentedSquaredNorm() + lambda;
    }
}
