package dev.downhill.core.autodiff;

import dev.downhill.core.data.DataBlock;

/**
 * One recorded value on a {@link Tape}: a block-shaped matrix of rows x cols, row-major in {@link #value()},
 * with its adjoint (dF/dvalue, same layout) in {@link #gradient()} once {@link Tape#backward} has reached it.
 *
 * <p>Nodes and their buffers belong to the tape and are reused for the next block: a node is valid until the
 * tape is begun again. Buffers may be longer than rows x cols (they are sized for the largest block seen).
 */
public final class Node {
    private static final double[] EMPTY = new double[0];

    // What produced this node (set when recorded; read by the backward pass).
    int op;
    Node a;
    Node b;
    DataBlock block;
    int rows;
    int cols;
    int weightOffset;
    int biasOffset;
    double scalar;
    /** Whether dF/d(this) is wanted: a parameter or a gradient leaf lies upstream. */
    boolean requiresGradient;
    /** Whether {@link #gradient} holds a value yet this backward pass (first contribution writes, later ones add). */
    boolean gradientSet;

    double[] value = EMPTY;
    double[] gradient = EMPTY;
    /** Per-op scratch kept from forward for backward (dropout's mask, gelu's Phi(x)). */
    double[] aux = EMPTY;
    /** A user-defined operation's code, its inputs, and its buffers (null for built-in operations). */
    Operation operation;
    Node[] inputs;
    Operation.Buffers buffers;
    /** A user-defined operation's per-input gradient scratch, reused block after block. */
    double[][] inputScratch;

    Node() {}

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** The values, entry (i, j) at i * cols + j. */
    public double[] value() {
        return value;
    }

    /** dF/dvalue after the backward pass, same layout; undefined for a node the pass did not reach. */
    public double[] gradient() {
        if (!gradientSet) {
            throw new IllegalStateException("no gradient reached this node (backward not run, or it does not "
                    + "lie on a path to the output)");
        }
        return gradient;
    }

    static double[] grow(double[] buffer, int length) {
        return buffer.length >= length ? buffer : new double[length];
    }
}
