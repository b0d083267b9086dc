package dev.downhill.core.model;

import static dev.downhill.core.TestData.dense;
import static dev.downhill.core.TestData.gaussianVector;
import static dev.downhill.core.TestData.randomMatrix;
import static dev.downhill.core.TestData.sparse;
import static dev.downhill.core.TestData.strictRelativeError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Objective;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Scores, predictions and log-loss of a linear model: the formulas, and no overflow at huge margins. */
class PredictorTest {
    private static final int D = 4;

    /** A one-feature block whose rows have x = 1, so a model (w, b) gives z = w + b on every row. */
    private static DataBlock ones(int rows) {
        double[] x = new double[rows];
        java.util.Arrays.fill(x, 1.0);
        return dense(rows, 1, new double[rows], null, x);
    }

    /** z_k = w_k . x_i + b_k by hand, in the parameter layout of LinearModel. */
    private static double handOutput(double[] theta, double[] x, int row, int k, int numOutputs) {
        double z = theta[numOutputs * D + k];
        for (int j = 0; j < D; j++) {
            z += theta[k * D + j] * x[row * D + j];
        }
        return z;
    }

    @Test
    void leastSquaresAndHingeScoreIsTheLinearOutputOnDenseAndSparseRows() {
        Random rnd = new Random(3);
        int n = 9;
        double[] x = randomMatrix(rnd, n, D, 0.6);
        double[] theta = gaussianVector(rnd, D + 1, 1.0);
        DataBlock[] layouts = {dense(n, D, new double[n], null, x), sparse(n, D, new double[n], null, x)};
        for (DataBlock block : layouts) {
            Predictor ls = new Predictor(Objective.LEAST_SQUARES, D, 0, theta);
            Predictor hinge = new Predictor(Objective.HINGE, D, 2, theta);
            ls.predict(block);
            hinge.predict(block);
            for (int i = 0; i < n; i++) {
                double z = handOutput(theta, x, i, 0, 1);
                assertEquals(z, ls.predictedValue(i), 1e-12);
                assertEquals(z, hinge.score(i, 0), 1e-12);
                assertEquals(z > 0 ? 1 : 0, hinge.predictedClass(i));
            }
        }
    }

    @Test
    void logisticScoreIsSigmoidAndTheClassIsItsThreshold() {
        Random rnd = new Random(4);
        int n = 40;
        double[] x = randomMatrix(rnd, n, D, 0.8);
        double[] theta = gaussianVector(rnd, D + 1, 1.5);
        Predictor p = new Predictor(Objective.LOGISTIC, D, 2, theta);
        p.predict(sparse(n, D, new double[n], null, x));
        for (int i = 0; i < n; i++) {
            double z = handOutput(theta, x, i, 0, 1);
            double expected = 1.0 / (1.0 + Math.exp(-z)); // accurate for these moderate z
            assertTrue(strictRelativeError(expected, p.score(i, 0)) <= 4e-16, "z " + z);
            assertEquals(p.score(i, 0) > 0.5 ? 1 : 0, p.predictedClass(i));
            // -log p(class 1) and -log p(class 0) from the formula.
            assertEquals(-Math.log(expected), p.logLoss(i, 1), 1e-13);
            assertEquals(-Math.log1p(-expected), p.logLoss(i, 0), 1e-13);
        }
    }

    @Test
    void sigmoidAtHugeMarginsIsFiniteAndKeepsTinyProbabilitiesExact() {
        assertEquals(1.0, Predictor.sigmoid(1000.0));
        assertEquals(1.0, Predictor.sigmoid(Double.MAX_VALUE));
        assertEquals(0.0, Predictor.sigmoid(-Double.MAX_VALUE));
        assertEquals(0.5, Predictor.sigmoid(0.0));
        // sigma(-z) = exp(-z) / (1 + exp(-z)): for z = 700 that is exp(-700) (1 - exp(-700)) ~ exp(-700).
        for (double z : new double[] {40.0, 300.0, 700.0}) {
            BigDecimal e = new BigDecimal(Math.exp(-z));
            double exact = e.divide(BigDecimal.ONE.add(e), MathContext.DECIMAL128).doubleValue();
            assertTrue(strictRelativeError(exact, Predictor.sigmoid(-z)) <= 4e-16, "z " + z);
        }
        // Symmetry sigma(-z) = 1 - sigma(z), up to the rounding of 1 - sigma(z) (one ulp of 1).
        for (double z : new double[] {0.1, 1.0, 5.0}) {
            assertEquals(1.0 - Predictor.sigmoid(z), Predictor.sigmoid(-z), 3e-16);
        }
    }

