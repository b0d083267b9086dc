package dev.downhill.core.loss;

import static dev.downhill.core.TestData.relativeError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.numdiff.FiniteDifferences;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** dl/dz of every loss against central differences of its own {@code value}. */
class LossDerivativeTest {
    private static final double TOLERANCE = 1e-7;
    private static final int POINTS = 300;

    /**
     * Checks one point: z holds the outputs at [offset, offset + k) inside a longer array (as in a block),
     * so this also checks that a loss reads and writes only its own slots. Returns the largest relative error.
     */
    private static double derivativeError(Loss loss, int k, double[] z, int offset, double label) {
        double[] dz = new double[z.length];
        Arrays.fill(dz, Double.NaN);
        double combined = loss.valueAndDerivative(z, offset, label, dz);
        // valueAndDerivative and value must agree: the evaluator uses one for gradients, the other for line searches.
        assertEquals(loss.value(z, offset, label), combined, 1e-15 * Math.max(1.0, Math.abs(combined)));
        for (int i = 0; i < z.length; i++) {
            if (i < offset || i >= offset + k) {
                assertTrue(Double.isNaN(dz[i]), "loss wrote outside its outputs at " + i);
            }
        }
        double worst = 0.0;
        for (int c = 0; c < k; c++) {
            final int idx = offset + c;
            final double zc = z[idx];
            double numeric = FiniteDifferences.central(t -> {
                z[idx] = t;
                double v = loss.value(z, offset, label);
                z[idx] = zc;
                return v;
            }, zc, FiniteDifferences.centralStep(zc));
            worst = Math.max(worst, relativeError(dz[idx], numeric));
        }
        return worst;
    }

    private static double[] randomOutputs(Random rnd, int k, int offset, double range) {
        double[] z = new double[offset + k + 2];
        for (int i = 0; i < z.length; i++) {
            z[i] = range * (2.0 * rnd.nextDouble() - 1.0);
        }
        return z;
    }

    @Test
    void squaredLossDerivativeMatchesCentralDifferences() {
        Random rnd = new Random(11);
        Loss loss = new SquaredLoss();
        double worst = 0.0;
        for (int p = 0; p < POINTS; p++) {
            int offset = rnd.nextInt(3);
            double[] z = randomOutputs(rnd, 1, offset, 5.0);
            worst = Math.max(worst, derivativeError(loss, 1, z, offset, 2.0 * rnd.nextGaussian()));
        }
        assertTrue(worst <= TOLERANCE, "max relative error " + worst);
    }

    @Test
    void logisticLossDerivativeMatchesCentralDifferences() {
        Random rnd = new Random(12);
        Loss loss = new LogisticLoss();
        double worst = 0.0;
        for (int p = 0; p < POINTS; p++) {
            int offset = rnd.nextInt(3);
            double[] z = randomOutputs(rnd, 1, offset, 6.0);
            worst = Math.max(worst, derivativeError(loss, 1, z, offset, rnd.nextInt(2)));
        }
        assertTrue(worst <= TOLERANCE, "max relative error " + worst);
    }

    @Test
    void hingeLossDerivativeMatchesCentralDifferencesAwayFromKink() {
        Random rnd = new Random(13);
        Loss loss = new HingeLoss();
        double worst = 0.0;
        int active = 0;
        int inactive = 0;
        while (active + inactive < POINTS) {
            int offset = rnd.nextInt(3);
            double[] z = randomOutputs(rnd, 1, offset, 3.0);
            double label = rnd.nextInt(2);
            double slack = 1.0 - (2.0 * label - 1.0) * z[offset];
            if (Math.abs(slack) <= 1e-3) {
                continue; // not differentiable at the kink; the difference quotient would straddle it
            }
            if (slack > 0) {
                active++;
            } else {
                inactive++;
            }
            worst = Math.max(worst, derivativeError(loss, 1, z, offset, label));
        }
        // Both sides of the hinge must have been exercised for the check to mean anything.
        assertTrue(active > 50 && inactive > 50, active + " active, " + inactive + " inactive");
        assertTrue(worst <= TOLERANCE, "max relative error " + worst);
    }

    private static void checkSoftmax(int k, long seed) {
        Random rnd = new Random(seed);
        Loss loss = new SoftmaxCrossEntropyLoss(k);
        assertEquals(k, loss.numOutputs(99));
        double worst = 0.0;
        for (int p = 0; p < POINTS; p++) {
            // Row r of a block has its outputs at r * k.
            int offset = k * rnd.nextInt(3);
            double[] z = randomOutputs(rnd, k, offset, 2.0);
            worst = Math.max(worst, derivativeError(loss, k, z, offset, rnd.nextInt(k)));
        }
        assertTrue(worst <= TOLERANCE, "max relative error " + worst);
    }

    @Test
    void softmaxDerivativeMatchesCentralDifferencesWithThreeClasses() {
        checkSoftmax(3, 14);
    }

    @Test
    void softmaxDerivativeMatchesCentralDifferencesWithFourClasses() {
        checkSoftmax(4, 15);
    }
}
