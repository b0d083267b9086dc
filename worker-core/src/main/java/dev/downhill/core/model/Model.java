package dev.downhill.core.model;

import dev.downhill.core.data.DataBlock;
import java.io.Serializable;
import java.util.List;

/**
 * A differentiable model: a flat parameter vector theta, a forward pass z = F(theta, x) over a block
 * of rows, and a backward pass that turns dl/dz into dl/dtheta by the chain rule:
 * dl/dtheta = (dz/dtheta)^T dl/dz, summed over the rows.
 *
 * <p>The model object holds only shapes, never parameters or scratch, so it is small to ship in a
 * closure and safe to share between threads; per-task state lives in {@link Activations}.
 */
public interface Model extends Serializable {

    /** What this model is (family and shapes): what model files, checkpoints and every command read. */
    Architecture architecture();

    /** The named tensors of the flat parameter vector, in order (model files use these names). */
    default List<ParameterTensor> tensors() {
        return architecture().tensors();
    }

    /**
     * The starting parameters, a function of the seed only (never of the cluster): zeros for a linear model,
     * seeded random weights (and zero biases) for a network.
     */
    default double[] initialParameters(long seed) {
        return new double[numParameters()];
    }

    int numFeatures();

    int numOutputs();

    /** Length of the flat parameter vector. */
    int numParameters();

    /** Whether the L2 penalty applies to parameter {@code index} (weights yes, intercepts/biases no). */
    boolean isPenalized(int index);

    /** Scratch for forward/backward over blocks of up to {@code rows} rows. */
    Activations newActivations(int rows);

    /** Writes the outputs of every row of the block into {@code act}. */
    void forward(double[] params, DataBlock block, Activations act);

    /**
     * Adds sum_i (dz_i/dtheta)^T outputGradient_i to {@code paramGradient}, where outputGradient holds
     * dl/dz for each row in the layout of {@link Activations#outputs()} and act holds what the forward
     * pass on the same block left there.
     */
    void backward(double[] params, DataBlock block, Activations act, double[] outputGradient, double[] paramGradient);
}
