package dev.downhill.core.objective;

import static dev.downhill.core.TestData.classLabels;
import static dev.downhill.core.TestData.dense;
import static dev.downhill.core.TestData.gaussianVector;
import static dev.downhill.core.TestData.randomMatrix;
import static dev.downhill.core.TestData.randomWeights;
import static dev.downhill.core.TestData.sparse;
import static dev.downhill.core.TestData.strictRelativeError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.linalg.Vectors;
import dev.downhill.core.loss.SoftmaxCrossEntropyLoss;
import dev.downhill.core.model.LinearModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Partial sums must combine to the same mean loss and gradient however the rows are split. */
class GradientAccumulatorTest {
    private static final int D = 6;
    private static final int K = 3;
    private final LinearModel model = new LinearModel(D, K);
    private final SoftmaxCrossEntropyLoss loss = new SoftmaxCrossEntropyLoss(K);

    /** Six blocks of varying size, alternating dense and sparse, half of them weighted. */
    private static List<DataBlock> blocks(Random rnd) {
        List<DataBlock> blocks = new ArrayList<>();
        int[] sizes = {13, 1, 20, 7, 11, 4};
        for (int b = 0; b < sizes.length; b++) {
            int n = sizes[b];
            double[] x = randomMatrix(rnd, n, D, b % 2 == 0 ? 1.0 : 0.3);
            double[] y = classLabels(rnd, n, K);
            double[] v = b % 3 == 0 ? randomWeights(rnd, n) : null;
            blocks.add(b % 2 == 0 ? dense(n, D, y, v, x) : sparse(n, D, y, v, x));
        }
        return blocks;
    }

    private GradientAccumulator accumulate(List<DataBlock> blocks, double[] theta) {
        LossEvaluator evaluator = new LossEvaluator(model, loss);
        GradientAccumulator acc = new GradientAccumulator(model.numParameters());
        for (DataBlock b : blocks) {
            evaluator.accumulate(b, theta, acc);
        }
        return acc;
    }

    private double[] meanGradient(GradientAccumulator acc) {
        double[] g = new double[model.numParameters()];
        acc.meanGradient(g);
        return g;
    }

    @Test
    void aReusedScratchArrayIsZeroedFirstAndGivesTheBitsOfAFreshOne() {
        Random rnd = new Random(91);
        List<DataBlock> blocks = blocks(rnd);
        double[] theta = gaussianVector(rnd, model.numParameters(), 0.5);
        double[] expected = meanGradient(accumulate(blocks, theta));

        // Left over from an earlier pass: must not leak into this one.
        double[] scratch = new double[model.numParameters()];
        java.util.Arrays.fill(scratch, 7.0);
        LossEvaluator evaluator = new LossEvaluator(model, loss);
        GradientAccumulator reused = new GradientAccumulator(model.numParameters(), scratch);
        for (DataBlock b : blocks) {
            evaluator.accumulate(b, theta, reused);
        }
        assertArrayEquals(expected, meanGradient(reused));

        // A value-only pass never takes the scratch, so it ships no gradient.
        double[] untouched = new double[model.numParameters()];
        java.util.Arrays.fill(untouched, 7.0);
        GradientAccumulator valueOnly = new GradientAccumulator(model.numParameters(), untouched);
        evaluator.accumulateValue(blocks.get(0), theta, valueOnly);
        assertFalse(valueOnly.hasGradient());
        for (double v : untouched) {
            assertEquals(7.0, v);
        }
        assertThrows(IllegalArgumentException.class, () -> new GradientAccumulator(4, new double[3]));
    }

