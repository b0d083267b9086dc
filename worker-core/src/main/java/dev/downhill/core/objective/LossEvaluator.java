package dev.downhill.core.objective;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.linalg.CsrLinearProducts;
import dev.downhill.core.loss.Loss;
import dev.downhill.core.model.Activations;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.model.Model;

/**
 * Adds a block's loss (and gradient) into a {@link GradientAccumulator}: forward pass, per-row
 * l(z_i, y_i) and v_i dl/dz_i from the loss, then the model's backward pass turns the output gradients
 * into parameter gradients (chain rule). One evaluator per task: it owns reusable scratch, sized for the
 * largest block seen, so the loop allocates nothing per row or per block.
 */
public final class LossEvaluator {
    private final Model model;
    private final Loss loss;
    private final int k;
    private Activations activations;
    private double[] outputGradient = new double[0];
    /** A chunk's outputs for {@link #accumulateInChunks}. */
    private double[] chunkOutputs = new double[0];
    /** Bytes of rows per chunk: half of a 32 KiB L1 data cache, leaving room for w and the gradient. */
    static final int CHUNK_BYTES = 16 << 10;
    /** W and the weights' gradient transposed ({@link CsrLinearProducts}), for CSR blocks with several outputs. */
    private double[] transposedWeights = new double[0];
    private double[] transposedGradient = new double[0];
    /** The sum of the prefetching reads of {@link #accumulateInChunks}, stored so the JIT keeps them. */
    private double prefetched;

    public LossEvaluator(Model model, Loss loss) {
        this.model = model;
        this.loss = loss;
        this.k = model.numOutputs();
        this.activations = model.newActivations(1);
    }

    /**
     * Marks the following passes as training passes of iteration {@code iteration}: models with dropout draw
     * their masks from (seed, iteration, row key). Passes are inference passes (no dropout) until this is called.
     */
    public void training(long seed, long iteration) {
        activations.training(seed, iteration);
    }

    /** Marks the following passes as inference passes (no dropout): the default. */
    public void inference() {
        activations.inference();
    }

    /** Adds the block's weighted loss and gradient at {@code params}. */
    public void accumulate(DataBlock block, double[] params, GradientAccumulator into) {
        final int n = block.numRows();
        if (n == 0) {
            return;
        }
        if (model instanceof LinearModel linear) {
            accumulateInChunks(linear, block, params, into);
            return;
        }
        model.forward(params, block, activations);
        final double[] z = activations.outputs();
        if (outputGradient.length < n * k) {
            outputGradient = new double[n * k];
        }
        final double[] dz = outputGradient;
        double lossSum = 0.0;
        double weightSum = 0.0;
        for (int i = 0; i < n; i++) {
            final int offset = i * k;
            final double v = block.weight(i);
            lossSum += v * loss.valueAndDerivative(z, offset, block.label(i), dz);
            weightSum += v;
            if (v != 1.0) {
                for (int c = 0; c < k; c++) {
                    dz[offset + c] *= v;
                }
            }
        }
        model.backward(params, block, activations, dz, into.gradientSumBuffer());
        into.addLoss(lossSum, weightSum, n);
    }

    /**
     * {@link #accumulate} for a linear model, a few rows at a time: each chunk's forward products (K of them,
     * one per output), losses and backward products (K again) run while its rows are still in the L1 cache, so
     * the block is read from memory once per pass instead of 2K times (a CSR block of softmax rows with K = 10
     * was read 20 times a pass before). The sums take their terms in the same row order as the whole-block
     * passes, so the bits are the same. While a chunk's losses are computed, the next chunk's
     * rows are read one cache line at a time ({@link DataBlock#touchRow}), so loading them overlaps compute
     * (scripts/bench dense: 0.085 s an iteration before, 0.055 to 0.067 s after).
     */
    /**
     * Rows per chunk: about {@link #CHUNK_BYTES} of stored rows, d doubles a dense row (float rows take half), a
     * CSR row its mean count of stored values at 12 bytes (value and index) and its row start.
     */
    static int chunkRows(DataBlock block) {
        final int n = block.numRows();
        if (block.isDense()) {
            return Math.max(1, Math.min(n, CHUNK_BYTES / (8 * Math.max(1, block.numFeatures()))));
        }
        double rowBytes = 12.0 * block.storedValues() / n + 4;
        return (int) Math.max(1, Math.min(n, CHUNK_BYTES / rowBytes));
    }

