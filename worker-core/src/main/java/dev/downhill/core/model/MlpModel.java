package dev.downhill.core.model;

import dev.downhill.core.autodiff.Node;
import dev.downhill.core.autodiff.Tape;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.sample.SeededRandom;

/**
 * A multi-layer perceptron: h_0 = x, z_i = W_i h_{i-1} + b_i for each layer i, h_i = dropout(f(z_i)) for the
 * hidden layers (f the {@link ActivationFunction}, dropout only in training passes) and the last z as the
 * outputs, linear into the objective's loss. The parameters are laid out as {@link Architecture} says
 * (per layer W_i row-major [out, in], then b_i).
 *
 * <p>The forward pass records the block on a {@link Tape} (kept in this model's {@link Activations}), and the
 * backward pass walks it in reverse from dl/dz (reverse-mode automatic differentiation), so the gradient is
 * exact up to rounding and all the heavy work is blocked matrix products.
 *
 * <p>Dropout, while the {@link Activations} are marked training, masks hidden layer i's unit j of a row with
 * a draw from SeededRandom.of(seed, iteration, rowKey, i), so a row's mask does not depend on the partitioning.
 *
 * <p>Initialization ({@link #initialParameters}), a function of (seed, layer) only: He et al., "Delving deep
 * into rectifiers" (ICCV 2015) for the relu family, W ~ N(0, 2 / fan_in); Glorot and Bengio, "Understanding
 * the difficulty of training deep feedforward neural networks" (AISTATS 2010) for tanh and sigmoid,
 * W ~ U(-a, a) with a = sqrt(6 / (fan_in + fan_out)); biases zero. The output layer follows the same rule
 * as the hidden ones. Normal draws use Box-Muller with {@link StrictMath}, so the bits are the same on
 * every CPU and JVM.
 */
public final class MlpModel implements Model {
    private static final long serialVersionUID = 1L;
    /** Separates the initialization stream from other uses of the seed. */
    private static final long INIT_STREAM = 0x1A17_1A15_0000_0001L;

    private final Architecture architecture;
    private final int[] sizes;
    private final int[] weightOffsets;
    private final int[] biasOffsets;

    public MlpModel(Architecture architecture) {
        if (architecture.type() != Architecture.Type.MLP) {
            throw new IllegalArgumentException("not an mlp architecture: " + architecture);
        }
        this.architecture = architecture;
        this.sizes = architecture.layerSizes();
        int layers = architecture.numLayers();
        this.weightOffsets = new int[layers];
        this.biasOffsets = new int[layers];
        for (int i = 0; i < layers; i++) {
            weightOffsets[i] = architecture.weightOffset(i);
            biasOffsets[i] = architecture.biasOffset(i);
        }
    }

    @Override
    public Architecture architecture() {
        return architecture;
    }

    @Override
    public int numFeatures() {
        return architecture.inputs();
    }

    @Override
    public int numOutputs() {
        return architecture.outputs();
    }

    @Override
    public int numParameters() {
        return architecture.numParameters();
    }

    /** Weights are penalized, biases not. */
    @Override
    public boolean isPenalized(int index) {
        if (index < 0 || index >= numParameters()) {
            throw new IndexOutOfBoundsException("parameter " + index + " of " + numParameters());
        }
        for (int i = 0; i < biasOffsets.length; i++) {
            if (index < biasOffsets[i]) {
                return true;
            }
            if (index < biasOffsets[i] + sizes[i + 1]) {
                return false;
            }
        }
        throw new AssertionError(index);
    }

