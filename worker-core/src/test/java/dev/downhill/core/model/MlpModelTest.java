package dev.downhill.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.TestData;
import dev.downhill.core.data.BlockBuilder;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.SoftmaxCrossEntropyLoss;
import dev.downhill.core.objective.GradientAccumulator;
import dev.downhill.core.objective.LossEvaluator;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** MlpModel's initialization (a function of seed and layer only) and its dropout across block splits. */
class MlpModelTest {

    private static MlpModel mlp(int inputs, int[] hidden, ActivationFunction f, int outputs, double dropout) {
        return new MlpModel(Architecture.mlp(inputs, hidden, f, 0.01, outputs, dropout));
    }

    private static double[] slice(double[] theta, Architecture a, int layer, boolean bias) {
        int[] s = a.layerSizes();
        int from = bias ? a.biasOffset(layer) : a.weightOffset(layer);
        int length = bias ? s[layer + 1] : s[layer] * s[layer + 1];
        return Arrays.copyOfRange(theta, from, from + length);
    }

    @Test
    void initialParametersDependOnlyOnSeedAndLayer() {
        MlpModel a = mlp(10, new int[] {8, 6}, ActivationFunction.RELU, 3, 0.0);
        MlpModel b = mlp(10, new int[] {8, 5}, ActivationFunction.GELU, 2, 0.5);
        double[] ta = a.initialParameters(17);
        double[] tb = b.initialParameters(17);
        assertArrayEquals(ta, a.initialParameters(17), 0.0, "same seed, same bits");
        // Layer 0 has the same shape and rule (He) in both: the same weights, whatever follows it.
        assertArrayEquals(slice(ta, a.architecture(), 0, false), slice(tb, b.architecture(), 0, false), 0.0);
        assertFalse(Arrays.equals(slice(ta, a.architecture(), 1, false), slice(ta, a.architecture(), 0, false)
                ), "layers draw from their own streams");
        assertFalse(Arrays.equals(ta, a.initialParameters(18)), "another seed, other weights");
        for (MlpModel m : new MlpModel[] {a, b}) {
            double[] t = m.initialParameters(17);
            for (int layer = 0; layer < m.architecture().numLayers(); layer++) {
                for (double v : slice(t, m.architecture(), layer, true)) {
                    assertEquals(0.0, v, 0.0, "biases start at zero");
                }
            }
        }
    }

    @Test
    void heWeightsHaveVarianceTwoOverFanIn() {
        MlpModel m = mlp(784, new int[] {128}, ActivationFunction.RELU, 10, 0.0);
        double[] w = slice(m.initialParameters(5), m.architecture(), 0, false);
        double mean = 0.0;
        double squares = 0.0;
        for (double v : w) {
            mean += v;
            squares += v * v;
        }
        mean /= w.length;
        double variance = squares / w.length;
        double expected = 2.0 / 784;
        // N = 100352 draws: the mean's standard error is sqrt(var / N), the variance's relative one sqrt(2 / N)
        // = 0.45%; 5 standard errors.
        assertEquals(0.0, mean, 5 * Math.sqrt(expected / w.length));
        assertEquals(expected, variance, 5 * Math.sqrt(2.0 / w.length) * expected);
    }