    @Test
    void mergeOverASplitOfTheBlocksEqualsAccumulatingAllBlocks() {
        Random rnd = new Random(51);
        List<DataBlock> blocks = blocks(rnd);
        double[] theta = gaussianVector(rnd, model.numParameters(), 0.5);
        GradientAccumulator all = accumulate(blocks, theta);
        // Several splits, as different partitionings of the same data would give.
        for (int[] cuts : new int[][] {{2}, {1, 4}, {3, 5}, {1, 2, 3, 4, 5}}) {
            GradientAccumulator merged = new GradientAccumulator(model.numParameters());
            int from = 0;
            for (int c = 0; c <= cuts.length; c++) {
                int to = c < cuts.length ? cuts[c] : blocks.size();
                merged.merge(accumulate(blocks.subList(from, to), theta));
                from = to;
            }
            assertTrue(strictRelativeError(all.lossSum(), merged.lossSum()) <= 1e-12);
            assertTrue(strictRelativeError(all.weightSum(), merged.weightSum()) <= 1e-12);
            assertEquals(all.rowCount(), merged.rowCount());
            assertEquals(56, merged.rowCount());
            assertTrue(strictRelativeError(all.meanLoss(), merged.meanLoss()) <= 1e-12);
            double diff = Vectors.maxRelativeDifference(meanGradient(all), meanGradient(merged));
            assertTrue(diff <= 1e-12, "mean gradient differs by " + diff);
        }
    }

    @Test
    void emptyAccumulatorIsTheIdentityOfMergeAndHasNoGradient() {
        Random rnd = new Random(52);
        List<DataBlock> blocks = blocks(rnd);
        double[] theta = gaussianVector(rnd, model.numParameters(), 0.5);
        GradientAccumulator empty = new GradientAccumulator(model.numParameters());
        assertFalse(empty.hasGradient());
        assertEquals(0L, empty.rowCount());
        assertEquals(0.0, empty.lossSum());
        assertEquals(0.0, empty.weightSum());

        GradientAccumulator reference = accumulate(blocks, theta);
        GradientAccumulator left = new GradientAccumulator(model.numParameters()).merge(accumulate(blocks, theta));
        GradientAccumulator right = accumulate(blocks, theta);
        assertSame(right, right.merge(empty));
        for (GradientAccumulator acc : List.of(left, right)) {
            // Adding zeros changes nothing, so equality is exact.
            assertEquals(reference.lossSum(), acc.lossSum(), 0.0);
            assertEquals(reference.weightSum(), acc.weightSum(), 0.0);
            assertEquals(reference.rowCount(), acc.rowCount());
            assertArrayEquals(meanGradient(reference), meanGradient(acc), 0.0);
        }
        GradientAccumulator both = new GradientAccumulator(model.numParameters())
                .merge(new GradientAccumulator(model.numParameters()));
        assertFalse(both.hasGradient(), "two empty accumulators must still carry no gradient array");
    }

    @Test
    void blocksWithNoRowsLeaveTheAccumulatorEmpty() {
        DataBlock none = dense(0, D, new double[0], null, new double[0]);
        GradientAccumulator acc = accumulate(List.of(none, none), new double[model.numParameters()]);
        assertFalse(acc.hasGradient());
        assertEquals(0L, acc.rowCount());
    }

    @Test
    void meanLossOfEmptyAccumulatorThrows() {
        GradientAccumulator empty = new GradientAccumulator(model.numParameters());
        assertThrows(IllegalStateException.class, empty::meanLoss);
        assertThrows(IllegalStateException.class, () -> empty.meanGradient(new double[model.numParameters()]));
    }

    @Test
    void mergingAccumulatorsOfDifferentSizesThrows() {
        GradientAccumulator a = new GradientAccumulator(5);
        GradientAccumulator b = new GradientAccumulator(6);
        assertThrows(IllegalArgumentException.class, () -> a.merge(b));
        assertThrows(IllegalArgumentException.class, () -> b.merge(a));
        assertThrows(IllegalArgumentException.class, () -> new GradientAccumulator(-1));
    }

    @Test
    void meanGradientRejectsWrongBufferLength() {
        Random rnd = new Random(53);
        GradientAccumulator acc = accumulate(blocks(rnd), gaussianVector(rnd, model.numParameters(), 0.5));
        assertThrows(IllegalArgumentException.class, () -> acc.meanGradient(new double[model.numParameters() - 1]));
    }
}