    /** He or Glorot weights per layer from SeededRandom.of(seed, stream, layer); biases zero. */
    @Override
    public double[] initialParameters(long seed) {
        double[] theta = new double[numParameters()];
        boolean he = architecture.activation().usesHeInitialization();
        for (int layer = 0; layer < weightOffsets.length; layer++) {
            int in = sizes[layer];
            int out = sizes[layer + 1];
            int count = in * out;
            int offset = weightOffsets[layer];
            SeededRandom rng = SeededRandom.of(seed, INIT_STREAM, layer);
            if (he) {
                double std = StrictMath.sqrt(2.0 / Math.max(in, 1));
                for (int p = 0; p < count; p += 2) {
                    // Box-Muller: two independent N(0, 1) from two uniforms; 1 - u keeps the log finite.
                    double r = StrictMath.sqrt(-2.0 * StrictMath.log(1.0 - rng.nextDouble()));
                    double angle = 2.0 * StrictMath.PI * rng.nextDouble();
                    theta[offset + p] = std * r * StrictMath.cos(angle);
                    if (p + 1 < count) {
                        theta[offset + p + 1] = std * r * StrictMath.sin(angle);
                    }
                }
            } else {
                double a = StrictMath.sqrt(6.0 / Math.max(in + out, 1));
                for (int p = 0; p < count; p++) {
                    theta[offset + p] = a * (2.0 * rng.nextDouble() - 1.0);
                }
            }
        }
        return theta;
    }

    @Override
    public Activations newActivations(int rows) {
        return new TapeActivations(numOutputs(), rows);
    }

    @Override
    public void forward(double[] params, DataBlock block, Activations act) {
        checkShapes(params, block);
        TapeActivations scratch = scratch(act);
        Tape tape = scratch.tape;
        int n = block.numRows();
        tape.begin(n, params);
        int layers = weightOffsets.length;
        Node h = tape.affine(block, weightOffsets[0], biasOffsets[0], sizes[1]);
        for (int i = 1; i < layers; i++) {
            h = tape.activation(h, architecture.activation(), architecture.negativeSlope());
            if (act.isTraining() && architecture.dropout() > 0.0) {
                h = tape.dropout(h, architecture.dropout(), block, act.seed(), act.iteration(), i - 1);
            }
            h = tape.affine(h, weightOffsets[i], biasOffsets[i], sizes[i + 1]);
        }
        act.ensureRows(n);
        System.arraycopy(h.value(), 0, act.outputs(), 0, n * numOutputs());
        scratch.output = h;
        scratch.block = block;
        scratch.params = params;
    }

    @Override
    public void backward(double[] params, DataBlock block, Activations act, double[] outputGradient,
                         double[] paramGradient) {
        checkShapes(params, block);
        TapeActivations scratch = scratch(act);
        if (scratch.block != block || scratch.params != params || scratch.output == null) {
            throw new IllegalStateException("backward needs the forward pass of the same block and parameters");
        }
        if (paramGradient.length != params.length) {
            throw new IllegalArgumentException("gradient has " + paramGradient.length + " entries, expected "
                    + params.length);
        }
        scratch.tape.backward(scratch.output, outputGradient, paramGradient);
    }

    private static TapeActivations scratch(Activations act) {
        if (!(act instanceof TapeActivations)) {
            throw new IllegalArgumentException("an mlp needs the Activations of its own newActivations()");
        }
        return (TapeActivations) act;
    }

    private void checkShapes(double[] params, DataBlock block) {
        if (params.length != numParameters()) {
            throw new IllegalArgumentException("expected " + numParameters() + " parameters, got " + params.length);
        }
        if (block.numFeatures() != numFeatures()) {
            throw new IllegalArgumentException("block has " + block.numFeatures() + " features, model has "
                    + numFeatures());
        }
    }

    /** The outputs plus the tape of the last forward pass (its hidden layers), reused block after block. */
    public static final class TapeActivations extends Activations {
        private final Tape tape = new Tape();
        private Node output;
        private DataBlock block;
        private double[] params;

        TapeActivations(int numOutputs, int capacityRows) {
            super(numOutputs, capacityRows);
        }

        /** The tape of the last forward pass. */
        public Tape tape() {
            return tape;
        }
    }
}
