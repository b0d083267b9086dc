package dev.downhill.core.model;

import static dev.downhill.core.TestData.classLabels;
import static dev.downhill.core.TestData.gaussianVector;
import static dev.downhill.core.TestData.randomMatrix;
import static dev.downhill.core.TestData.randomWeights;
import static dev.downhill.core.TestData.realLabels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.TestData;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.LogisticLoss;
import dev.downhill.core.loss.Loss;
import dev.downhill.core.loss.SoftmaxCrossEntropyLoss;
import dev.downhill.core.loss.SquaredLoss;
import dev.downhill.core.numdiff.GradientChecker;
import dev.downhill.core.objective.DataLoss;
import dev.downhill.core.objective.GradientAccumulator;
import dev.downhill.core.objective.L2Penalty;
import dev.downhill.core.objective.LocalDataLoss;
import dev.downhill.core.objective.LossEvaluator;
import dev.downhill.core.objective.RegularizedObjective;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.commons.numbers.gamma.Erf;
import org.junit.jupiter.api.Test;

/**
 * The multi-layer perceptron's reverse-mode gradient of the regularized objective against central differences
 * ({@link GradientChecker}, five-point stencil) for every activation x objective, on dense and sparse blocks
 * stored as float64 and float32, and its forward pass against a plain per-row reference.
 */
class MlpModelGradientTest {
    /**
     * The five-point estimate's error is ~1.5 eps |f| / h ~ 5e-13 absolute (rounding; |f| ~ 1-2 here, h ~ 7e-4)
     * plus h^4 f^(5)/30 (~1e-14 for these smooth, O(1)-scaled networks). Coordinates whose true derivative is
     * zero or tiny (a unit that dropout or relu switched off) meet only that noise, so the relative error is
     * taken against max(|a|, |n|, 1e-4): ~5e-9 for a correct gradient (measured: 7e-9 worst over all
     * cases), fourteen times under the 1e-7 tolerance, while a wrong backward rule is off by O(|g|), which is
     * O(1) relative to that floor even for a coordinate of size 1e-5.
     */
    private static final double TOLERANCE = 1e-7;
    private static final double FLOOR = 1e-4;
    private static final double LAMBDA = 0.3;
    private static final int D = 4;
    private static final int[] HIDDEN = {3, 2};
    private static final int POINTS = 2;
    /**
     * relu and leaky-relu have a kink at 0. The stencil moves one parameter by at most 2h max(1, |theta|)
     * (~3e-3 here), which moves a pre-activation by at most that times |input| (&lt; 4): points are used only
     * when every hidden pre-activation is at least 0.02 away from 0, where the network is smooth.
     */
    private static final double KINK_MARGIN = 0.02;

    private enum Layout { DENSE, SPARSE, DENSE_FLOAT32, SPARSE_FLOAT32 }

    private enum Objective {
        SOFTMAX(3), LOGISTIC(1), LEAST_SQUARES(1);

        final int outputs;

        Objective(int outputs) {
            this.outputs = outputs;
        }

        Loss loss() {
            return switch (this) {
                case SOFTMAX -> new SoftmaxCrossEntropyLoss(3);
                case LOGISTIC -> new LogisticLoss();
                case LEAST_SQUARES -> new SquaredLoss();
            };
        }

        double[] labels(Random rnd, int n) {
            return switch (this) {
                case SOFTMAX -> classLabels(rnd, n, 3);
                case LOGISTIC -> classLabels(rnd, n, 2);
                case LEAST_SQUARES -> realLabels(rnd, n);
            };
        }
    }

    static DataBlock block(Layout layout, int n, int d, double[] y, double[] v, double[] x) {
        return switch (layout) {
            case DENSE -> TestData.dense(n, d, y, v, x);
            case SPARSE -> TestData.sparse(n, d, y, v, x);
            case DENSE_FLOAT32 -> TestData.floatDense(n, d, y, v, x);
            case SPARSE_FLOAT32 -> TestData.floatSparse(n, d, y, v, x);
        };
    }

    /** Two blocks (4 and 3 rows) so the fold over blocks and the scratch reuse are exercised. */
    private static List<DataBlock> blocks(Random rnd, Layout layout, Objective objective, boolean weighted) {
        double density = layout == Layout.DENSE || layout == Layout.DENSE_FLOAT32 ? 1.0 : 0.5;
        List<DataBlock> out = new ArrayList<>();
        for (int n : new int[] {4, 3}) {
            double[] x = randomMatrix(rnd, n, D, density);
            out.add(block(layout, n, D, objective.labels(rnd, n), weighted ? randomWeights(rnd, n) : null, x));
        }
        return out;
    }