    @Test
    void glorotWeightsAreUniformWithinTheGlorotBound() {
        for (ActivationFunction f : new ActivationFunction[] {ActivationFunction.TANH, ActivationFunction.SIGMOID}) {
            MlpModel m = mlp(300, new int[] {100}, f, 10, 0.0);
            double[] w = slice(m.initialParameters(6), m.architecture(), 0, false);
            double a = Math.sqrt(6.0 / (300 + 100));
            double squares = 0.0;
            for (double v : w) {
                assertTrue(Math.abs(v) <= a, v + " outside +-" + a);
                squares += v * v;
            }
            // U(-a, a) has variance a^2 / 3 = 2 / (fan_in + fan_out); the relative standard error of the mean
            // square is sqrt(4/5 - 4/9) / sqrt(N) ~ 0.35% for N = 30000; 5 of them.
            double expected = a * a / 3;
            assertEquals(expected, squares / w.length, 0.0175 * expected, f.toString());
            // The output layer uses its own fan-in and fan-out.
            double[] out = slice(m.initialParameters(6), m.architecture(), 1, false);
            double b = Math.sqrt(6.0 / (100 + 10));
            assertTrue(Arrays.stream(out).allMatch(v -> Math.abs(v) <= b));
            assertTrue(Arrays.stream(out).anyMatch(v -> Math.abs(v) > a), "the output layer's bound is wider");
        }
    }

    /** n rows with keys, built into blocks of the given sizes (BlockBuilder carries the keys). */
    private static DataBlock[] split(double[] x, double[] y, long[] keys, int d, int... sizes) {
        DataBlock[] blocks = new DataBlock[sizes.length];
        BlockBuilder builder = new BlockBuilder(d);
        int row = 0;
        for (int b = 0; b < sizes.length; b++) {
            for (int r = 0; r < sizes[b]; r++, row++) {
                builder.addDenseRow(y[row], 1.0, Arrays.copyOfRange(x, row * d, (row + 1) * d), keys[row]);
            }
            blocks[b] = builder.build();
        }
        return blocks;
    }

