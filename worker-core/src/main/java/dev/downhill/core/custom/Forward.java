package dev.downhill.core.custom;

import dev.downhill.core.autodiff.Node;
import dev.downhill.core.autodiff.Operation;
import dev.downhill.core.autodiff.Tape;
import dev.downhill.core.data.DataBlock;

/**
 * What {@link CustomModel#forward(Forward)} writes a block's forward pass with: the operations of the
 * {@link Tape} (each recorded, so the backward pass is automatic), taking the model's {@link Parameter}s
 * instead of offsets and checking their shapes. The input block (rows x d features, dense or sparse) enters
 * through {@link #inputAffine} or {@link #inputLinear}; everything after works on {@link Node}s.
 */
public final class Forward {
    private final Tape tape;
    private final String modelName;
    private DataBlock block;

    Forward(Tape tape, String modelName) {
        this.tape = tape;
        this.modelName = modelName;
    }

    void begin(DataBlock block) {
        this.block = block;
    }

    /** The block of rows (features, labels, weights) this pass runs on. */
    public DataBlock block() {
        return block;
    }

    public int rows() {
        return block.numRows();
    }

    /** The underlying tape, for operations by offset. */
    public Tape tape() {
        return tape;
    }

    /** Z = X W^T: the input rows times w, of shape [out, d]. */
    public Node inputLinear(Parameter w) {
        matrix(w, block.numFeatures(), "the input's " + block.numFeatures() + " features");
        return tape.linear(block, w.offset(), w.shape()[0]);
    }

    /** Z = X W^T + 1 b^T: w of shape [out, d], b of shape [out]. */
    public Node inputAffine(Parameter w, Parameter b) {
        matrix(w, block.numFeatures(), "the input's " + block.numFeatures() + " features");
        vector(b, w.shape()[0]);
        return tape.affine(block, w.offset(), b.offset(), w.shape()[0]);
    }

    /** Z = H W^T: w of shape [out, cols of h]. */
    public Node linear(Node h, Parameter w) {
        matrix(w, h.cols(), "a node of " + h.cols() + " columns");
        return tape.linear(h, w.offset(), w.shape()[0]);
    }

    /** Z = H W^T + 1 b^T: w of shape [out, cols of h], b of shape [out]. */
    public Node affine(Node h, Parameter w, Parameter b) {
        matrix(w, h.cols(), "a node of " + h.cols() + " columns");
        vector(b, w.shape()[0]);
        return tape.affine(h, w.offset(), b.offset(), w.shape()[0]);
    }

    /** Y = X + 1 b^T, b of shape [cols of x]. */
    public Node addBias(Node x, Parameter b) {
        vector(b, x.cols());
        return tape.addBias(x, b.offset());
    }

    /** The vector p (shape [n]) repeated on every row: a rows x n node, e.g. a learned per-unit scale. */
    public Node row(Parameter p) {
        if (p.shape().length != 1) {
            throw new IllegalArgumentException(modelName + ": row(" + p + ") needs a vector parameter");
        }
        return tape.row(p.offset(), p.shape()[0]);
    }

    public Node relu(Node x) {
        return tape.relu(x);
    }

    public Node leakyRelu(Node x, double slope) {
        return tape.leakyRelu(x, slope);
    }

    public Node tanh(Node x) {
        return tape.tanh(x);
    }

    public Node sigmoid(Node x) {
        return tape.sigmoid(x);
    }

    public Node gelu(Node x) {
        return tape.gelu(x);
    }

    public Node softplus(Node x) {
        return tape.softplus(x);
    }

    /** A + B element-wise. */
    public Node add(Node a, Node b) {
        return tape.add(a, b);
    }

    /** A . B element-wise. */
    public Node multiply(Node a, Node b) {
        return tape.multiply(a, b);
    }

    /** A user-defined operation ({@link Operation}: its forward and its vector-Jacobian product). */
    public Node apply(Operation op, Node... inputs) {
        return tape.apply(op, inputs);
    }

    private void matrix(Parameter w, int in, String what) {
        int[] s = w.shape();
        if (s.length != 2 || s[1] != in) {
            throw new IllegalArgumentException(modelName + ": parameter " + w + " cannot multiply " + what
                    + ": a weight must have shape [out, " + in + "]");
        }
    }

    private void vector(Parameter b, int n) {
        int[] s = b.shape();
        if (s.length != 1 || s[0] != n) {
            throw new IllegalArgumentException(modelName + ": parameter " + b + " does not fit " + n
                    + " columns: it must have shape [" + n + "]");
        }
    }
}
