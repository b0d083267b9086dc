package dev.downhill.core.objective;

import static dev.downhill.core.TestData.classLabels;
import static dev.downhill.core.TestData.dense;
import static dev.downhill.core.TestData.gaussianVector;
import static dev.downhill.core.TestData.randomMatrix;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.SoftmaxCrossEntropyLoss;
import dev.downhill.core.model.LinearModel;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class L2PenaltyTest {
    private static final double LAMBDA = 0.37;
    private final LinearModel model = new LinearModel(3, 2); // 6 weights, then 2 intercepts

    @Test
    void penaltyValueSumsOnlyTheWeightsNeverTheIntercepts() {
        double[] theta = {0.5, -1.0, 2.0, 0.25, -0.75, 1.5, 10.0, -20.0};
        double weights = 0.25 + 1.0 + 4.0 + 0.0625 + 0.5625 + 2.25;
        L2Penalty penalty = new L2Penalty(LAMBDA, model);
        assertEquals(LAMBDA / 2 * weights, penalty.value(theta), 1e-15);
        // Moving the intercepts must not move the penalty at all.
        double[] shifted = theta.clone();
        shifted[6] = -300.0;
        shifted[7] = 1e6;
        assertEquals(penalty.value(theta), penalty.value(shifted), 0.0);
    }

    @Test
    void penaltyGradientIsLambdaTimesWeightsAndZeroOnIntercepts() {
        double[] theta = gaussianVector(new Random(71), 8, 2.0);
        double[] gradient = new double[8];
        new L2Penalty(LAMBDA, model).addGradient(theta, gradient);
        for (int j = 0; j < 6; j++) {
            assertEquals(LAMBDA * theta[j], gradient[j], 1e-15);
        }
        assertEquals(0.0, gradient[6], 0.0);
        assertEquals(0.0, gradient[7], 0.0);
        // addGradient adds: a second call doubles the weight entries.
        new L2Penalty(LAMBDA, model).addGradient(theta, gradient);
        assertEquals(2 * LAMBDA * theta[0], gradient[0], 1e-15);
    }

    @Test
    void regularizedObjectiveAddsThePenaltyToWeightsOnly() {
        Random rnd = new Random(72);
        int n = 15;
        List<DataBlock> blocks = List.of(dense(n, 3, classLabels(rnd, n, 2), null, randomMatrix(rnd, n, 3, 1.0)));
        LocalDataLoss data = new LocalDataLoss(blocks, model, new SoftmaxCrossEntropyLoss(2));
        double[] theta = gaussianVector(rnd, 8, 1.0);
        double[] withPenalty = new double[8];
        double[] without = new double[8];
        double f = new RegularizedObjective(data, new L2Penalty(LAMBDA, model)).valueAndGradient(theta, withPenalty);
        double f0 = new RegularizedObjective(data, new L2Penalty(0.0, model)).valueAndGradient(theta, without);
        double weights = 0.0;
        for (int j = 0; j < 6; j++) {
            weights += theta[j] * theta[j];
            assertEquals(without[j] + LAMBDA * theta[j], withPenalty[j], 1e-15);
        }
        assertArrayEquals(new double[] {without[6], without[7]}, new double[] {withPenalty[6], withPenalty[7]}, 0.0);
        assertEquals(f0 + LAMBDA / 2 * weights, f, 1e-14);
    }

    @Test
    void zeroLambdaPenalizesNothing() {
        double[] theta = {1, 2, 3, 4, 5, 6, 7, 8};
        double[] gradient = {1, 1, 1, 1, 1, 1, 1, 1};
        L2Penalty none = new L2Penalty(0.0, model);
        assertEquals(0.0, none.value(theta), 0.0);
        none.addGradient(theta, gradient);
        assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1, 1, 1}, gradient, 0.0);
    }

    @Test
    void negativeOrNonFiniteLambdaIsRejected() {
        for (double lambda : new double[] {-1e-9, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class, () -> new L2Penalty(lambda, model));
        }
    }
}