    static Architecture architecture(ActivationFunction f, int outputs, double dropout) {
        double slope = f == ActivationFunction.LEAKY_RELU ? 0.1 : 0.0;
        return Architecture.mlp(D, HIDDEN, f, slope, outputs, dropout);
    }

    /** The data loss with every pass a training pass of (seed, iteration): dropout masks fixed, so f is smooth. */
    private static final class TrainingDataLoss implements DataLoss {
        private final List<DataBlock> blocks;
        private final Model model;
        private final Loss loss;
        private final long seed;
        private final long iteration;

        TrainingDataLoss(List<DataBlock> blocks, Model model, Loss loss, long seed, long iteration) {
            this.blocks = blocks;
            this.model = model;
            this.loss = loss;
            this.seed = seed;
            this.iteration = iteration;
        }

        @Override
        public int numParameters() {
            return model.numParameters();
        }

        @Override
        public GradientAccumulator evaluate(double[] params, boolean withGradient) {
            LossEvaluator evaluator = new LossEvaluator(model, loss);
            evaluator.training(seed, iteration);
            GradientAccumulator acc = new GradientAccumulator(model.numParameters());
            for (DataBlock block : blocks) {
                if (withGradient) {
                    evaluator.accumulate(block, params, acc);
                } else {
                    evaluator.accumulateValue(block, params, acc);
                }
            }
            return acc;
        }
    }

    /** Largest checker error over the layouts and random points (kink-free ones for the relu family). */
    private static double worstError(long seed, ActivationFunction f, Objective objective, double dropout) {
        Random rnd = new Random(seed);
        MlpModel model = new MlpModel(architecture(f, objective.outputs, dropout));
        GradientChecker checker = new GradientChecker(FLOOR);
        boolean kinked = f == ActivationFunction.RELU || f == ActivationFunction.LEAKY_RELU;
        double worst = 0.0;
        for (Layout layout : Layout.values()) {
            boolean weighted = layout.ordinal() % 2 == 1;
            List<DataBlock> data = blocks(rnd, layout, objective, weighted);
            assertEquals(weighted, data.get(0).hasWeights());
            DataLoss dataLoss = dropout > 0
                    ? new TrainingDataLoss(data, model, objective.loss(), 99, 5)
                    : new LocalDataLoss(data, model, objective.loss());
            RegularizedObjective fn = new RegularizedObjective(dataLoss, new L2Penalty(LAMBDA, model));
            int checked = 0;
            for (int attempt = 0; checked < POINTS && attempt < 500; attempt++) {
                double[] theta = gaussianVector(rnd, model.numParameters(), 0.7);
                if (kinked && minHiddenPreActivation(model.architecture(), theta, data) < KINK_MARGIN) {
                    continue;
                }
                worst = Math.max(worst, checker.check(fn, theta).maxRelativeError());
                checked++;
            }
            assertEquals(POINTS, checked, "too few parameter points away from the kink");
        }
        return worst;
    }

    private static void assertGradient(long seed, ActivationFunction f, Objective objective) {
        double worst = worstError(seed, f, objective, 0.0);
        assertTrue(worst <= TOLERANCE, f + " / " + objective + ": max relative error " + worst);
    }

    @Test
    void reluGradientMatchesCentralDifferencesForEachObjective() {
        for (Objective o : Objective.values()) {
            assertGradient(101 + o.ordinal(), ActivationFunction.RELU, o);
        }
    }

    @Test
    void leakyReluGradientMatchesCentralDifferencesForEachObjective() {
        for (Objective o : Objective.values()) {
            assertGradient(111 + o.ordinal(), ActivationFunction.LEAKY_RELU, o);
        }
    }

    @Test
    void tanhGradientMatchesCentralDifferencesForEachObjective() {
        for (Objective o : Objective.values()) {
            assertGradient(121 + o.ordinal(), ActivationFunction.TANH, o);
        }
    }

    @Test
    void sigmoidGradientMatchesCentralDifferencesForEachObjective() {
        for (Objective o : Objective.values()) {
            assertGradient(131 + o.ordinal(), ActivationFunction.SIGMOID, o);
        }
    }

