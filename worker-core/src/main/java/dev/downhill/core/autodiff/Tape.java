package dev.downhill.core.autodiff;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.linalg.Gemm;
import dev.downhill.core.loss.Loss;
import dev.downhill.core.model.ActivationFunction;
import dev.downhill.core.sample.SeededRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * Reverse-mode automatic differentiation over one block of rows (Baydin, Pearlmutter, Radul and Siskind,
 * "Automatic differentiation in machine learning: a survey", JMLR 18, 2018, section 3.2). The forward pass
 * records each operation on a tape as a {@link Node}: a matrix of (rows of the block) x (units), one
 * row-major double[] per node, never an object per row. {@link #backward} walks the tape in reverse and each
 * operation adds its vector-Jacobian product: given the adjoint G = dF/dY of its output it adds
 * (dY/dX)^T G to the adjoint of each input and to the gradient of the parameters it read.
 *
 * <p>Parameters are slices of one flat vector (given to {@link #begin}); their gradients are added into a
 * flat array at the same offsets. Matrix products go through {@link DataBlock#multiplyTransposed} and
 * {@link DataBlock#transposeMultiplyAddMatrix} (the input block: dense or sparse, float64 or float32) and
 * {@link Gemm} (hidden layers), so all the heavy work is blocked matrix products:
 * <ul>
 *   <li>Z = X W^T (+ b): dW += dZ^T X, db += column sums of dZ, dX (+)= dZ W (not for the data block).</li>
 *   <li>Element-wise Y = f(X): dX (+)= G . f'(X), with
 *     <ul>
 *       <li>relu: f = max(0, x), f' = [x &gt; 0];</li>
 *       <li>leaky-relu: f = x for x &gt; 0, a x otherwise; f' = 1 resp. a;</li>
 *       <li>tanh: f' = 1 - f^2;</li>
 *       <li>sigmoid: f = 1 / (1 + e^-x) for x &gt;= 0 and e^x / (1 + e^x) below, so exp never overflows;
 *           f' = f (1 - f);</li>
 *       <li>gelu: f = x Phi(x) with the exact normal CDF Phi(x) = erfc(-x / sqrt 2) / 2 (Hendrycks and
 *           Gimpel, "Gaussian Error Linear Units (GELUs)", 2016); erfc rather than 1 + erf keeps full relative
 *           accuracy in the left tail; f' = Phi(x) + x phi(x), phi the normal density;</li>
 *       <li>softplus: f = log(1 + e^x) evaluated as max(x, 0) + log1p(e^-|x|) (no overflow, no loss of the
 *           small tail); f' = sigmoid(x).</li>
 *     </ul></li>
 *   <li>Add and multiply of two nodes: d(A + B) passes G to both; d(A . B) gives G . B to A and G . A to B.</li>
 *   <li>Inverted dropout (Srivastava et al., "Dropout: a simple way to prevent neural networks from
 *       overfitting", JMLR 15, 2014): Y = X . M / (1 - p) with M_ij ~ Bernoulli(1 - p), so E[Y] = X and
 *       inference needs no rescaling; dX = G . M / (1 - p). Row i's mask is drawn from
 *       {@code SeededRandom.of(seed, iteration, rowKey(i), layer)}, unit j the j-th draw, so it depends on
 *       the row's identity and never on how rows were split into blocks or partitions.</li>
 *   <li>A loss as the last step: F = sum_i v_i l(z_i, y_i), the adjoint of z_i is v_i dl/dz_i
 *       (instance weights v_i as {@code LossEvaluator} applies them).</li>
 * </ul>
 *
 * <p>Reuse: nodes and their buffers are pooled by position on the tape and kept for the next block (a
 * buffer grows to the largest block seen and never shrinks), so a steady stream of blocks allocates nothing.
 * Adjoints are written by the first contribution and added to by later ones, so no buffer is zero-filled.
 * Every loop runs in a fixed order, so results are the same bits on every run, whatever the partitioning or
 * thread count. Transcendental functions are {@link Math}'s, as in the losses (and erfc's, which is pure Java
 * over Math.exp): the same bits on every run of one JVM build on one kind of CPU; Math only promises an ulp of
 * the exact value, so another JVM or CPU architecture may differ in the last bit.
 *
 * <p>One tape per task; not thread-safe.
 */
public final class Tape {
    static final int LEAF = 0;
    static final int BLOCK_PRODUCT = 1;
    static final int PRODUCT = 2;
    static final int BIAS = 3;
    static final int RELU = 4;
    static final int LEAKY_RELU = 5;
    static final int TANH = 6;
    static final int SIGMOID = 7;
    static final int GELU = 8;
    static final int SOFTPLUS = 9;
    static final int ADD = 10;
    static final int MULTIPLY = 11;
    static final int DROPOUT = 12;
    static final int CUSTOM = 13;

    private final List<Node> pool = new ArrayList<>();
    private int size;
    private int rows = -1;
    private double[] params;
    /** The node {@link #loss} gave an adjoint, for {@link #backward(double[])}. */
    private Node seeded;

    /** Clears the tape for a block of {@code rows} rows whose parameters are {@code params} (not copied). */
    public void begin(int rows, double[] params) {
        if (rows < 0) {
            throw new IllegalArgumentException("rows must be >= 0, got " + rows);
        }
        this.rows = rows;
        this.params = params;
        this.size = 0;
        this.seeded = null;
    }

    /** Rows of the current block. */
    public int rows() {
        requireBegun();
        return rows;
    }

    /** Nodes recorded since {@link #begin}. */
    public int size() {
        return size;
    }

    private void requireBegun() {
        if (rows < 0) {
            throw new IllegalStateException("begin(rows, params) was not called");
        }
    }

    private Node record(int op, int cols, Node a, Node b, boolean requiresGradient) {
        requireBegun();
        Node n;
        if (size == pool.size()) {
            n = new Node();
            pool.add(n);
        } else {
            n = pool.get(size);
        }
        size++;
        n.op = op;
        n.a = a;
        n.b = b;
        n.block = null;
        n.rows = rows;
        n.cols = cols;
        n.weightOffset = -1;
        n.biasOffset = -1;
        n.scalar = 0.0;
        n.requiresGradient = requiresGradient;
        n.gradientSet = false;
        n.operation = null;
        n.inputs = null;
        n.value = Node.grow(n.value, Math.multiplyExact(rows, cols));
        return n;
    }

    private void requireOwn(Node n) {
        if (n == null || n.rows != rows || indexOf(n) < 0) {
            throw new IllegalArgumentException("node is not on this tape's current block");
        }
    }

    private int indexOf(Node n) {
        for (int i = size - 1; i >= 0; i--) {
            if (pool.get(i) == n) {
                return i;
            }
        }
        return -1;
    }

    private void checkParams(int offset, long length) {
        if (offset < 0 || offset + length > params.length) {
            throw new IndexOutOfBoundsException("parameters [" + offset + ", " + (offset + length)
                    + ") outside the vector of " + params.length);
        }
    }

    /**
     * A leaf holding the given rows x cols values (copied); with {@code requiresGradient} its adjoint is
     * kept, so dF/dX can be read after the backward pass.
     */
    public Node leaf(double[] values, int cols, boolean requiresGradient) {
        int len = Math.multiplyExact(rows(), cols);
        if (values.length < len) {
            throw new IllegalArgumentException(values.length + " values for " + rows + " x " + cols);
        }
        Node n = record(LEAF, cols, null, null, requiresGradient);
        System.arraycopy(values, 0, n.value, 0, len);
        return n;
    }

    /** Z = X W^T: X the block (rows x d), W the [outputs, d] row-major matrix at {@code weightOffset}. */
    public Node linear(DataBlock x, int weightOffset, int outputs) {
        return affine(x, weightOffset, -1, outputs);
    }

    /**
     * Z = X W^T + 1 b^T: the block times a weight matrix ([outputs, d] at weightOffset) plus a bias
     * ([outputs] at biasOffset; none if negative).
     */
    public Node affine(DataBlock x, int weightOffset, int biasOffset, int outputs) {
        if (x.numRows() != rows()) {
            throw new IllegalArgumentException("block has " + x.numRows() + " rows, tape has " + rows);
        }
        checkParams(weightOffset, (long) outputs * x.numFeatures());
        if (biasOffset >= 0) {
            checkParams(biasOffset, outputs);
        }
        Node n = record(BLOCK_PRODUCT, outputs, null, null, true);
        n.block = x;
        n.weightOffset = weightOffset;
        n.biasOffset = biasOffset;
        x.multiplyTransposed(params, weightOffset, outputs, n.value);
        addBiasRows(n.value, params, biasOffset, rows, outputs);
        return n;
    }

    /** Z = H W^T: H a node (rows x in), W the [outputs, in] row-major matrix at {@code weightOffset}. */
    public Node linear(Node h, int weightOffset, int outputs) {
        return affine(h, weightOffset, -1, outputs);
    }

    /** Z = H W^T + 1 b^T (no bias if biasOffset is negative). */
    public Node affine(Node h, int weightOffset, int biasOffset, int outputs) {
        requireOwn(h);
        int in = h.cols;
        checkParams(weightOffset, (long) outputs * in);
        if (biasOffset >= 0) {
            checkParams(biasOffset, outputs);
        }
        Node n = record(PRODUCT, outputs, h, null, true);
        n.weightOffset = weightOffset;
        n.biasOffset = biasOffset;
        Gemm.multiplyTransposed(rows, outputs, in, h.value, 0, in, params, weightOffset, in, n.value, 0, outputs,
                false);
        addBiasRows(n.value, params, biasOffset, rows, outputs);
        return n;
    }

    /** Y = X + 1 b^T, b the [cols] vector at {@code biasOffset}. */
    public Node addBias(Node x, int biasOffset) {
        requireOwn(x);
        checkParams(biasOffset, x.cols);
        Node n = record(BIAS, x.cols, x, null, true);
        n.biasOffset = biasOffset;
        System.arraycopy(x.value, 0, n.value, 0, rows * x.cols);
        addBiasRows(n.value, params, biasOffset, rows, x.cols);
        return n;
    }

    private static void addBiasRows(double[] z, double[] p, int biasOffset, int rows, int cols) {
        if (biasOffset < 0) {
            return;
        }
        for (int i = 0; i < rows; i++) {
            int row = i * cols;
            for (int o = 0; o < cols; o++) {
                z[row + o] += p[biasOffset + o];
            }
        }
    }

    /** The activation applied element-wise ({@code negativeSlope} is read by leaky-relu only). */
    public Node activation(Node x, ActivationFunction f, double negativeSlope) {
        switch (f) {
            case RELU:
                return relu(x);
            case LEAKY_RELU:
                return leakyRelu(x, negativeSlope);
            case TANH:
                return tanh(x);
            case SIGMOID:
                return sigmoid(x);
            case GELU:
                return gelu(x);
            case SOFTPLUS:
                return softplus(x);
            default:
                throw new AssertionError(f);
        }
    }

    private Node unary(int op, Node x) {
        requireOwn(x);
        return record(op, x.cols, x, null, x.requiresGradient);
    }

    /** max(0, x); derivative 1 above zero and 0 at and below it (as PyTorch). */
    public Node relu(Node x) {
        Node n = unary(RELU, x);
        double[] in = x.value;
        double[] out = n.value;
        int len = rows * x.cols;
        for (int i = 0; i < len; i++) {
            // Math.max compiles without a branch (signs are unpredictable) and passes NaN on, as PyTorch does.
            out[i] = Math.max(in[i], 0.0);
        }
        return n;
    }

    /** x above zero, slope x at and below it; derivative 1 resp. slope. */
    public Node leakyRelu(Node x, double slope) {
        if (!Double.isFinite(slope)) {
            throw new IllegalArgumentException("negative slope must be finite, got " + slope);
        }
        Node n = unary(LEAKY_RELU, x);
        n.scalar = slope;
        double[] in = x.value;
        double[] out = n.value;
        int len = rows * x.cols;
        for (int i = 0; i < len; i++) {
            double v = in[i];
            out[i] = Math.max(v, 0.0) + slope * Math.min(v, 0.0);
        }
        return n;
    }

    public Node tanh(Node x) {
        Node n = unary(TANH, x);
        double[] in = x.value;
        double[] out = n.value;
        int len = rows * x.cols;
        for (int i = 0; i < len; i++) {
            out[i] = Math.tanh(in[i]);
        }
        return n;
    }

    /** 1 / (1 + e^-x), as e^x / (1 + e^x) below zero. */
    public Node sigmoid(Node x) {
        Node n = unary(SIGMOID, x);
        double[] in = x.value;
        double[] out = n.value;
        int len = rows * x.cols;
        for (int i = 0; i < len; i++) {
            out[i] = ScalarFunctions.sigmoid(in[i]);
        }
        return n;
    }

    /** x Phi(x), Phi the exact standard normal CDF. */
    public Node gelu(Node x) {
        Node n = unary(GELU, x);
        int len = rows * x.cols;
        n.aux = Node.grow(n.aux, len);
        double[] in = x.value;
        double[] out = n.value;
        double[] phi = n.aux;
        for (int i = 0; i < len; i++) {
            double v = in[i];
            double c = ScalarFunctions.normalCdf(v);
            phi[i] = c;
            out[i] = v * c;
        }
        return n;
    }

    /** log(1 + e^x) as max(x, 0) + log1p(e^-|x|). */
    public Node softplus(Node x) {
        Node n = unary(SOFTPLUS, x);
        double[] in = x.value;
        double[] out = n.value;
        int len = rows * x.cols;
        for (int i = 0; i < len; i++) {
            out[i] = ScalarFunctions.softplus(in[i]);
        }
        return n;
    }

    /**
     * A row of parameters repeated for every row of the block: Y = 1 p^T, p the [cols] vector at {@code offset}
     * (the gradient of p is the column sums of dF/dY). Lets an {@link Operation} or {@link #multiply} read
     * parameters, for instance a learned per-unit scale.
     */
    public Node row(int offset, int cols) {
        requireBegun();
        if (cols < 1) {
            throw new IllegalArgumentException("a parameter row needs at least one column, got " + cols);
        }
        checkParams(offset, cols);
        Node n = record(BIAS, cols, null, null, true);
        n.biasOffset = offset;
        java.util.Arrays.fill(n.value, 0, rows * cols, 0.0);
        addBiasRows(n.value, params, offset, rows, cols);
        return n;
    }

    /**
     * A user-defined operation applied to nodes of this block: records it and runs its
     * {@link Operation#forward}; the backward pass runs its {@link Operation#vectorJacobianProduct}.
     */
    public Node apply(Operation op, Node... inputs) {
        if (inputs.length == 0) {
            throw new IllegalArgumentException("operation '" + op.name() + "' needs at least one input node");
        }
        int[] cols = new int[inputs.length];
        boolean requiresGradient = false;
        for (int i = 0; i < inputs.length; i++) {
            requireOwn(inputs[i]);
            cols[i] = inputs[i].cols;
            requiresGradient |= inputs[i].requiresGradient;
        }
        int outCols = op.outputColumns(cols);
        if (outCols < 1) {
            throw new IllegalArgumentException("operation '" + op.name() + "' gives " + outCols
                    + " output columns for inputs of " + java.util.Arrays.toString(cols) + " columns");
        }
        Node n = record(CUSTOM, outCols, null, null, requiresGradient);
        n.operation = op;
        n.inputs = inputs.clone();
        if (n.buffers == null) {
            n.buffers = new Operation.Buffers();
        }
        Operation.Buffers b = n.buffers;
        b.rows = rows;
        b.inputs = n.inputs;
        b.output = n;
        b.inputGradients = null;
        b.outputGradient = null;
        op.forward(b);
        return n;
    }

    /**
     * Checks every user-defined operation recorded on the current block against central differences
     * ({@link OperationCheck#all}); the tape is left as it was.
     */
    public List<OperationCheck> checkOperations(long seed) {
        return OperationCheck.all(this, seed);
    }

    /** The node at {@code position} on the tape (below {@link #size}). */
    Node node(int position) {
        return pool.get(position);
    }

    /** A + B, element-wise (same shape). */
    public Node add(Node a, Node b) {
        Node n = binary(ADD, a, b);
        double[] x = a.value;
        double[] y = b.value;
        double[] out = n.value;
        int len = rows * a.cols;
        for (int i = 0; i < len; i++) {
            out[i] = x[i] + y[i];
        }
        return n;
    }

    /** A . B, element-wise (same shape). */
    public Node multiply(Node a, Node b) {
        Node n = binary(MULTIPLY, a, b);
        double[] x = a.value;
        double[] y = b.value;
        double[] out = n.value;
        int len = rows * a.cols;
        for (int i = 0; i < len; i++) {
            out[i] = x[i] * y[i];
        }
        return n;
    }

    private Node binary(int op, Node a, Node b) {
        requireOwn(a);
        requireOwn(b);
        if (a.cols != b.cols) {
            throw new IllegalArgumentException("shapes differ: " + rows + " x " + a.cols + " and " + rows + " x "
                    + b.cols);
        }
        return record(op, a.cols, a, b, a.requiresGradient || b.requiresGradient);
    }

    /**
     * Inverted dropout with probability p: each entry kept with probability 1 - p and scaled by 1 / (1 - p).
     * Row i's mask is drawn from SeededRandom.of(seed, iteration, block.rowKey(i), layer), unit j the j-th
     * draw, kept when the draw is &gt;= p.
     */
    public Node dropout(Node x, double p, DataBlock block, long seed, long iteration, int layer) {
        if (!(p >= 0.0 && p < 1.0)) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        }
        if (block.numRows() != rows()) {
            throw new IllegalArgumentException("block has " + block.numRows() + " rows, tape has " + rows);
        }
        Node n = unary(DROPOUT, x);
        int cols = x.cols;
        int len = rows * cols;
        n.aux = Node.grow(n.aux, len);
        n.scalar = p;
        double scale = 1.0 / (1.0 - p);
        double[] in = x.value;
        double[] out = n.value;
        double[] mask = n.aux;
        for (int i = 0; i < rows; i++) {
            SeededRandom rng = SeededRandom.of(seed, iteration, block.rowKey(i), layer);
            int row = i * cols;
            for (int j = 0; j < cols; j++) {
                double m = rng.nextDouble() >= p ? scale : 0.0;
                mask[row + j] = m;
                out[row + j] = in[row + j] * m;
            }
        }
        return n;
    }

    /**
     * The loss as the last step: returns F = sum_i v_i l(z_i, y_i) over the block's rows and sets z's adjoint
     * to v_i dl/dz_i, ready for {@link #backward(double[])}. z has the loss's number of outputs as columns.
     */
    public double loss(Node z, Loss loss, DataBlock block) {
        requireOwn(z);
        if (block.numRows() != rows) {
            throw new IllegalArgumentException("block has " + block.numRows() + " rows, tape has " + rows);
        }
        int k = z.cols;
        int len = rows * k;
        z.gradient = Node.grow(z.gradient, len);
        double[] values = z.value;
        double[] dz = z.gradient;
        double sum = 0.0;
        for (int i = 0; i < rows; i++) {
            int offset = i * k;
            double v = block.weight(i);
            sum += v * loss.valueAndDerivative(values, offset, block.label(i), dz);
            if (v != 1.0) {
                for (int c = 0; c < k; c++) {
                    dz[offset + c] *= v;
                }
            }
        }
        clearAdjoints();
        z.gradientSet = true;
        seeded = z;
        return sum;
    }

    /** Backward from the node {@link #loss} seeded: adds dF/dtheta into {@code paramGradient}. */
    public void backward(double[] paramGradient) {
        if (seeded == null || indexOf(seeded) < 0) {
            throw new IllegalStateException("no loss was recorded on this block");
        }
        Node output = seeded;
        seeded = null;
        run(indexOf(output), paramGradient);
    }

    /**
     * Backward from {@code output} with adjoint {@code seed} (rows x cols, the vector of the vector-Jacobian
     * product): adds seed^T d(output)/dtheta into {@code paramGradient} and leaves seed^T d(output)/dX in
     * the gradient of every leaf X that requires one.
     */
    public void backward(Node output, double[] seed, double[] paramGradient) {
        requireOwn(output);
        int len = rows * output.cols;
        if (seed.length < len) {
            throw new IllegalArgumentException(seed.length + " adjoint values for " + rows + " x " + output.cols);
        }
        clearAdjoints();
        output.gradient = Node.grow(output.gradient, len);
        System.arraycopy(seed, 0, output.gradient, 0, len);
        output.gradientSet = true;
        seeded = null;
        run(indexOf(output), paramGradient);
    }

    private void clearAdjoints() {
        for (int i = 0; i < size; i++) {
            pool.get(i).gradientSet = false;
        }
    }

    private void run(int last, double[] g) {
        if (g.length != params.length) {
            throw new IllegalArgumentException("gradient has " + g.length + " entries for " + params.length
                    + " parameters");
        }
        for (int i = last; i >= 0; i--) {
            Node n = pool.get(i);
            if (n.gradientSet) {
                backwardStep(n, g);
            }
        }
    }

    /** Returns a's adjoint buffer (grown), or null if a needs none. */
    private double[] adjoint(Node a) {
        if (a == null || !a.requiresGradient) {
            return null;
        }
        a.gradient = Node.grow(a.gradient, rows * a.cols);
        return a.gradient;
    }

    private void backwardStep(Node n, double[] g) {
        final int len = rows * n.cols;
        final double[] dy = n.gradient;
        final Node a = n.a;
        switch (n.op) {
            case LEAF:
                return;
            case BLOCK_PRODUCT:
                n.block.transposeMultiplyAddMatrix(dy, n.cols, g, n.weightOffset);
                biasGradient(dy, n.cols, g, n.biasOffset);
                return;
            case PRODUCT: {
                int in = a.cols;
                Gemm.transposedMultiplyAdd(n.cols, in, rows, dy, 0, n.cols, a.value, 0, in, g, n.weightOffset, in);
                biasGradient(dy, n.cols, g, n.biasOffset);
                double[] da = adjoint(a);
                if (da != null) {
                    Gemm.multiply(rows, in, n.cols, dy, 0, n.cols, params, n.weightOffset, in, da, 0, in,
                            a.gradientSet);
                    a.gradientSet = true;
                }
                return;
            }
            case BIAS:
                biasGradient(dy, n.cols, g, n.biasOffset);
                passThrough(a, dy, len);
                return;
            case ADD:
                passThrough(a, dy, len);
                passThrough(n.b, dy, len);
                return;
            case MULTIPLY: {
                // Both products read the forward values, so the order does not matter even when a == b.
                scaleInto(a, dy, n.b.value, len);
                scaleInto(n.b, dy, a.value, len);
                return;
            }
            case DROPOUT:
                scaleInto(a, dy, n.aux, len);
                return;
            case CUSTOM:
                customBackward(n, dy);
                return;
            default:
                elementwise(n, dy, len);
        }
    }

    /** A user-defined operation's product into zero-filled scratch, then added into its inputs' adjoints. */
    private void customBackward(Node n, double[] dy) {
        Node[] in = n.inputs;
        if (n.inputScratch == null || n.inputScratch.length != in.length) {
            n.inputScratch = new double[in.length][];
        }
        double[][] grads = new double[in.length][];
        for (int i = 0; i < in.length; i++) {
            if (in[i].requiresGradient) {
                int len = rows * in[i].cols;
                n.inputScratch[i] = Node.grow(n.inputScratch[i] == null ? new double[0] : n.inputScratch[i], len);
                java.util.Arrays.fill(n.inputScratch[i], 0, len, 0.0);
                grads[i] = n.inputScratch[i];
            }
        }
        Operation.Buffers b = n.buffers;
        b.rows = rows;
        b.inputs = in;
        b.output = n;
        b.outputGradient = dy;
        b.inputGradients = grads;
        try {
            n.operation.vectorJacobianProduct(b);
        } finally {
            b.outputGradient = null;
            b.inputGradients = null;
        }
        for (int i = 0; i < in.length; i++) {
            if (grads[i] != null) {
                passThrough(in[i], grads[i], rows * in[i].cols);
            }
        }
    }

    /** g[biasOffset + o] += sum_i dy[i, o], rows in order. */
    private void biasGradient(double[] dy, int cols, double[] g, int biasOffset) {
        if (biasOffset < 0) {
            return;
        }
        for (int i = 0; i < rows; i++) {
            int row = i * cols;
            for (int o = 0; o < cols; o++) {
                g[biasOffset + o] += dy[row + o];
            }
        }
    }

    private void passThrough(Node a, double[] dy, int len) {
        double[] da = adjoint(a);
        if (da == null) {
            return;
        }
        if (a.gradientSet) {
            for (int i = 0; i < len; i++) {
                da[i] += dy[i];
            }
        } else {
            System.arraycopy(dy, 0, da, 0, len);
            a.gradientSet = true;
        }
    }

    /** a's adjoint (+)= dy . s. */
    private void scaleInto(Node a, double[] dy, double[] s, int len) {
        double[] da = adjoint(a);
        if (da == null) {
            return;
        }
        if (a.gradientSet) {
            for (int i = 0; i < len; i++) {
                da[i] += dy[i] * s[i];
            }
        } else {
            for (int i = 0; i < len; i++) {
                da[i] = dy[i] * s[i];
            }
            a.gradientSet = true;
        }
    }

    /** a's adjoint (+)= dy . f'(x) for the element-wise activations. */
    private void elementwise(Node n, double[] dy, int len) {
        Node a = n.a;
        double[] da = adjoint(a);
        if (da == null) {
            return;
        }
        boolean add = a.gradientSet;
        double[] x = a.value;
        double[] y = n.value;
        switch (n.op) {
            case RELU:
                for (int i = 0; i < len; i++) {
                    double d = x[i] > 0.0 ? dy[i] : 0.0;
                    da[i] = add ? da[i] + d : d;
                }
                break;
            case LEAKY_RELU: {
                double slope = n.scalar;
                for (int i = 0; i < len; i++) {
                    double d = x[i] > 0.0 ? dy[i] : slope * dy[i];
                    da[i] = add ? da[i] + d : d;
                }
                break;
            }
            case TANH:
                for (int i = 0; i < len; i++) {
                    double t = y[i];
                    double d = dy[i] * (1.0 - t * t);
                    da[i] = add ? da[i] + d : d;
                }
                break;
            case SIGMOID:
                for (int i = 0; i < len; i++) {
                    double s = y[i];
                    double d = dy[i] * (s * (1.0 - s));
                    da[i] = add ? da[i] + d : d;
                }
                break;
            case GELU: {
                double[] phi = n.aux;
                for (int i = 0; i < len; i++) {
                    double v = x[i];
                    double d = dy[i] * (phi[i] + v * ScalarFunctions.normalDensity(v));
                    da[i] = add ? da[i] + d : d;
                }
                break;
            }
            case SOFTPLUS:
                for (int i = 0; i < len; i++) {
                    double d = dy[i] * ScalarFunctions.sigmoid(x[i]);
                    da[i] = add ? da[i] + d : d;
                }
                break;
            default:
                throw new AssertionError("op " + n.op);
        }
        a.gradientSet = true;
    }
}
