package dev.downhill.core.objective;

import dev.downhill.core.data.BlockBuilder;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.data.FeatureCovariance;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.Activations;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.sample.SeededRandom;
import java.io.Serializable;

/**
 * The features' covariance weighted by the loss's curvature at given parameters theta of a linear model: the
 * matrix a {@link Whitening} at theta preconditions with. Row i (instance weight v_i, margins z_i) weighs
 * v_i c_i, with c_i the mean diagonal entry of the loss's Hessian in the margins,
 * <pre>
 *   softmax:  c_i = (1/K) sum_k p_ik (1 - p_ik),     logistic:  c_i = s(z_i) (1 - s(z_i)),     squared:  c_i = 1,
 *   V = sum_i v_i,   W = sum_i v_i c_i,   m = (1/W) sum_i v_i c_i x_i,   C = (1/W) sum_i v_i c_i (x_i - m)(x_i - m)^T,
 * </pre>
 * so that (W / V) C + lambda I is the average diagonal class block of the data term's Hessian at theta (exact for
 * one output; softmax's cross-class terms -p_k p_l x x^T are left out), about the curvature-weighted mean. At
 * theta = 0, c_i = l''(0) for every row and this is the start's whitening ({@code FeatureCovariance} with
 * c0 = W / V). Near the optimum most rows are classified with confidence and lose their curvature: whitening
 * by this matrix instead of the start's is the "iteratively reweighted" (IRLS, Fisher scoring) scaling of the
 * Hessian (McCullagh &amp; Nelder, Generalized Linear Models, 2nd ed., 1989, section 2.5), used here as the
 * change of variables of L-BFGS, i.e. its H_0 (Nocedal &amp; Wright, Numerical Optimization, 2nd ed., section 7.2),
 * where the start's curvature is Boehning's constant bound (Boehning, Ann. Inst. Statist. Math. 44, 1992).
 *
 * <p>One pass over the data: a forward pass per block and the weighted outer products of the rows, as the loading
 * pass's covariance ({@link FeatureCovariance}: through Gemm on dense chunks of the block, or over each row's
 * stored values when few are stored). Blocks and partitions combine with
 * the pairwise update of {@link FeatureCovariance}; callers merge them in a fixed order, so the result has the
 * same bits for every split of the work.
 */
