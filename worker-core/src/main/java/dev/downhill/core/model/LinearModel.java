package dev.downhill.core.model;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.linalg.CsrLinearProducts;

/**
 * A linear model with K outputs and intercepts: z_k = w_k . x + b_k.
 *
 * <p>Parameter layout: theta = [w_0 (d values), ..., w_{K-1} (d values), b_0, ..., b_{K-1}], so
 * weight (k, j) is at k d + j and intercept k at K d + k. Only the weights are penalized.
 *
 * <p>Chain rule: dz_k/dw_{k,j} = x_j and dz_k/db_k = 1, so the backward pass adds
 * g_k x_i to w_k and g_k to b_k for each row's output gradient g = dl/dz.
 *
 * <p>Both passes work a whole block per output k: forward is the block product z_k = X w_k + b_k
 * ({@link DataBlock#multiply}), backward adds X^T g_k ({@link DataBlock#transposeMultiplyAdd}), so the
 * row loops run inside the block class with no per-row virtual call.
 */
public final class LinearModel implements Model {
    private static final long serialVersionUID = 1L;

    private final int numFeatures;
    private final int numOutputs;

    public LinearModel(int numFeatures, int numOutputs) {
        if (numFeatures < 0 || numOutputs < 1) {
            throw new IllegalArgumentException("need numFeatures >= 0 and numOutputs >= 1, got "
                    + numFeatures + " and " + numOutputs);
        }
        Math.multiplyExact(numFeatures + 1, numOutputs);
        this.numFeatures = numFeatures;
        this.numOutputs = numOutputs;
    }

    @Override
    public Architecture architecture() {
        return Architecture.linear(numFeatures, numOutputs);
    }

    @Override
    public int numFeatures() {
        return numFeatures;
    }

    @Override
    public int numOutputs() {
        return numOutputs;
    }

    @Override
    public int numParameters() {
        return (numFeatures + 1) * numOutputs;
    }

    /** Index of weight (output k, feature j). */
    public int weightIndex(int k, int j) {
        return k * numFeatures + j;
    }

    /** Index of intercept k. */
    public int interceptIndex(int k) {
        return numOutputs * numFeatures + k;
    }

    @Override
    public boolean isPenalized(int index) {
        return index < numOutputs * numFeatures;
    }

    @Override
    public Activations newActivations(int rows) {
        return new Activations(numOutputs, rows);
    }

    @Override
    public void forward(double[] params, DataBlock block, Activations act) {
        checkShapes(params, block);
        act.ensureRows(block.numRows());
        final double[] z = act.outputs();
        final int bias = numOutputs * numFeatures;
        if (numOutputs > 1 && block.hasProductsByOutputs()) { // CSR: all K outputs in one pass, the same bits
            double[] wt = new double[numFeatures * CsrLinearProducts.padded(numOutputs)];
            CsrLinearProducts.transpose(params, numFeatures, numOutputs, wt);
            block.multiplyRowsByOutputs(0, block.numRows(), wt, numOutputs, params, bias, z);
            return;
        }
        for (int k = 0; k < numOutputs; k++) {
            block.multiply(params, k * numFeatures, params[bias + k], z, k, numOutputs);
        }
    }

    @Override
    public void backward(double[] params, DataBlock block, Activations act, double[] outputGradient,
                         double[] paramGradient) {
        checkShapes(params, block);
        final int n = block.numRows();
        final int bias = numOutputs * numFeatures;
        for (int k = 0; k < numOutputs; k++) {
            block.transposeMultiplyAdd(outputGradient, k, numOutputs, paramGradient, k * numFeatures);
            double gb = paramGradient[bias + k];
            for (int i = 0; i < n; i++) {
                gb += outputGradient[i * numOutputs + k];
            }
            paramGradient[bias + k] = gb;
        }
    }

    /**
     * {@link #forward} for rows [from, to) of the block: z[(i - from) K + k] = w_k . x_i + b_k, the same bits
     * as the whole-block pass gives those rows.
     */
    public void forwardRows(double[] params, DataBlock block, int from, int to, double[] z) {
        checkShapes(params, block);
        final int bias = numOutputs * numFeatures;
        for (int k = 0; k < numOutputs; k++) {
            block.multiplyRows(from, to, params, k * numFeatures, params[bias + k], z, k, numOutputs);
        }
    }

    /**
     * {@link #backward} for rows [from, to), outputGradient[(i - from) K + k] holding row i's dl/dz_k. Every
     * gradient entry receives its rows' terms one by one in row order, so consecutive ranges in order add
     * exactly what one whole-block pass adds.
     */
    public void backwardRows(double[] params, DataBlock block, int from, int to, double[] outputGradient,
                             double[] paramGradient) {
        checkShapes(params, block);
        for (int k = 0; k < numOutputs; k++) {
            block.transposeMultiplyAddRows(from, to, outputGradient, k, numOutputs, paramGradient, k * numFeatures);
        }
        addInterceptGradients(to - from, outputGradient, paramGradient);
    }

    /**
     * The intercepts' part of {@link #backwardRows} for {@code rows} rows: each b_k's gradient entry adds the rows'
     * dl/dz_k in row order (for callers that form the weights' part themselves, e.g. by outputs on CSR rows).
     */
    public void addInterceptGradients(int rows, double[] outputGradient, double[] paramGradient) {
        final int bias = numOutputs * numFeatures;
        for (int k = 0; k < numOutputs; k++) {
            double gb = paramGradient[bias + k];
            for (int i = 0; i < rows; i++) {
                gb += outputGradient[i * numOutputs + k];
            }
            paramGradient[bias + k] = gb;
        }
    }

    private void checkShapes(double[] params, DataBlock block) {
        if (params.length != numParameters()) {
            throw new IllegalArgumentException("expected " + numParameters() + " parameters, got " + params.length);
        }
        if (block.numFeatures() != numFeatures) {
            throw new IllegalArgumentException("block has " + block.numFeatures() + " features, model has " + numFeatures);
        }
    }
}