    @Test
    void logisticLogLossOfAConfidentWrongPredictionIsTheMarginNotInfinity() {
        // w = 1e6, b = 0 on x = 1: z = 1e6, so p(class 1) rounds to 1 and -log(1 - p) would be infinite.
        Predictor p = new Predictor(Objective.LOGISTIC, 1, 2, new double[] {1e6, 0.0});
        p.predict(ones(2));
        assertEquals(1.0, p.score(0, 0));
        assertEquals(1, p.predictedClass(0));
        assertEquals(1e6, p.logLoss(0, 0), 1e-9);
        assertTrue(p.logLoss(0, 1) >= 0.0 && p.logLoss(0, 1) < 1e-300);
        Predictor q = new Predictor(Objective.LOGISTIC, 1, 2, new double[] {-1e6, 0.0});
        q.predict(ones(1));
        assertEquals(0.0, q.score(0, 0));
        assertEquals(0, q.predictedClass(0));
        assertEquals(1e6, q.logLoss(0, 1), 1e-9);
    }

    @Test
    void softmaxOfHugeOutputsIsAProbabilityVectorWithoutNaN() {
        // Three classes, one feature, x = 1: z = (1000, 999, -1000). exp(1000) overflows; the shifted form does not.
        double[] theta = {1000.0, 999.0, -1000.0, 0.0, 0.0, 0.0};
        Predictor p = new Predictor(Objective.SOFTMAX, 1, 3, theta);
        p.predict(ones(1));
        double e = Math.exp(-1.0);
        assertEquals(1.0 / (1.0 + e), p.score(0, 0), 1e-16);
        assertEquals(e / (1.0 + e), p.score(0, 1), 1e-16);
        assertEquals(0.0, p.score(0, 2));
        assertEquals(0, p.predictedClass(0));
        // -log p_2 = 2000 + log(1 + e^-1), finite though p_2 underflows to 0.
        assertEquals(2000.0 + Math.log1p(e), p.logLoss(0, 2), 1e-9);
        assertEquals(Math.log1p(e), p.logLoss(0, 0), 1e-15);
    }

    @Test
    void softmaxScoresSumToOneAndThePredictionIsTheirArgmaxLowestOnTies() {
        Random rnd = new Random(5);
        int n = 30;
        int k = 4;
        double[] x = randomMatrix(rnd, n, D, 0.7);
        double[] theta = gaussianVector(rnd, (D + 1) * k, 2.0);
        Predictor p = new Predictor(Objective.SOFTMAX, D, k, theta);
        p.predict(dense(n, D, new double[n], null, x));
        for (int i = 0; i < n; i++) {
            double sum = 0;
            int best = 0;
            double bestZ = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                double z = handOutput(theta, x, i, c, k);
                assertEquals(z, p.output(i, c), 1e-12);
                sum += p.score(i, c);
                if (z > bestZ) {
                    bestZ = z;
                    best = c;
                }
            }
            assertEquals(1.0, sum, 1e-15);
            assertEquals(best, p.predictedClass(i));
        }
        // Equal outputs: equal probabilities, and the lower class wins.
        Predictor tie = new Predictor(Objective.SOFTMAX, 1, 3, new double[] {1.0, 2.0, 2.0, 0.0, 0.0, 0.0});
        tie.predict(ones(1));
        assertEquals(tie.score(0, 1), tie.score(0, 2));
        assertEquals(1, tie.predictedClass(0));
    }

    @Test
    void scratchGrowsAndShrinksWithTheBlock() {
        Random rnd = new Random(6);
        double[] theta = gaussianVector(rnd, D + 1, 1.0);
        Predictor p = new Predictor(Objective.LEAST_SQUARES, D, 0, theta);
        double[] big = randomMatrix(rnd, 50, D, 1.0);
        p.predict(dense(50, D, new double[50], null, big));
        assertEquals(50, p.numRows());
        double[] small = randomMatrix(rnd, 3, D, 1.0);
        p.predict(dense(3, D, new double[3], null, small));
        assertEquals(3, p.numRows());
        assertEquals(handOutput(theta, small, 2, 0, 1), p.predictedValue(2), 1e-12);
        assertThrows(IndexOutOfBoundsException.class, () -> p.predictedValue(3));
    }

    @Test
    void wrongShapesAndQuestionsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Predictor(Objective.LOGISTIC, 3, 2, new double[3]));
        assertThrows(IllegalArgumentException.class, () -> new Predictor(Objective.SOFTMAX, 3, 1, new double[4]));
        assertThrows(IllegalArgumentException.class, () -> new Predictor(Objective.LOGISTIC, 3, 3, new double[4]));
        Predictor hinge = new Predictor(Objective.HINGE, 1, 2, new double[] {1.0, 0.0});
        hinge.predict(ones(1));
        assertThrows(IllegalStateException.class, () -> hinge.logLoss(0, 1));
        assertThrows(IllegalStateException.class, () -> hinge.predictedValue(0));
        Predictor ls = new Predictor(Objective.LEAST_SQUARES, 1, 0, new double[] {1.0, 0.0});
        ls.predict(ones(1));
        assertThrows(IllegalStateException.class, () -> ls.predictedClass(0));
    }
}