public final class CurvatureCovariance implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The shared matrix; not taken (its weight only, in curvatureWeightSum) with one matrix per output. */
    private final FeatureCovariance weighted;
    /** With one matrix per output: output c's rows weighted by v_i p_ic (1 - p_ic); else null. */
    private final FeatureCovariance[] perOutput;
    private double instanceWeightSum;
    /** W = sum_i v_i c_i, kept here with one matrix per output (the shared matrix's own otherwise). */
    private double curvatureWeightSum;
    /** The per-output matrices take the rows whose key hashes to 0 modulo this (1: every row). */
    private final int classRowsEvery;
    /** sum_i v_i over the rows the per-output matrices took. */
    private double sampledInstanceWeightSum;

    public CurvatureCovariance(int numFeatures) {
        this(numFeatures, 0);
    }

    /**
     * With {@code numOutputs} > 1, also one covariance per softmax class c, each row weighted by its own diagonal
     * curvature v_i p_ic (1 - p_ic): the class blocks of the Hessian without the cross-class terms, for
     * {@link Whitening#ofOutputs} (K times the products of the shared matrix). The shared matrix itself is then not
     * taken, only its weight W ({@link #meanCurvature}): {@link #mean} and {@link #covariance} are for one matrix.
     */
    public CurvatureCovariance(int numFeatures, int numOutputs) {
        this(numFeatures, numOutputs, 1);
    }

    /**
     * As {@link #CurvatureCovariance(int, int)}, the per-output matrices from a fixed subsample of about one row in
     * {@code classRowsEvery}: row i when mix(key_i) mod classRowsEvery = 0, key_i its {@link DataBlock#rowKey}
     * (the loader's stable identity of the row, so the sample does not depend on partitioning), mix the SplitMix64
     * finalizer. Their curvatures c_c = W_c / V are then over the sample's rows alone.
     */
    public CurvatureCovariance(int numFeatures, int numOutputs, int classRowsEvery) {
        if (classRowsEvery < 1) {
            throw new IllegalArgumentException("classRowsEvery " + classRowsEvery + " < 1");
        }
        this.classRowsEvery = classRowsEvery;
        this.weighted = new FeatureCovariance(numFeatures);
        if (numOutputs > 1) {
            perOutput = new FeatureCovariance[numOutputs];
            for (int c = 0; c < numOutputs; c++) {
                perOutput[c] = new FeatureCovariance(numFeatures);
            }
        } else {
            perOutput = null;
        }
    }

    /**
     * c_i for margins z[offset .. offset + k): the mean diagonal second derivative of the objective's loss;
     * an IllegalArgumentException for a loss without curvature (hinge).
     */
    public static double rowCurvature(Objective objective, double[] z, int offset, int k) {
        return rowCurvature(objective, z, offset, k, objective == Objective.SOFTMAX ? new double[k] : null);
    }

    /** The same, with {@code scratch} (k entries, softmax only) for the class probabilities: no allocation a row. */
    private static double rowCurvature(Objective objective, double[] z, int offset, int k, double[] scratch) {
        switch (objective) {
            case LEAST_SQUARES:
                return 1.0;
            case LOGISTIC: {
                double p = 1.0 / (1.0 + Math.exp(-z[offset]));
                return p * (1.0 - p);
            }
            case SOFTMAX: {
                double[] p = softmax(z, offset, k, scratch);
                double curvature = 0;
                for (int c = 0; c < k; c++) {
                    curvature += p[c] * (1.0 - p[c]);
                }
                return curvature / k;
            }
            default:
                throw new IllegalArgumentException(objective.cliName() + " has no curvature to weigh rows by");
        }
    }

    /** p_c = exp(z_c - max z) / sum_c' exp(z_c' - max z) for the margins z[offset .. offset + k), into {@code p}. */
    private static double[] softmax(double[] z, int offset, int k, double[] p) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            max = Math.max(max, z[offset + c]);
        }
        double sum = 0;
        for (int c = 0; c < k; c++) {
            sum += Math.exp(z[offset + c] - max);
        }
        for (int c = 0; c < k; c++) {
            p[c] = Math.exp(z[offset + c] - max) / sum;
        }
        return p;
    }

    /** Adds the block's rows, weighted by v_i c_i at {@code theta}. */
    public void add(LinearModel model, Objective objective, double[] theta, DataBlock block) {
        int n = block.numRows();
        if (n == 0) {
            return;
        }
        int k = model.numOutputs();
        Activations act = model.newActivations(n);
        model.forward(theta, block, act);
        double[] z = act.outputs();
        double[] rowWeights = new double[n];
        double[] p = new double[k];
        for (int i = 0; i < n; i++) {
            double v = block.weight(i);
            instanceWeightSum += v;
            rowWeights[i] = v * rowCurvature(objective, z, i * k, k, p);
        }
        if (perOutput == null) {
            weighted.add(block, rowWeights);
            return;
        }
        if (objective != Objective.SOFTMAX || perOutput.length != k) {
            throw new IllegalArgumentException("one covariance per output needs softmax with " + perOutput.length
                    + " classes");
        }
        double blockCurvature = 0;
        for (int i = 0; i < n; i++) {
            blockCurvature += rowWeights[i];
        }
        curvatureWeightSum += blockCurvature;
        double[][] classWeights = new double[k][n];
        for (int i = 0; i < n; i++) {
            softmax(z, i * k, k, p);
            for (int c = 0; c < k; c++) {
                classWeights[c][i] = block.weight(i) * p[c] * (1.0 - p[c]);
            }
        }
        if (classRowsEvery == 1) {
            // One pass writes each chunk out once for all K classes.
            FeatureCovariance.addEach(block, classWeights, perOutput);
            return;
        }
        int[] rows = new int[n];
        int taken = 0;
        for (int i = 0; i < n; i++) {
            if (Long.remainderUnsigned(SeededRandom.mix(block.rowKey(i)), classRowsEvery) == 0) {
                rows[taken++] = i;
            }
        }
        if (taken == 0) {
            return;
        }
        int d = block.numFeatures();
        BlockBuilder sample = new BlockBuilder(d);
        double[] row = new double[d];
        double[][] sampleWeights = new double[k][taken];
        for (int t = 0; t < taken; t++) {
            int i = rows[t];
            java.util.Arrays.fill(row, 0.0);
            block.axpy(i, 1.0, row, 0);
            sample.addDenseRow(0.0, block.weight(i), row);
            sampledInstanceWeightSum += block.weight(i);
            for (int c = 0; c < k; c++) {
                sampleWeights[c][t] = classWeights[c][i];
            }
        }
        FeatureCovariance.addEach(sample.build(), sampleWeights, perOutput);
    }


    /** Adds {@code other} into this one and returns this. */
    public CurvatureCovariance merge(CurvatureCovariance other) {
        weighted.merge(other.weighted);
        if (perOutput != null) {
            for (int c = 0; c < perOutput.length; c++) {
                perOutput[c].merge(other.perOutput[c]);
            }
        }
        instanceWeightSum += other.instanceWeightSum;
        curvatureWeightSum += other.curvatureWeightSum;
        sampledInstanceWeightSum += other.sampledInstanceWeightSum;
        return this;
    }

    /** W / V, the rows' mean curvature (NaN before any row). */
    public double meanCurvature() {
        return (perOutput == null ? weighted.weightSum() : curvatureWeightSum) / instanceWeightSum;
    }

    /** m, the curvature-weighted mean of the features. */
    public double[] mean() {
        requireShared();
        return weighted.mean();
    }

    /** C, the curvature-weighted covariance, full symmetric row-major d x d. */
    public double[] covariance() {
        requireShared();
        return weighted.covariance();
    }

    /**
     * The whitening by (W / V) C + lambda I about m; null when the rows have no curvature left (W / V not positive
     * and finite) or {@link Whitening#of} finds no factor: the caller keeps the change of variables it has.
     */
    public Whitening whitening(LinearModel model, double lambda) {
        double c = meanCurvature();
        if (!(c > 0) || Double.isInfinite(c)) {
            return null;
        }
        if (perOutput == null) {
            return Whitening.of(model, mean(), covariance(), c, lambda);
        }
        int k = perOutput.length;
        double[][] means = new double[k][];
        double[][] covariances = new double[k][];
        double[] curvatures = new double[k];
        for (int o = 0; o < k; o++) {
            curvatures[o] = perOutput[o].weightSum() / (classRowsEvery == 1 ? instanceWeightSum
                    : sampledInstanceWeightSum);
            means[o] = perOutput[o].mean();
            covariances[o] = perOutput[o].covariance();
        }
        return Whitening.ofOutputs(model, means, covariances, curvatures, lambda);
    }

    private void requireShared() {
        if (perOutput != null) {
            throw new IllegalStateException("one matrix per output: the shared matrix is not taken");
        }
    }
}