    private void accumulateInChunks(LinearModel linear, DataBlock block, double[] params, GradientAccumulator into) {
        final int n = block.numRows();
        final int chunk = chunkRows(block);
        if (chunkOutputs.length < chunk * k) {
            chunkOutputs = new double[chunk * k];
        }
        if (outputGradient.length < chunk * k) {
            outputGradient = new double[chunk * k];
        }
        final double[] z = chunkOutputs;
        final double[] dz = outputGradient;
        final double[] gradient = into.gradientSumBuffer();
        // CSR rows with several outputs: all K products in one pass over each row, on W and the weights' gradient
        // transposed once per block (copies: the gradient's entries still add their terms in row order)
        final boolean byOutputs = transposeWeights(block, params);
        final int d = block.numFeatures();
        if (byOutputs) {
            CsrLinearProducts.transpose(gradient, d, k, transposedGradient);
        }
        double lossSum = 0.0;
        double weightSum = 0.0;
        double touched = 0.0;
        for (int from = 0; from < n; from += chunk) {
            final int to = Math.min(n, from + chunk);
            forwardChunk(linear, block, params, from, to, byOutputs, z);
            for (int i = from; i < to; i++) {
                if (i + chunk < n) {
                    // the losses and the backward pass read no new rows, so memory would idle: load the next
                    // chunk meanwhile, a row per row (all at once before the losses measured slower)
                    touched += block.touchRow(i + chunk);
                }
                final int offset = (i - from) * k;
                final double v = block.weight(i);
                lossSum += v * loss.valueAndDerivative(z, offset, block.label(i), dz);
                weightSum += v;
                if (v != 1.0) {
                    for (int c = 0; c < k; c++) {
                        dz[offset + c] *= v;
                    }
                }
            }
            if (byOutputs) {
                block.transposeMultiplyAddRowsByOutputs(from, to, dz, k, transposedGradient);
                linear.addInterceptGradients(to - from, dz, gradient);
            } else {
                linear.backwardRows(params, block, from, to, dz, gradient);
            }
        }
        if (byOutputs) {
            CsrLinearProducts.untranspose(transposedGradient, d, k, gradient);
        }
        prefetched = touched;
        into.addLoss(lossSum, weightSum, n);
    }

    /** Adds the block's weighted loss only: a forward pass, no backward pass. */
    public void accumulateValue(DataBlock block, double[] params, GradientAccumulator into) {
        final int n = block.numRows();
        if (n == 0) {
            return;
        }
        if (model instanceof LinearModel linear) {
            accumulateValueInChunks(linear, block, params, into);
            return;
        }
        model.forward(params, block, activations);
        final double[] z = activations.outputs();
        double lossSum = 0.0;
        double weightSum = 0.0;
        for (int i = 0; i < n; i++) {
            final double v = block.weight(i);
            lossSum += v * loss.value(z, i * k, block.label(i));
            weightSum += v;
        }
        into.addLoss(lossSum, weightSum, n);
    }

    /**
     * {@link #accumulateValue} for a linear model, chunk by chunk as {@link #accumulateInChunks}: a dense chunk's K
     * products run while its rows are in the L1 cache (the whole-block pass read the block K times), CSR rows with
     * several outputs take W transposed once per block into the evaluator's scratch. The same terms in the same
     * order as the whole-block pass, so the same bits.
     */
    private void accumulateValueInChunks(LinearModel linear, DataBlock block, double[] params,
                                         GradientAccumulator into) {
        final int n = block.numRows();
        final int chunk = chunkRows(block);
        if (chunkOutputs.length < chunk * k) {
            chunkOutputs = new double[chunk * k];
        }
        final double[] z = chunkOutputs;
        final boolean byOutputs = transposeWeights(block, params);
        double lossSum = 0.0;
        double weightSum = 0.0;
        for (int from = 0; from < n; from += chunk) {
            final int to = Math.min(n, from + chunk);
            forwardChunk(linear, block, params, from, to, byOutputs, z);
            for (int i = from; i < to; i++) {
                final double v = block.weight(i);
                lossSum += v * loss.value(z, (i - from) * k, block.label(i));
                weightSum += v;
            }
        }
        into.addLoss(lossSum, weightSum, n);
    }

    /**
     * Whether the block's rows take all K products in one pass (CSR rows, K &gt; 1); if so W is transposed into the
     * evaluator's scratch (sized for the gradient's transpose too).
     */
    private boolean transposeWeights(DataBlock block, double[] params) {
        if (k == 1 || !block.hasProductsByOutputs()) {
            return false;
        }
        final int d = block.numFeatures();
        final int size = d * CsrLinearProducts.padded(k);
        if (transposedWeights.length < size) {
            transposedWeights = new double[size];
            transposedGradient = new double[size];
        }
        CsrLinearProducts.transpose(params, d, k, transposedWeights);
        return true;
    }

    /** z = the K outputs of rows [from, to), row-major: the same bits as the whole-block forward gives them. */
    private void forwardChunk(LinearModel linear, DataBlock block, double[] params, int from, int to,
                              boolean byOutputs, double[] z) {
        if (byOutputs) {
            block.multiplyRowsByOutputs(from, to, transposedWeights, k, params, k * block.numFeatures(), z);
        } else {
            linear.forwardRows(params, block, from, to, z);
        }
    }
}
