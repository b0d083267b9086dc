package dev.downhill.core.autodiff;

import static dev.downhill.core.TestData.gaussianVector;
import static dev.downhill.core.TestData.randomMatrix;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.TestData;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.LogisticLoss;
import dev.downhill.core.loss.Loss;
import dev.downhill.core.loss.SoftmaxCrossEntropyLoss;
import dev.downhill.core.loss.SquaredLoss;
import dev.downhill.core.model.ActivationFunction;
import dev.downhill.core.model.Activations;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.numdiff.FiniteDifferences;
import dev.downhill.core.numdiff.GradientChecker;
import dev.downhill.core.objective.GradientAccumulator;
import dev.downhill.core.objective.LossEvaluator;
import dev.downhill.core.sample.SeededRandom;
import java.util.Random;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * Every operation's backward pass (its vector-Jacobian product) against five-point central differences of
 * F = sum c . op(inputs) for a random adjoint c, and the facts of calculus through the engine.
 *
 * <p>Error size: the five-point stencil with h = eps^(1/5) max(1, |x|) ~ 7e-4 has truncation h^4 |f^(5)| / 30
 * ~ 1e-14 for these O(1) smooth functions, and rounding ~ 1.5 eps |F| / h ~ 5e-13 |F| with |F| &lt;= ~20 here,
 * so a correct rule agrees to ~1e-11 absolute. Relative to max(|a|, |n|, 1e-3) (the adjoint c is O(1), so a
 * non-zero derivative is O(1e-3) or more; an exact zero, as relu's below 0, meets only the noise), that is
 * ~1e-8 at most (measured: 6e-10 worst); {@link #OP_TOLERANCE} is 1e-7, while any wrong rule is off by O(1).
 */
class TapeTest {
    private static final double OP_TOLERANCE = 1e-7;
    private static final GradientChecker CHECKER = new GradientChecker(1e-3);
    private static final int ROWS = 5;
    private static final int COLS = 3;

    /** F(x) = sum c . op(x) with its analytic gradient from the tape and the numeric one from differences. */
    private static double elementwiseError(Function<Tape, Function<Node, Node>> op, double[] x, double[] c) {
        Tape tape = new Tape();
        ToDoubleFunction<double[]> f = v -> {
            tape.begin(ROWS, new double[0]);
            Node out = op.apply(tape).apply(tape.leaf(v, COLS, true));
            double s = 0.0;
            for (int i = 0; i < ROWS * COLS; i++) {
                s += c[i] * out.value()[i];
            }
            return s;
        };
        tape.begin(ROWS, new double[0]);
        Node leaf = tape.leaf(x, COLS, true);
        Node out = op.apply(tape).apply(leaf);
        tape.backward(out, c, new double[0]);
        double[] analytic = java.util.Arrays.copyOf(leaf.gradient(), ROWS * COLS);
        double[] numeric = FiniteDifferences.fivePointGradient(f, x.clone());
        return CHECKER.compare(analytic, numeric).maxRelativeError();
    }

    /** Entries N(0, 1.5^2), moved at least {@code gap} away from 0 (for the kinks of relu and leaky-relu). */
    private static double[] points(Random rnd, double gap) {
        double[] x = gaussianVector(rnd, ROWS * COLS, 1.5);
        for (int i = 0; i < x.length; i++) {
            if (Math.abs(x[i]) < gap) {
                x[i] = Math.copySign(gap, x[i]) + x[i];
            }
        }
        return x;
    }

    @Test
    void everyActivationBackwardMatchesCentralDifferences() {
        Random rnd = new Random(1);
        for (ActivationFunction a : ActivationFunction.values()) {
            double worst = 0.0;
            for (int trial = 0; trial < 5; trial++) {
                // relu's kink: the stencil reaches 2h ~ 1.4e-3 from x, so keep x 0.01 clear of 0.
                double[] x = points(rnd, 0.01);
                double[] c = gaussianVector(rnd, ROWS * COLS, 1.0);
                worst = Math.max(worst, elementwiseError(t -> n -> t.activation(n, a, 0.2), x, c));
            }
            assertTrue(worst <= OP_TOLERANCE, a + ": max relative error " + worst);
        }
    }

    @Test
    void activationsAreTheStandardFunctions() {
        Tape tape = new Tape();
        double[] x = {-30.0, -2.5, -1.0, -1e-3, 0.0, 1e-3, 1.0, 2.5, 30.0, 800.0};
        tape.begin(1, new double[0]);
        Node leaf = tape.leaf(x, x.length, false);
        double[] relu = tape.relu(leaf).value();
        double[] leaky = tape.leakyRelu(leaf, 0.01).value();
        double[] tanh = tape.tanh(leaf).value();
        double[] sigmoid = tape.sigmoid(leaf).value();
        double[] softplus = tape.softplus(leaf).value();
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            assertEquals(Math.max(0, v), relu[i], 0.0);
            assertEquals(v > 0 ? v : 0.01 * v, leaky[i], 0.0);
            assertEquals(Math.tanh(v), tanh[i], 0.0);
            // The plain forms are accurate to an ulp or two wherever e^x and e^-x stay finite.
            if (Math.abs(v) < 700) {
                double plainSigmoid = 1.0 / (1.0 + Math.exp(-v));
                double plainSoftplus = Math.log1p(Math.exp(v));
                assertEquals(plainSigmoid, sigmoid[i], 4.5e-16 * plainSigmoid, "sigmoid(" + v + ")");
                assertEquals(plainSoftplus, softplus[i], 4.5e-16 * plainSoftplus, "softplus(" + v + ")");
            }
        }
        // NaN passes through every activation (as in PyTorch), so a diverging network shows a NaN loss.
        tape.begin(1, new double[0]);
        Node nan = tape.leaf(new double[] {Double.NaN}, 1, false);
        for (ActivationFunction f : ActivationFunction.values()) {
            assertTrue(Double.isNaN(tape.activation(nan, f, 0.01).value()[0]), f.toString());
        }
        // Where the textbook forms fail: e^800 overflows, and log(1 + e^-30) keeps only ~3 digits of e^-30.
        assertEquals(1.0, ScalarFunctions.sigmoid(800.0), 0.0);
        assertEquals(0.0, ScalarFunctions.sigmoid(-800.0), 0.0);
        assertEquals(800.0, ScalarFunctions.softplus(800.0), 0.0);
        double tail = Math.exp(-30.0) - Math.exp(-60.0) / 2; // log1p(u) = u - u^2/2 + O(u^3)
        assertEquals(tail, ScalarFunctions.softplus(-30.0), 4.5e-16 * tail);
        assertTrue(Math.abs(Math.log(1 + Math.exp(-30.0)) - Math.exp(-30.0)) > 1e-6 * Math.exp(-30.0));
    }

    /**
     * Phi at 1, 2 and 3 from erf(k / sqrt 2), the 68-95-99.7 rule's constants known to many digits:
     * erf(1/sqrt2) = 0.68268949213708589717..., erf(sqrt2) = 0.95449973610364158559...,
     * erf(3/sqrt2) = 0.99730020393673981094...; Phi(-k) = 1 - Phi(k) = erfc(k / sqrt 2) / 2.
     */
    @Test
    void geluIsXTimesTheExactNormalCdf() {
        double[][] reference = {
            {1.0, 0.84134474606854294858585}, {-1.0, 0.15865525393145705141415},
            {2.0, 0.97724986805182079279971}, {-2.0, 0.02275013194817920720028},
            {3.0, 0.99865010196836990547334}, {-3.0, 0.00134989803163009452665},
        };
        for (double[] r : reference) {
            double x = r[0];
            double phi = r[1];
            double density = Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
            // erfc's own few ulps, plus the rounding of -x / sqrt 2 (half an ulp), which Phi amplifies by its
            // elasticity |x phi(x) / Phi(x)|: 0.29 at 1, 0.11 at 2, 0.013 at 3, but 1.5, 4.9 and 9.9 at -1, -2, -3.
            double bound = (4 + Math.abs(x) * density / phi) * 0x1p-52;
            assertEquals(phi, ScalarFunctions.normalCdf(x), bound * phi, "Phi(" + x + ")");
            assertEquals(x * phi, ScalarFunctions.gelu(x), (bound + 0x1p-53) * Math.abs(x * phi), "gelu(" + x + ")");
            double derivative = phi + x * density;
            assertEquals(derivative, ScalarFunctions.geluDerivative(x), 2e-15 * Math.abs(derivative), "gelu'(" + x + ")");
        }
        assertEquals(0.0, ScalarFunctions.gelu(0.0), 0.0);
        assertEquals(0.5, ScalarFunctions.geluDerivative(0.0), 0.0);
        // Not the tanh approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), which differs at 1 by ~2e-4.
        double approx = 0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (1 + 0.044715)));
        assertTrue(Math.abs(approx - ScalarFunctions.gelu(1.0)) > 1e-4);
    }

    @Test
    void addAndMultiplyBackwardMatchCentralDifferencesIncludingANodeUsedTwice() {
        Random rnd = new Random(2);
        for (int trial = 0; trial < 5; trial++) {
            double[] x = points(rnd, 0.0);
            double[] c = gaussianVector(rnd, ROWS * COLS, 1.0);
            double[] other = gaussianVector(rnd, ROWS * COLS, 1.0);
            // x + tanh(x) . x: x reaches the output along three paths, whose adjoints must add.
            double e1 = elementwiseError(t -> n -> t.add(n, t.multiply(t.tanh(n), n)), x, c);
            // x . x (both operands the same node) and a constant leaf that needs no gradient.
            double e2 = elementwiseError(t -> n -> t.multiply(n, n), x, c);
            double e3 = elementwiseError(t -> n -> t.multiply(t.sigmoid(n), t.leaf(other, COLS, false)), x, c);
            double e4 = elementwiseError(t -> n -> t.add(t.softplus(n), t.leaf(other, COLS, false)), x, c);
            double worst = Math.max(Math.max(e1, e2), Math.max(e3, e4));
            assertTrue(worst <= OP_TOLERANCE, "max relative error " + worst);
        }
    }

    @Test
    void dropoutBackwardMatchesCentralDifferencesAndScalesKeptUnits() {
        Random rnd = new Random(3);
        DataBlock block = TestData.dense(ROWS, 1, new double[ROWS], null, new double[ROWS]);
        double[] x = points(rnd, 0.0);
        double[] c = gaussianVector(rnd, ROWS * COLS, 1.0);
        double err = elementwiseError(t -> n -> t.gelu(t.dropout(t.tanh(n), 0.3, block, 7, 2, 0)), x, c);
        assertTrue(err <= OP_TOLERANCE, "max relative error " + err);
        Tape tape = new Tape();
        tape.begin(ROWS, new double[0]);
        double[] y = tape.dropout(tape.leaf(x, COLS, false), 0.3, block, 7, 2, 0).value();
        for (int i = 0; i < ROWS * COLS; i++) {
            assertTrue(y[i] == 0.0 || y[i] == x[i] * (1.0 / (1.0 - 0.3)), "entry " + i + ": " + y[i]);
        }
    }

    /** A random block of the given layout (two of them are float32: their values are rounded to floats). */
    private static DataBlock block(int layout, Random rnd, int n, int d, double[] y, double[] v) {
        double[] x = randomMatrix(rnd, n, d, layout % 2 == 0 ? 1.0 : 0.5);
        return switch (layout) {
            case 0 -> TestData.dense(n, d, y, v, x);
            case 1 -> TestData.sparse(n, d, y, v, x);
            case 2 -> TestData.floatDense(n, d, y, v, x);
            default -> TestData.floatSparse(n, d, y, v, x);
        };
    }

    @Test
    void productsWithParameterMatricesBackwardMatchCentralDifferences() {
        Random rnd = new Random(4);
        int d = 4;
        int hidden = 3;
        int out = 2;
        // theta: W1 [hidden, d], b1 [hidden], W2 [out, hidden], b2 [out]; F = sum c . (tanh(X W1^T + b1) W2^T + b2)
        int w2 = hidden * d + hidden;
        int b2 = w2 + out * hidden;
        int p = b2 + out;
        for (int layout = 0; layout < 4; layout++) {
            DataBlock x = block(layout, rnd, ROWS, d, new double[ROWS], null);
            double[] c = gaussianVector(rnd, ROWS * out, 1.0);
            Tape tape = new Tape();
            ToDoubleFunction<double[]> f = theta -> {
                tape.begin(ROWS, theta);
                Node z = tape.affine(tape.tanh(tape.affine(x, 0, hidden * d, hidden)), w2, b2, out);
                double s = 0.0;
                for (int i = 0; i < ROWS * out; i++) {
                    s += c[i] * z.value()[i];
                }
                return s;
            };
            for (int trial = 0; trial < 3; trial++) {
                double[] theta = gaussianVector(rnd, p, 0.8);
                tape.begin(ROWS, theta);
                // The same network with the bias as its own op, and products without bias.
                Node h = tape.tanh(tape.addBias(tape.linear(x, 0, hidden), hidden * d));
                Node z = tape.addBias(tape.linear(h, w2, out), b2);
                double[] analytic = new double[p];
                tape.backward(z, c, analytic);
                double[] fused = new double[p];
                tape.begin(ROWS, theta);
                tape.backward(tape.affine(tape.tanh(tape.affine(x, 0, hidden * d, hidden)), w2, b2, out), c, fused);
                assertArrayEquals(analytic, fused, 0.0, "bias fused or separate: the same sums");
                double[] numeric = FiniteDifferences.fivePointGradient(f, theta.clone());
                double err = CHECKER.compare(analytic, numeric).maxRelativeError();
                assertTrue(err <= OP_TOLERANCE, "layout " + layout + ": max relative error " + err);
            }
        }
    }

    @Test
    void productOfANodeWithAParameterMatrixPassesTheAdjointToTheNode() {
        Random rnd = new Random(5);
        double[] theta = gaussianVector(rnd, 2 * COLS, 1.0);
        for (int trial = 0; trial < 3; trial++) {
            double[] x = points(rnd, 0.0);
            double[] c = gaussianVector(rnd, ROWS * 2, 1.0);
            Tape tape = new Tape();
            ToDoubleFunction<double[]> f = v -> {
                tape.begin(ROWS, theta);
                Node z = tape.linear(tape.sigmoid(tape.leaf(v, COLS, true)), 0, 2);
                double s = 0.0;
                for (int i = 0; i < ROWS * 2; i++) {
                    s += c[i] * z.value()[i];
                }
                return s;
            };
            tape.begin(ROWS, theta);
            Node leaf = tape.leaf(x, COLS, true);
            tape.backward(tape.linear(tape.sigmoid(leaf), 0, 2), c, new double[theta.length]);
            double[] analytic = java.util.Arrays.copyOf(leaf.gradient(), ROWS * COLS);
            double[] numeric = FiniteDifferences.fivePointGradient(f, x.clone());
            double err = CHECKER.compare(analytic, numeric).maxRelativeError();
            assertTrue(err <= OP_TOLERANCE, "max relative error " + err);
        }
    }

    @Test
    void derivativeOfShiftedSquareAtSixIsFourThroughTheEngine() {
        // w - 4 as an affine op on the constant input 1 (weight w, bias -4), then squared by multiply.
        double[] theta = {6.0, -4.0};
        Tape tape = new Tape();
        tape.begin(1, theta);
        Node u = tape.affine(tape.leaf(new double[] {1.0}, 1, false), 0, 1, 1);
        Node f = tape.multiply(u, u);
        assertEquals(4.0, f.value()[0], 0.0);
        double[] g = new double[2];
        tape.backward(f, new double[] {1.0}, g);
        assertEquals(4.0, g[0], 0.0);
        assertEquals(4.0, g[1], 0.0); // d/db (w + b)^2 = 2 (w + b) as well
    }

    @Test
    void chainRuleOnACompositionEqualsTheProductOfTheDerivatives() {
        // h(w) = softplus(sigmoid(tanh(w x))) for the input x = 1.7: h'(w) from the engine, against the product of
        // the three outer derivatives (each also from the engine, at the inner value) and dv/dw = x.
        double x = 1.7;
        for (double w : new double[] {-1.3, -0.4, 0.2, 0.9, 1.6}) {
            Tape tape = new Tape();
            tape.begin(1, new double[] {w});
            Node v = tape.linear(tape.leaf(new double[] {x}, 1, false), 0, 1);
            Node t = tape.tanh(v);
            Node s = tape.sigmoid(t);
            Node h = tape.softplus(s);
            double[] g = new double[1];
            tape.backward(h, new double[] {1.0}, g);
            double product = derivative(ScalarFunctions::softplus, s.value()[0], tp -> tp::softplus)
                    * derivative(ScalarFunctions::sigmoid, t.value()[0], tp -> tp::sigmoid)
                    * derivative(Math::tanh, v.value()[0], tp -> tp::tanh) * x;
            // The two differ only by rounding in the products: a few ulps.
            assertEquals(product, g[0], 1e-15 * Math.abs(product), "w = " + w);
            double numeric = FiniteDifferences.fivePoint(
                    ww -> ScalarFunctions.softplus(ScalarFunctions.sigmoid(Math.tanh(ww * x))), w, 1e-3);
            assertEquals(numeric, g[0], 1e-10 * Math.abs(numeric), "w = " + w);
        }
    }

    /** f'(at) by the engine, for a scalar op; also checked against the five-point difference of f. */
    private static double derivative(java.util.function.DoubleUnaryOperator f, double at,
                                     Function<Tape, Function<Node, Node>> op) {
        Tape tape = new Tape();
        tape.begin(1, new double[0]);
        Node leaf = tape.leaf(new double[] {at}, 1, true);
        Node y = op.apply(tape).apply(leaf);
        assertEquals(f.applyAsDouble(at), y.value()[0], 0.0);
        tape.backward(y, new double[] {1.0}, new double[0]);
        double d = leaf.gradient()[0];
        assertEquals(FiniteDifferences.fivePoint(f, at, 1e-3), d, 1e-10);
        return d;
    }

    @Test
    void directionalDerivativeAlongAUnitVectorEqualsGradientDotU() {
        Random rnd = new Random(6);
        int d = 4;
        DataBlock x = block(0, rnd, ROWS, d, TestData.classLabels(rnd, ROWS, 3), null);
        int hidden = 3;
        int w2 = hidden * d + hidden;
        int p = w2 + 3 * hidden + 3;
        Loss loss = new SoftmaxCrossEntropyLoss(3);
        Tape tape = new Tape();
        ToDoubleFunction<double[]> f = theta -> {
            tape.begin(ROWS, theta);
            return tape.loss(tape.affine(tape.gelu(tape.affine(x, 0, hidden * d, hidden)), w2, w2 + 3 * hidden, 3),
                    loss, x);
        };
        for (int trial = 0; trial < 4; trial++) {
            double[] theta = gaussianVector(rnd, p, 0.8);
            double[] u = gaussianVector(rnd, p, 1.0);
            f.applyAsDouble(theta);
            double[] g = new double[p];
            tape.backward(g);
            double norm = Math.sqrt(dot(u, u));
            double expected = dot(g, u) / norm;
            double numeric = FiniteDifferences.directionalDerivative(f, theta, u);
            // Central difference along u with t ~ 6e-6: error ~ t^2 |f'''| + eps |f| / t ~ 1e-10.
            assertEquals(expected, numeric, 1e-8 * Math.max(1.0, Math.abs(expected)));
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0.0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void linearModelThroughTheTapeEqualsLinearModelsGradient() {
        Random rnd = new Random(7);
        int d = 6;
        Object[][] cases = {
            {new SquaredLoss(), 1, 0}, {new LogisticLoss(), 1, 2}, {new SoftmaxCrossEntropyLoss(4), 4, 4},
        };
        for (Object[] cs : cases) {
            Loss loss = (Loss) cs[0];
            int k = (Integer) cs[1];
            int classes = (Integer) cs[2];
            LinearModel model = new LinearModel(d, k);
            for (int layout = 0; layout < 4; layout++) {
                double[] y = classes == 0 ? TestData.realLabels(rnd, 11) : TestData.classLabels(rnd, 11, classes);
                DataBlock x = block(layout, rnd, 11, d, y, TestData.randomWeights(rnd, 11));
                double[] theta = gaussianVector(rnd, model.numParameters(), 0.7);
                LossEvaluator evaluator = new LossEvaluator(model, loss);
                GradientAccumulator acc = new GradientAccumulator(model.numParameters());
                evaluator.accumulate(x, theta, acc);
                double[] expected = new double[theta.length];
                acc.meanGradient(expected);
                Tape tape = new Tape();
                tape.begin(11, theta);
                double lossSum = tape.loss(tape.affine(x, 0, k * d, k), loss, x);
                double[] g = new double[theta.length];
                tape.backward(g);
                assertEquals(acc.lossSum(), lossSum, 1e-13 * Math.abs(lossSum));
                for (int j = 0; j < g.length; j++) {
                    double mean = g[j] / acc.weightSum();
                    // Same sums in possibly another order: agreement to rounding.
                    assertEquals(expected[j], mean, 1e-13 * Math.max(1.0, Math.abs(expected[j])), "coordinate " + j);
                }
            }
        }
    }

    @Test
    void dropoutMaskDependsOnRowKeyNotOnHowRowsAreSplitIntoBlocks() {
        int n = 12;
        int cols = 40;
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = 1_000_003L * (i + 5);
        }
        double[] ones = new double[n * cols];
        java.util.Arrays.fill(ones, 1.0);
        double[] whole = masks(ones, keys, 0, n, cols);
        // Blocks of 5 and 7, and of 1 and 11: every row keeps its mask.
        for (int split : new int[] {5, 1}) {
            double[] first = masks(ones, keys, 0, split, cols);
            double[] second = masks(ones, keys, split, n, cols);
            for (int e = 0; e < n * cols; e++) {
                double m = e < split * cols ? first[e] : second[e - split * cols];
                assertEquals(Double.doubleToLongBits(whole[e]), Double.doubleToLongBits(m), "entry " + e);
            }
        }
        // Row i's mask is the stream SeededRandom.of(seed, iteration, key, layer), unit j its j-th draw.
        SeededRandom rng = SeededRandom.of(42, 3, keys[2], 1);
        for (int j = 0; j < cols; j++) {
            assertEquals(rng.nextDouble() >= 0.25 ? 1 / 0.75 : 0.0, whole[2 * cols + j], 0.0);
        }
        // Another iteration draws another mask; about 1 - p of the units are kept.
        double[] next = masksAt(ones, keys, 0, n, cols, 4);
        assertNotEquals(java.util.Arrays.toString(whole), java.util.Arrays.toString(next));
    }

    private static double[] masks(double[] ones, long[] keys, int from, int to, int cols) {
        return masksAt(ones, keys, from, to, cols, 3);
    }

    private static double[] masksAt(double[] ones, long[] keys, int from, int to, int cols, long iteration) {
        int n = to - from;
        DataBlock block = TestData.dense(n, 1, new double[n], null, new double[n]);
        block.setRowKeys(java.util.Arrays.copyOfRange(keys, from, to));
        Tape tape = new Tape();
        tape.begin(n, new double[0]);
        return java.util.Arrays.copyOf(tape.dropout(tape.leaf(ones, cols, false), 0.25, block, 42, iteration, 1)
                .value(), n * cols);
    }

    @Test
    void dropoutKeepsAboutOneMinusPOfTheUnits() {
        int n = 400;
        int cols = 50;
        DataBlock block = TestData.dense(n, 1, new double[n], null, new double[n]);
        double[] ones = new double[n * cols];
        java.util.Arrays.fill(ones, 1.0);
        Tape tape = new Tape();
        tape.begin(n, new double[0]);
        double[] y = tape.dropout(tape.leaf(ones, cols, false), 0.3, block, 9, 1, 0).value();
        int kept = 0;
        for (int e = 0; e < n * cols; e++) {
            kept += y[e] != 0.0 ? 1 : 0;
        }
        // Binomial(20000, 0.7): mean 14000, standard deviation ~65; 5 sigma either side.
        assertEquals(14000, kept, 325);
    }

    @Test
    void scratchIsReusedAcrossBlocksAndGrowsForALargerOne() {
        Random rnd = new Random(8);
        double[] theta = gaussianVector(rnd, 3 * 4 + 3, 1.0);
        Tape tape = new Tape();
        DataBlock small = block(0, rnd, 3, 4, new double[3], null);
        DataBlock large = block(1, rnd, 9, 4, new double[9], null);
        tape.begin(3, theta);
        Node a = tape.relu(tape.affine(small, 0, 12, 3));
        double[] buffer = a.value();
        tape.begin(9, theta);
        Node b = tape.relu(tape.affine(large, 0, 12, 3));
        assertTrue(b.value().length >= 27);
        tape.begin(3, theta);
        Node c = tape.relu(tape.affine(small, 0, 12, 3));
        assertTrue(a == c && b == c, "nodes are pooled by position");
        assertTrue(c.value() != buffer && c.value().length >= 27, "the grown buffer is kept");
        assertEquals(2, tape.size());
        assertThrows(IllegalArgumentException.class, () -> tape.affine(large, 0, 12, 3));
        assertThrows(IllegalStateException.class, () -> tape.backward(new double[theta.length]));
        assertThrows(IllegalStateException.class, () -> new Tape().leaf(new double[1], 1, true));
    }

    @Test
    void mlpTrainingPassesUseDropoutAndInferencePassesDoNot() {
        dev.downhill.core.model.MlpModel model = new dev.downhill.core.model.MlpModel(
                dev.downhill.core.model.Architecture.mlp(4, new int[] {30}, ActivationFunction.RELU, 0.0, 2, 0.5));
        Random rnd = new Random(9);
        DataBlock x = block(0, rnd, 6, 4, new double[6], null);
        double[] theta = model.initialParameters(3);
        Activations act = model.newActivations(6);
        model.forward(theta, x, act);
        double[] inference = java.util.Arrays.copyOf(act.outputs(), 12);
        act.training(1, 1);
        model.forward(theta, x, act);
        double[] training = java.util.Arrays.copyOf(act.outputs(), 12);
        act.inference();
        model.forward(theta, x, act);
        assertArrayEquals(inference, java.util.Arrays.copyOf(act.outputs(), 12), 0.0);
        assertTrue(!java.util.Arrays.equals(inference, training), "dropout changed nothing");
    }
}