    @Test
    void trainingOutputsOfARowDoNotDependOnHowRowsAreSplitIntoBlocks() {
        Random rnd = new Random(11);
        int n = 13;
        int d = 5;
        MlpModel model = mlp(d, new int[] {16, 8}, ActivationFunction.TANH, 3, 0.5);
        double[] x = TestData.randomMatrix(rnd, n, d, 1.0);
        double[] y = TestData.classLabels(rnd, n, 3);
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = rnd.nextLong();
        }
        double[] theta = model.initialParameters(2);
        double[] whole = outputs(model, theta, split(x, y, keys, d, n));
        double[] parts = outputs(model, theta, split(x, y, keys, d, 4, 1, 8));
        for (int e = 0; e < whole.length; e++) {
            // The same masks and the same per-row sums: equal up to a product kernel's blocking, if any.
            assertEquals(whole[e], parts[e], 1e-14 * Math.max(1, Math.abs(whole[e])), "entry " + e);
        }
        // Keys drive the masks: the same rows under other keys get other outputs.
        long[] shifted = keys.clone();
        for (int i = 0; i < n; i++) {
            shifted[i] += 1;
        }
        assertFalse(Arrays.equals(whole, outputs(model, theta, split(x, y, shifted, d, n))));
    }

    private static double[] outputs(MlpModel model, double[] theta, DataBlock[] blocks) {
        Activations act = model.newActivations(1);
        act.training(99, 4);
        double[] all = new double[0];
        for (DataBlock b : blocks) {
            model.forward(theta, b, act);
            int before = all.length;
            all = Arrays.copyOf(all, before + b.numRows() * model.numOutputs());
            System.arraycopy(act.outputs(), 0, all, before, b.numRows() * model.numOutputs());
        }
        return all;
    }

    @Test
    void lossEvaluatorRunsInferencePassesUnlessMarkedTraining() {
        Random rnd = new Random(12);
        int n = 20;
        int d = 4;
        MlpModel model = mlp(d, new int[] {12}, ActivationFunction.RELU, 3, 0.3);
        DataBlock block = TestData.dense(n, d, TestData.classLabels(rnd, n, 3), null, TestData.randomMatrix(rnd, n, d,
                1.0));
        double[] theta = model.initialParameters(4);
        LossEvaluator evaluator = new LossEvaluator(model, new SoftmaxCrossEntropyLoss(3));
        double inference = meanLoss(evaluator, block, theta);
        evaluator.training(7, 1);
        double training = meanLoss(evaluator, block, theta);
        assertNotEquals(inference, training);
        assertEquals(training, meanLoss(evaluator, block, theta), 0.0, "one iteration, one mask");
        evaluator.training(7, 2);
        assertNotEquals(training, meanLoss(evaluator, block, theta));
        evaluator.inference();
        assertEquals(inference, meanLoss(evaluator, block, theta), 0.0);
        // Without dropout a training pass is an inference pass.
        MlpModel plain = mlp(d, new int[] {12}, ActivationFunction.RELU, 3, 0.0);
        LossEvaluator e2 = new LossEvaluator(plain, new SoftmaxCrossEntropyLoss(3));
        double before = meanLoss(e2, block, theta);
        e2.training(7, 1);
        assertEquals(before, meanLoss(e2, block, theta), 0.0);
    }

    private static double meanLoss(LossEvaluator evaluator, DataBlock block, double[] theta) {
        GradientAccumulator acc = new GradientAccumulator(theta.length);
        evaluator.accumulate(block, theta, acc);
        return acc.meanLoss();
    }

    @Test
    void modelSurvivesSerializationAsSparkShipsItInAClosure() throws Exception {
        MlpModel model = mlp(5, new int[] {7, 3}, ActivationFunction.LEAKY_RELU, 2, 0.2);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(model);
        }
        Model copy;
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (Model) in.readObject();
        }
        assertEquals(model.architecture(), copy.architecture());
        Random rnd = new Random(13);
        DataBlock block = TestData.sparse(6, 5, new double[6], null, TestData.randomMatrix(rnd, 6, 5, 0.5));
        double[] theta = TestData.gaussianVector(rnd, model.numParameters(), 1.0);
        Activations a = model.newActivations(6);
        Activations b = copy.newActivations(6);
        model.forward(theta, block, a);
        copy.forward(theta, block, b);
        assertArrayEquals(Arrays.copyOf(a.outputs(), 12), Arrays.copyOf(b.outputs(), 12), 0.0);
        // Small to ship: shapes only, no parameters or scratch.
        assertTrue(bytes.size() < 2000, bytes.size() + " bytes");
    }

    @Test
    void reusedScratchGivesTheSameBitsAsFreshScratch() {
        // Buffers keep stale values from earlier (larger) blocks; adjoints are written by their first
        // contribution, never read before: a reused evaluator must match a fresh one bit for bit.
        Random rnd = new Random(14);
        int d = 6;
        MlpModel model = mlp(d, new int[] {9, 5}, ActivationFunction.GELU, 3, 0.25);
        double[] theta = TestData.gaussianVector(rnd, model.numParameters(), 0.6);
        DataBlock big = TestData.dense(30, d, TestData.classLabels(rnd, 30, 3), null,
                TestData.randomMatrix(rnd, 30, d, 1.0));
        DataBlock small = TestData.sparse(7, d, TestData.classLabels(rnd, 7, 3), TestData.randomWeights(rnd, 7),
                TestData.randomMatrix(rnd, 7, d, 0.4));
        LossEvaluator reused = new LossEvaluator(model, new SoftmaxCrossEntropyLoss(3));
        reused.training(3, 8);
        for (DataBlock b : new DataBlock[] {big, small, big, small}) {
            LossEvaluator fresh = new LossEvaluator(model, new SoftmaxCrossEntropyLoss(3));
            fresh.training(3, 8);
            GradientAccumulator a = new GradientAccumulator(theta.length);
            GradientAccumulator f = new GradientAccumulator(theta.length);
            reused.accumulate(b, theta, a);
            fresh.accumulate(b, theta, f);
            assertEquals(f.lossSum(), a.lossSum(), 0.0);
            double[] ga = new double[theta.length];
            double[] gf = new double[theta.length];
            a.meanGradient(ga);
            f.meanGradient(gf);
            assertArrayEquals(gf, ga, 0.0);
        }
    }
}