    @Test
    void geluGradientMatchesCentralDifferencesForEachObjective() {
        for (Objective o : Objective.values()) {
            assertGradient(141 + o.ordinal(), ActivationFunction.GELU, o);
        }
    }

    @Test
    void softplusGradientMatchesCentralDifferencesForEachObjective() {
        for (Objective o : Objective.values()) {
            assertGradient(151 + o.ordinal(), ActivationFunction.SOFTPLUS, o);
        }
    }

    @Test
    void gradientWithDropoutInTrainingPassesMatchesCentralDifferences() {
        // With (seed, iteration) fixed the masks are fixed, so f is as smooth as without dropout.
        for (ActivationFunction f : new ActivationFunction[] {ActivationFunction.TANH, ActivationFunction.GELU}) {
            double worst = worstError(161 + f.ordinal(), f, Objective.SOFTMAX, 0.4);
            assertTrue(worst <= TOLERANCE, f + " with dropout: max relative error " + worst);
        }
    }

    @Test
    void gradientCheckWouldCatchAWrongActivationDerivative() {
        // Guards the checks above: the same network whose backward pass uses sigmoid' for a tanh layer fails.
        Random rnd = new Random(170);
        MlpModel tanh = new MlpModel(architecture(ActivationFunction.TANH, 1, 0.0));
        MlpModel sigmoid = new MlpModel(architecture(ActivationFunction.SIGMOID, 1, 0.0));
        List<DataBlock> data = blocks(rnd, Layout.DENSE, Objective.LEAST_SQUARES, false);
        double[] theta = gaussianVector(rnd, tanh.numParameters(), 0.7);
        RegularizedObjective right = new RegularizedObjective(new LocalDataLoss(data, tanh, new SquaredLoss()),
                new L2Penalty(LAMBDA, tanh));
        double[] gradient = new double[theta.length];
        right.valueAndGradient(theta, gradient);
        RegularizedObjective wrong = new RegularizedObjective(new LocalDataLoss(data, sigmoid, new SquaredLoss()),
                new L2Penalty(LAMBDA, sigmoid));
        double[] wrongGradient = new double[theta.length];
        wrong.valueAndGradient(theta, wrongGradient);
        double[] numeric = dev.downhill.core.numdiff.FiniteDifferences.fivePointGradient(right::value, theta.clone());
        GradientChecker checker = new GradientChecker(FLOOR);
        assertTrue(checker.compare(gradient, numeric).maxRelativeError() <= TOLERANCE);
        assertTrue(checker.compare(wrongGradient, numeric).maxRelativeError() > 0.1);
    }

    /** The forward pass of the network, row by row with plain loops: the reference. */
    static double[] referenceForward(Architecture arch, double[] theta, double[] x, int n) {
        int[] s = arch.layerSizes();
        double[] out = new double[n * arch.outputs()];
        for (int i = 0; i < n; i++) {
            double[] h = new double[s[0]];
            System.arraycopy(x, i * s[0], h, 0, s[0]);
            for (int layer = 0; layer + 1 < s.length; layer++) {
                double[] z = preActivation(arch, theta, layer, h);
                if (layer + 2 < s.length) {
                    for (int o = 0; o < z.length; o++) {
                        z[o] = activate(arch.activation(), arch.negativeSlope(), z[o]);
                    }
                }
                h = z;
            }
            System.arraycopy(h, 0, out, i * arch.outputs(), arch.outputs());
        }
        return out;
    }

    private static double[] preActivation(Architecture arch, double[] theta, int layer, double[] h) {
        int in = arch.layerSizes()[layer];
        int out = arch.layerSizes()[layer + 1];
        double[] z = new double[out];
        for (int o = 0; o < out; o++) {
            double sum = theta[arch.biasOffset(layer) + o];
            for (int j = 0; j < in; j++) {
                sum += theta[arch.weightOffset(layer) + o * in + j] * h[j];
            }
            z[o] = sum;
        }
        return z;
    }

    static double activate(ActivationFunction f, double slope, double x) {
        return switch (f) {
            case RELU -> Math.max(0.0, x);
            case LEAKY_RELU -> x > 0 ? x : slope * x;
            case TANH -> Math.tanh(x);
            case SIGMOID -> 1.0 / (1.0 + Math.exp(-x));
            case GELU -> x * 0.5 * (1.0 + Erf.value(x / Math.sqrt(2.0)));
            case SOFTPLUS -> Math.log(1.0 + Math.exp(x));
        };
    }

