package dev.downhill.core.metrics;

import static dev.downhill.core.TestData.classLabels;
import static dev.downhill.core.TestData.dense;
import static dev.downhill.core.TestData.gaussianVector;
import static dev.downhill.core.TestData.randomMatrix;
import static dev.downhill.core.TestData.randomWeights;
import static dev.downhill.core.TestData.realLabels;
import static dev.downhill.core.TestData.sparse;
import static dev.downhill.core.TestData.strictRelativeError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.Predictor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Block by block accumulation equals a row by row computation, and merged partials equal the whole. */
class MetricsAccumulatorTest {
    private static final int D = 5;

    private static List<DataBlock> blocks(Random rnd, Objective objective, int k) {
        List<DataBlock> blocks = new ArrayList<>();
        int[] sizes = {17, 1, 25, 9, 30};
        for (int b = 0; b < sizes.length; b++) {
            int n = sizes[b];
            double[] x = randomMatrix(rnd, n, D, b % 2 == 0 ? 1.0 : 0.4);
            double[] y = objective == Objective.LEAST_SQUARES ? realLabels(rnd, n) : classLabels(rnd, n, k);
            double[] v = b == 2 ? randomWeights(rnd, n) : null;
            blocks.add(b % 2 == 0 ? dense(n, D, y, v, x) : sparse(n, D, y, v, x));
        }
        return blocks;
    }

    private static MetricsAccumulator accumulate(Predictor p, Objective o, int k, List<DataBlock> blocks) {
        MetricsAccumulator acc = new MetricsAccumulator(o, k);
        for (DataBlock b : blocks) {
            p.predict(b);
            acc.add(p, b);
        }
        return acc;
    }

    @Test
    void softmaxAccumulationMatchesRowByRowAndMergesToTheWhole() {
        Random rnd = new Random(12);
        int k = 3;
        List<DataBlock> blocks = blocks(rnd, Objective.SOFTMAX, k);
        Predictor p = new Predictor(Objective.SOFTMAX, D, k, gaussianVector(rnd, (D + 1) * k, 1.0));
        MetricsAccumulator whole = accumulate(p, Objective.SOFTMAX, k, blocks);

        // Row by row: weighted -log p_y from the reported probabilities, and the confusion counts.
        double lossSum = 0;
        double w = 0;
        double right = 0;
        for (DataBlock b : blocks) {
            p.predict(b);
            for (int i = 0; i < b.numRows(); i++) {
                int y = (int) b.label(i);
                lossSum += b.weight(i) * -Math.log(p.score(i, y));
                w += b.weight(i);
                right += p.predictedClass(i) == y ? b.weight(i) : 0;
            }
        }
        assertEquals(82, whole.rows());
        assertTrue(strictRelativeError(lossSum / w, whole.logLoss()) < 1e-12);
        assertTrue(strictRelativeError(right / w, whole.classes().accuracy()) < 1e-14);
        assertNull(whole.errors());

        MetricsAccumulator merged = accumulate(p, Objective.SOFTMAX, k, blocks.subList(0, 2))
                .merge(accumulate(p, Objective.SOFTMAX, k, blocks.subList(2, 5)));
        assertEquals(whole.rows(), merged.rows());
        assertTrue(strictRelativeError(whole.logLoss(), merged.logLoss()) < 1e-13);
        assertTrue(strictRelativeError(whole.classes().macroF1(), merged.classes().macroF1()) < 1e-13);
        for (int a = 0; a < k; a++) {
            for (int c = 0; c < k; c++) {
                assertTrue(Math.abs(whole.classes().confusion(a, c) - merged.classes().confusion(a, c)) < 1e-12);
            }
        }
    }

    @Test
    void hingeHasNoLogLossAndLeastSquaresCountsErrors() {
        Random rnd = new Random(13);
        List<DataBlock> binary = blocks(rnd, Objective.HINGE, 2);
        Predictor hinge = new Predictor(Objective.HINGE, D, 2, gaussianVector(rnd, D + 1, 1.0));
        MetricsAccumulator h = accumulate(hinge, Objective.HINGE, 2, binary);
        assertTrue(Double.isNaN(h.logLoss()));
        assertEquals(82, h.classes().rows());

        List<DataBlock> real = blocks(rnd, Objective.LEAST_SQUARES, 0);
        Predictor ls = new Predictor(Objective.LEAST_SQUARES, D, 0, gaussianVector(rnd, D + 1, 1.0));
        MetricsAccumulator whole = accumulate(ls, Objective.LEAST_SQUARES, 0, real);
        double sse = 0;
        double w = 0;
        for (DataBlock b : real) {
            ls.predict(b);
            for (int i = 0; i < b.numRows(); i++) {
                double r = ls.predictedValue(i) - b.label(i);
                sse += b.weight(i) * r * r;
                w += b.weight(i);
            }
        }
        assertTrue(strictRelativeError(Math.sqrt(sse / w), whole.errors().rmse()) < 1e-13);
        MetricsAccumulator merged = accumulate(ls, Objective.LEAST_SQUARES, 0, real.subList(0, 3))
                .merge(accumulate(ls, Objective.LEAST_SQUARES, 0, real.subList(3, 5)));
        assertTrue(strictRelativeError(whole.errors().r2(), merged.errors().r2()) < 1e-12);
        assertNull(whole.classes());
    }

    @Test
    void aLabelThatIsNoClassIndexIsRefused() {
        Predictor p = new Predictor(Objective.LOGISTIC, 1, 2, new double[] {1.0, 0.0});
        DataBlock b = dense(1, 1, new double[] {2.0}, null, new double[] {1.0});
        p.predict(b);
        MetricsAccumulator acc = new MetricsAccumulator(Objective.LOGISTIC, 2);
        assertThrows(IllegalArgumentException.class, () -> acc.add(p, b));
        assertThrows(IllegalArgumentException.class,
                () -> acc.merge(new MetricsAccumulator(Objective.HINGE, 2)));
    }
}
