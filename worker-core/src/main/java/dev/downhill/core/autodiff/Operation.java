package dev.downhill.core.autodiff;

import java.io.Serializable;

/**
 * A user-defined operation on a {@link Tape}: for what the built-in operations lack. It maps input nodes
 * X_1..X_m (each rows x cols_i) to an output Y (rows x {@link #outputColumns}), and supplies both halves of
 * reverse-mode differentiation:
 * <ul>
 *   <li>{@link #forward}: Y = f(X_1, ..., X_m), written into {@link Buffers#output()};</li>
 *   <li>{@link #vectorJacobianProduct}: given G = dF/dY ({@link Buffers#outputGradient()}), writes
 *       dF/dX_i = (dY/dX_i)^T G into {@link Buffers#inputGradient(int)} for each input that needs one (the
 *       buffer is zero-filled; null for an input no parameter lies upstream of). The tape adds these into the
 *       inputs' adjoints.</li>
 * </ul>
 * Buffers are row-major: entry (r, c) of a rows x cols matrix is at {@code r * cols + c}; they may be longer
 * than rows x cols (they are reused and sized for the largest block), so loop to rows x cols, never to
 * {@code length}. The forward pass must be a function of the inputs alone (no state kept between calls,
 * no randomness): the gradient check at the start of training compares the product with central differences
 * of {@code forward}, and names the operation if they disagree.
 *
 * <p>Example, swish(x) = x sigmoid(x), element-wise, with derivative s + x s (1 - s):
 * <pre>{@code
 * public final class Swish implements Operation {
 *     public String name() { return "swish"; }
 *     public void forward(Buffers b) {
 *         double[] x = b.input(0), y = b.output();
 *         for (int i = 0; i < b.rows() * b.outputColumns(); i++) {
 *             y[i] = x[i] * ScalarFunctions.sigmoid(x[i]);
 *         }
 *     }
 *     public void vectorJacobianProduct(Buffers b) {
 *         double[] x = b.input(0), g = b.outputGradient(), dx = b.inputGradient(0);
 *         for (int i = 0; i < b.rows() * b.outputColumns(); i++) {
 *             double s = ScalarFunctions.sigmoid(x[i]);
 *             dx[i] = g[i] * (s + x[i] * s * (1 - s));
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>Operations are shipped to executors with the model (Java serialization), so they hold only settings.
 */
public interface Operation extends Serializable {

    /** The operation's name, as error messages and the gradient check report it. */
    String name();

    /** Columns of the output for inputs of these column counts: by default the first input's (element-wise). */
    default int outputColumns(int[] inputColumns) {
        return inputColumns[0];
    }

    /** Writes Y = f(X_1..X_m) into {@code b.output()}. */
    void forward(Buffers b);

    /** Writes (dY/dX_i)^T G into each non-null {@code b.inputGradient(i)} (zero-filled on entry). */
    void vectorJacobianProduct(Buffers b);

    /** The buffers of one application of an operation on a block; valid during the call only. */
    final class Buffers {
        int rows;
        Node[] inputs;
        Node output;
        double[][] inputGradients;
        double[] outputGradient;

        Buffers() {}

        /** Rows of the block. */
        public int rows() {
            return rows;
        }

        /** Number of inputs. */
        public int numInputs() {
            return inputs.length;
        }

        /** Input i's values (rows x inputColumns(i), row-major). */
        public double[] input(int i) {
            return inputs[i].value;
        }

        public int inputColumns(int i) {
            return inputs[i].cols;
        }

        /** The output's values: written by forward, read-only in the vector-Jacobian product. */
        public double[] output() {
            return output.value;
        }

        public int outputColumns() {
            return output.cols;
        }

        /** G = dF/dY (rows x outputColumns); only during the vector-Jacobian product. */
        public double[] outputGradient() {
            if (outputGradient == null) {
                throw new IllegalStateException("the output gradient exists only in vectorJacobianProduct");
            }
            return outputGradient;
        }

        /**
         * Where dF/dX_i goes (zero-filled, rows x inputColumns(i)); null when input i needs no gradient (or
         * outside the vector-Jacobian product).
         */
        public double[] inputGradient(int i) {
            return inputGradients == null ? null : inputGradients[i];
        }
    }
}