    /** min |z| over every hidden pre-activation of every row (how far the rows are from relu's kink). */
    private static double minHiddenPreActivation(Architecture arch, double[] theta, List<DataBlock> data) {
        int[] s = arch.layerSizes();
        double min = Double.POSITIVE_INFINITY;
        for (DataBlock b : data) {
            for (int i = 0; i < b.numRows(); i++) {
                double[] h = new double[s[0]];
                for (int j = 0; j < s[0]; j++) {
                    double[] unit = new double[s[0]];
                    unit[j] = 1.0;
                    h[j] = b.dot(i, unit, 0);
                }
                for (int layer = 0; layer + 2 < s.length; layer++) {
                    double[] z = preActivation(arch, theta, layer, h);
                    for (int o = 0; o < z.length; o++) {
                        min = Math.min(min, Math.abs(z[o]));
                        z[o] = activate(arch.activation(), arch.negativeSlope(), z[o]);
                    }
                    h = z;
                }
            }
        }
        return min;
    }

    @Test
    void forwardMatchesPlainReferenceForEveryActivationAndLayout() {
        Random rnd = new Random(180);
        int n = 9;
        for (ActivationFunction f : ActivationFunction.values()) {
            MlpModel model = new MlpModel(architecture(f, 3, 0.5));
            double[] theta = gaussianVector(rnd, model.numParameters(), 0.8);
            double[] x = randomMatrix(rnd, n, D, 0.6);
            double[] expected = referenceForward(model.architecture(), theta, x, n);
            for (Layout layout : Layout.values()) {
                double[] stored = layout == Layout.DENSE || layout == Layout.SPARSE ? x : TestData.roundedToFloat(x);
                double[] want = stored == x ? expected : referenceForward(model.architecture(), theta, stored, n);
                DataBlock block = block(layout, n, D, classLabels(rnd, n, 3), null, x);
                Activations act = model.newActivations(1); // too small on purpose: forward must grow it
                model.forward(theta, block, act); // inference: dropout off although the architecture has it
                for (int e = 0; e < n * 3; e++) {
                    assertEquals(want[e], act.outputs()[e], 1e-13 * Math.max(1.0, Math.abs(want[e])),
                            f + " " + layout + " entry " + e);
                }
            }
        }
    }

    @Test
    void onlyWeightsArePenalized() {
        Architecture arch = Architecture.mlp(3, new int[] {2}, ActivationFunction.RELU, 0.0, 2, 0.0);
        MlpModel model = new MlpModel(arch);
        // layers.0.weight [2,3] at 0..5, layers.0.bias at 6..7, layers.1.weight [2,2] at 8..11, bias 12..13.
        assertEquals(14, model.numParameters());
        for (int j = 0; j < 14; j++) {
            boolean weight = j < 6 || (j >= 8 && j < 12);
            assertEquals(weight, model.isPenalized(j), "parameter " + j);
        }
        for (ParameterTensor t : model.tensors()) {
            for (int j = t.offset(); j < t.offset() + t.size(); j++) {
                assertEquals(t.penalized(), model.isPenalized(j), t.name());
            }
        }
        assertThrows(IndexOutOfBoundsException.class, () -> model.isPenalized(14));
    }

    @Test
    void forwardAndBackwardRejectMismatchedShapesAndForeignScratch() {
        MlpModel model = new MlpModel(architecture(ActivationFunction.RELU, 1, 0.0));
        DataBlock wide = TestData.dense(1, D + 1, new double[] {0}, null, new double[D + 1]);
        double[] theta = new double[model.numParameters()];
        assertThrows(IllegalArgumentException.class, () -> model.forward(theta, wide, model.newActivations(1)));
        DataBlock ok = TestData.dense(1, D, new double[] {0}, null, new double[D]);
        assertThrows(IllegalArgumentException.class,
                () -> model.forward(new double[theta.length + 1], ok, model.newActivations(1)));
        assertThrows(IllegalArgumentException.class, () -> model.forward(theta, ok, new Activations(1, 1)));
        Activations act = model.newActivations(1);
        assertThrows(IllegalStateException.class,
                () -> model.backward(theta, ok, act, new double[1], new double[theta.length]));
        assertFalse(act.isTraining());
    }
}
