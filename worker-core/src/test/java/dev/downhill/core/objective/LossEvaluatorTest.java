package dev.downhill.core.objective;

import static dev.downhill.core.TestData.classLabels;
import static dev.downhill.core.TestData.dense;
import static dev.downhill.core.TestData.floatDense;
import static dev.downhill.core.TestData.floatSparse;
import static dev.downhill.core.TestData.gaussianVector;
import static dev.downhill.core.TestData.randomMatrix;
import static dev.downhill.core.TestData.randomWeights;
import static dev.downhill.core.TestData.realLabels;
import static dev.downhill.core.TestData.sparse;
import static dev.downhill.core.TestData.strictRelativeError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.loss.Loss;
import dev.downhill.core.model.LinearModel;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LossEvaluatorTest {
    private static final int D = 4;

    private static List<DataBlock> blocks(Random rnd, Objective objective, int k) {
        int[] sizes = {9, 30, 3};
        DataBlock[] out = new DataBlock[sizes.length];
        for (int b = 0; b < sizes.length; b++) {
            int n = sizes[b];
            double[] x = randomMatrix(rnd, n, D, b == 1 ? 0.4 : 1.0);
            double[] y = objective == Objective.LEAST_SQUARES ? realLabels(rnd, n) : classLabels(rnd, n, k);
            double[] v = b == 2 ? null : randomWeights(rnd, n);
            out[b] = b == 1 ? sparse(n, D, y, v, x) : dense(n, D, y, v, x);
        }
        return List.of(out);
    }

    @Test
    void accumulateValueGivesTheSameLossSumAsAccumulateWithoutAGradient() {
        Random rnd = new Random(61);
        for (Objective objective : Objective.values()) {
            int k = objective == Objective.SOFTMAX ? 3 : 2;
            LinearModel model = new LinearModel(D, objective.numOutputs(k));
            Loss loss = objective.loss(k);
            List<DataBlock> blocks = blocks(rnd, objective, k);
            double[] theta = gaussianVector(rnd, model.numParameters(), 0.8);
            LossEvaluator evaluator = new LossEvaluator(model, loss);
            GradientAccumulator full = new GradientAccumulator(model.numParameters());
            GradientAccumulator valueOnly = new GradientAccumulator(model.numParameters());
            for (DataBlock b : blocks) {
                evaluator.accumulate(b, theta, full);
                evaluator.accumulateValue(b, theta, valueOnly);
            }
            assertTrue(full.lossSum() > 0.0, objective.cliName());
            assertTrue(strictRelativeError(full.lossSum(), valueOnly.lossSum()) <= 1e-15, objective.cliName());
            assertEquals(full.weightSum(), valueOnly.weightSum(), 0.0, objective.cliName());
            assertEquals(full.rowCount(), valueOnly.rowCount(), objective.cliName());
            assertTrue(full.hasGradient());
            assertFalse(valueOnly.hasGradient(), objective.cliName());
            // A value-only accumulator must refuse to hand out a gradient rather than return zeros.
            assertThrows(IllegalStateException.class, () -> valueOnly.meanGradient(new double[model.numParameters()]));
        }
    }

    @Test
    void accumulateMatchesSumsComputedByHand() {
        // Independent of LinearModel and the blocks' kernels: explicit matrix, explicit chain rule.
        Random rnd = new Random(62);
        int n = 12;
        double[] x = randomMatrix(rnd, n, D, 0.6);
        double[] y = realLabels(rnd, n);
        double[] v = randomWeights(rnd, n);
        LinearModel model = new LinearModel(D, 1);
        double[] theta = gaussianVector(rnd, D + 1, 1.0);
        double lossSum = 0.0;
        double weightSum = 0.0;
        double[] gradSum = new double[D + 1];
        for (int i = 0; i < n; i++) {
            double z = theta[D];
            for (int j = 0; j < D; j++) {
                z += theta[j] * x[i * D + j];
            }
            double r = z - y[i];
            lossSum += v[i] * 0.5 * r * r;
            weightSum += v[i];
            for (int j = 0; j < D; j++) {
                gradSum[j] += v[i] * r * x[i * D + j];
            }
            gradSum[D] += v[i] * r;
        }
        for (DataBlock block : List.of(dense(n, D, y, v, x), sparse(n, D, y, v, x))) {
            GradientAccumulator acc = new GradientAccumulator(D + 1);
            new LossEvaluator(model, Objective.LEAST_SQUARES.loss(1)).accumulate(block, theta, acc);
            assertTrue(strictRelativeError(lossSum, acc.lossSum()) <= 1e-13);
            assertTrue(strictRelativeError(weightSum, acc.weightSum()) <= 1e-13);
            assertEquals(n, acc.rowCount());
            double[] mean = new double[D + 1];
            acc.meanGradient(mean);
            for (int j = 0; j <= D; j++) {
                assertEquals(gradSum[j] / weightSum, mean[j], 1e-12 * Math.max(1.0, Math.abs(mean[j])));
            }
        }
    }

    @Test
    void reusedEvaluatorGivesTheSameSumsAsFreshOnes() {
        // The evaluator keeps scratch sized for the largest block seen; a small block after a large one must
        // not pick up stale outputs or gradients.
        Random rnd = new Random(63);
        LinearModel model = new LinearModel(D, 3);
        Loss loss = Objective.SOFTMAX.loss(3);
        List<DataBlock> blocks = blocks(rnd, Objective.SOFTMAX, 3);
        double[] theta = gaussianVector(rnd, model.numParameters(), 0.8);
        LossEvaluator shared = new LossEvaluator(model, loss);
        for (int pass = 0; pass < 2; pass++) {
            for (DataBlock b : blocks) {
                GradientAccumulator reused = new GradientAccumulator(model.numParameters());
                GradientAccumulator fresh = new GradientAccumulator(model.numParameters());
                shared.accumulate(b, theta, reused);
                new LossEvaluator(model, loss).accumulate(b, theta, fresh);
                assertEquals(fresh.lossSum(), reused.lossSum(), 0.0);
                double[] g1 = new double[model.numParameters()];
                double[] g2 = new double[model.numParameters()];
                fresh.meanGradient(g1);
                reused.meanGradient(g2);
                assertEquals(java.util.Arrays.toString(g1), java.util.Arrays.toString(g2));
            }
        }
    }

    @Test
    void blocksDoneInChunksGiveTheBitsOfWholeBlockPasses() {
        // LossEvaluator runs a linear model a chunk of rows at a time (gradient and value-only passes); the
        // reference here is the model's whole-block forward, the per-row losses and the whole-block backward, as
        // for networks. CSR chunks are sized by their stored values, so the same n cuts them differently (x here
        // is 60% non-zero).
        Random rnd = new Random(64);
        int d = 37;
        int chunk = LossEvaluator.CHUNK_BYTES / (8 * d);
        // one short chunk, whole chunks only, and a short last chunk (each chunk's losses read the next chunk's
        // rows, up to the block's end)
        for (int n : new int[] {5, 2 * chunk, 3 * chunk + 7})
        for (Objective objective : new Objective[] {Objective.LOGISTIC, Objective.SOFTMAX}) {
            int k = objective == Objective.SOFTMAX ? 3 : 2;
            LinearModel model = new LinearModel(d, objective.numOutputs(k));
            Loss loss = objective.loss(k);
            double[] x = randomMatrix(rnd, n, d, 0.6);
            double[] y = classLabels(rnd, n, k);
            double[] v = randomWeights(rnd, n);
            double[] theta = gaussianVector(rnd, model.numParameters(), 0.3);
            for (DataBlock block : List.of(dense(n, d, y, v, x), floatDense(n, d, y, v, x), dense(n, d, y, null, x),
                    sparse(n, d, y, v, x), floatSparse(n, d, y, v, x), sparse(n, d, y, null, x))) {
                GradientAccumulator chunked = new GradientAccumulator(model.numParameters());
                new LossEvaluator(model, loss).accumulate(block, theta, chunked);

                int outputs = model.numOutputs();
                dev.downhill.core.model.Activations act = model.newActivations(n);
                model.forward(theta, block, act);
                double[] dz = new double[n * outputs];
                double lossSum = 0.0;
                for (int i = 0; i < n; i++) {
                    lossSum += block.weight(i)
                            * loss.valueAndDerivative(act.outputs(), i * outputs, block.label(i), dz);
                    for (int c = 0; c < outputs; c++) {
                        dz[i * outputs + c] *= block.weight(i);
                    }
                }
                double[] gradient = new double[model.numParameters()];
                model.backward(theta, block, act, dz, gradient);

                assertEquals(lossSum, chunked.lossSum(), 0.0, objective.cliName());
                // value-only passes go chunk by chunk too: the whole-block forward's losses, bit for bit
                double valueSum = 0.0;
                for (int i = 0; i < n; i++) {
                    valueSum += block.weight(i) * loss.value(act.outputs(), i * outputs, block.label(i));
                }
                GradientAccumulator valueOnly = new GradientAccumulator(model.numParameters());
                new LossEvaluator(model, loss).accumulateValue(block, theta, valueOnly);
                assertEquals(valueSum, valueOnly.lossSum(), 0.0, objective.cliName() + " value only");
                double[] mean = new double[model.numParameters()];
                chunked.meanGradient(mean);
                double inv = 1.0 / chunked.weightSum();
                for (int j = 0; j < gradient.length; j++) {
                    assertEquals(gradient[j] * inv, mean[j], 0.0, objective.cliName() + " parameter " + j);
                }
            }
        }
    }
}
