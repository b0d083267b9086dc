package dev.downhill.core.loss;

import static dev.downhill.core.TestData.strictRelativeError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Loss values at extreme outputs: finite, and equal to what the formulas say. */
class LossStabilityTest {

    private static double logisticValue(double z, double label) {
        return new LogisticLoss().value(new double[] {z}, 0, label);
    }

    /** {value, derivative} from valueAndDerivative. */
    private static double[] logisticBoth(double z, double label) {
        double[] dz = new double[1];
        double v = new LogisticLoss().valueAndDerivative(new double[] {z}, 0, label, dz);
        return new double[] {v, dz[0]};
    }

    @Test
    void logisticLossOfHugeWrongMarginEqualsTheMargin() {
        // log(1 + exp(-m)) = -m + log(1 + exp(m)) -> -m; exp(800) alone would overflow to infinity.
        for (double size : new double[] {800.0, 1e6}) {
            for (double[] zy : new double[][] {{-size, 1.0}, {size, 0.0}}) {
                double z = zy[0];
                double label = zy[1];
                assertEquals(size, logisticValue(z, label), size * 1e-15);
                double[] both = logisticBoth(z, label);
                assertEquals(size, both[0], size * 1e-15);
                // sigma(z) - y: sigma(-800) ~ 1e-348 is 0 in double, so the derivative is -1 (label 1) or +1 (label 0).
                assertEquals(label == 1.0 ? -1.0 : 1.0, both[1], 1e-15);
            }
        }
    }

    @Test
    void logisticLossOfHugeCorrectMarginIsTinyAndNotNaN() {
        // The true value exp(-800) underflows; the result must be 0 (or subnormal), not NaN or negative.
        for (double size : new double[] {800.0, 1e6}) {
            for (double[] zy : new double[][] {{size, 1.0}, {-size, 0.0}}) {
                double v = logisticValue(zy[0], zy[1]);
                double[] both = logisticBoth(zy[0], zy[1]);
                for (double value : new double[] {v, both[0]}) {
                    assertTrue(Double.isFinite(value), "value " + value);
                    assertTrue(value >= 0.0 && value <= Double.MIN_NORMAL, "value " + value);
                }
                assertTrue(Double.isFinite(both[1]), "derivative " + both[1]);
                assertTrue(Math.abs(both[1]) <= Double.MIN_NORMAL, "derivative " + both[1]);
            }
        }
    }

    @Test
    void logisticLossAtLargeMarginKeepsFullRelativePrecision() {
        // At m = 30, log(1 + exp(-30)) = e - e^2/2 + e^3/3 - ... with e = exp(-30); the naive log(1 + e) would
        // keep only ~3 digits because 1 + e rounds. The series to three terms is exact to double precision.
        for (double m : new double[] {30.0, 40.0, 100.0}) {
            double e = Math.exp(-m);
            double series = e - e * e / 2 + e * e * e / 3;
            assertTrue(strictRelativeError(series, logisticValue(m, 1.0)) <= 1e-15, "m = " + m);
            assertTrue(strictRelativeError(series, logisticValue(-m, 0.0)) <= 1e-15, "m = " + m);
            assertTrue(strictRelativeError(series, logisticBoth(m, 1.0)[0]) <= 1e-15, "m = " + m);
        }
    }

    @Test
    void logisticLossMatchesNaiveFormulaForModerateMargins() {
        // Where 1 + exp(-m) does not lose digits, the textbook formula is itself accurate.
        for (int i = -100; i <= 100; i++) {
            double m = i / 100.0;
            double naive = Math.log(1.0 + Math.exp(-m));
            // Label 1 has margin z, label 0 has margin -z.
            assertTrue(strictRelativeError(naive, logisticValue(m, 1.0)) <= 1e-15, "m = " + m);
            assertTrue(strictRelativeError(naive, logisticValue(-m, 0.0)) <= 1e-15, "m = " + m);
            assertTrue(strictRelativeError(naive, logisticBoth(m, 1.0)[0]) <= 1e-15, "m = " + m);
        }
    }

    @Test
    void logisticDerivativeIsSigmoidMinusLabel() {
        for (int i = -400; i <= 400; i++) {
            double z = i / 20.0;
            double sigma = 1.0 / (1.0 + Math.exp(-z));
            for (double label : new double[] {0.0, 1.0}) {
                // sigma - y is a difference of O(1) numbers, so it is good to an absolute eps.
                assertEquals(sigma - label, logisticBoth(z, label)[1], 2e-16, "z = " + z);
            }
        }
    }

    /** logsumexp(z) - z_y in 60-digit arithmetic: exp(z_k - z_y) summed exactly, then ln by series. */
    private static double referenceSoftmaxLoss(double[] z, int y) {
        MathContext mc = new MathContext(60);
        BigDecimal sum = BigDecimal.ZERO;
        for (double zk : z) {
            // z_k - z_y is exact in BigDecimal; exp of it by Taylor series in high precision.
            sum = sum.add(exp(new BigDecimal(zk).subtract(new BigDecimal(z[y])), mc), mc);
        }
        return ln(sum, mc).doubleValue();
    }

    private static BigDecimal exp(BigDecimal x, MathContext mc) {
        // exp(x) = exp(x / 2^s)^(2^s) with |x / 2^s| < 1/2 so the series converges fast.
        int s = 0;
        while (x.abs().compareTo(new BigDecimal("0.5")) > 0) {
            x = x.divide(BigDecimal.valueOf(2), mc);
            s++;
        }
        BigDecimal term = BigDecimal.ONE;
        BigDecimal sum = BigDecimal.ONE;
        for (int n = 1; n < 80; n++) {
            term = term.multiply(x, mc).divide(BigDecimal.valueOf(n), mc);
            sum = sum.add(term, mc);
        }
        for (int i = 0; i < s; i++) {
            sum = sum.multiply(sum, mc);
        }
        return sum;
    }

    /** ln(a) for a >= 1: ln(a) = k ln 2 + ln(a / 2^k) with a / 2^k in [1, 2), each by an atanh series. */
    private static BigDecimal ln(BigDecimal a, MathContext mc) {
        BigDecimal two = BigDecimal.valueOf(2);
        int k = 0;
        while (a.compareTo(two) >= 0) {
            a = a.divide(two, mc);
            k++;
        }
        return lnNearOne(a, mc).add(lnNearOne(two, mc).multiply(BigDecimal.valueOf(k), mc), mc);
    }

    /** ln(a) = 2 atanh((a - 1) / (a + 1)) for a in [1, 2], where |u| <= 1/3 and 120 terms are plenty. */
    private static BigDecimal lnNearOne(BigDecimal a, MathContext mc) {
        BigDecimal u = a.subtract(BigDecimal.ONE).divide(a.add(BigDecimal.ONE), mc);
        BigDecimal u2 = u.multiply(u, mc);
        BigDecimal power = u;
        BigDecimal sum = BigDecimal.ZERO;
        for (int n = 1; n < 240; n += 2) {
            sum = sum.add(power.divide(BigDecimal.valueOf(n), mc), mc);
            power = power.multiply(u2, mc);
        }
        return sum.multiply(BigDecimal.valueOf(2), mc);
    }

    @Test
    void softmaxLossStaysFiniteAndCorrectForLogitsNearTenThousand() {
        Random rnd = new Random(21);
        for (int k : new int[] {3, 4}) {
            SoftmaxCrossEntropyLoss loss = new SoftmaxCrossEntropyLoss(k);
            for (int p = 0; p < 50; p++) {
                double[] z = new double[k];
                for (int c = 0; c < k; c++) {
                    z[c] = 1e4 + 6.0 * rnd.nextDouble() - 3.0;
                }
                int y = rnd.nextInt(k);
                double expected = referenceSoftmaxLoss(z, y);
                double[] dz = new double[k];
                double combined = loss.valueAndDerivative(z, 0, y, dz);
                double value = loss.value(z, 0, y);
                assertTrue(Double.isFinite(value) && Double.isFinite(combined), "loss " + value);
                // The loss adds and removes numbers near 1e4, so a few ulp(1e4) ~ 2e-12 absolute is the
                // accuracy to expect (backward stable); the loss itself is O(1) here.
                double tolerance = 4 * Math.ulp(1e4);
                assertEquals(expected, value, tolerance);
                assertEquals(expected, combined, tolerance);
                double sum = 0.0;
                for (int c = 0; c < k; c++) {
                    assertTrue(Double.isFinite(dz[c]), "dz " + dz[c]);
                    // p_c = 1 / sum_j exp(z_j - z_c), computed from the exact differences.
                    double denominator = 0.0;
                    for (int j = 0; j < k; j++) {
                        denominator += Math.exp(z[j] - z[c]);
                    }
                    assertEquals(1.0 / denominator - (c == y ? 1.0 : 0.0), dz[c], 1e-14);
                    sum += dz[c];
                }
                assertEquals(0.0, sum, 1e-15);
            }
        }
    }

    @Test
    void softmaxDerivativeSumsToZeroOverClasses() {
        // sum_k (p_k - [k = y]) = 1 - 1: the probabilities must be normalized, at any scale of z.
        Random rnd = new Random(22);
        for (int k : new int[] {2, 3, 4, 7}) {
            SoftmaxCrossEntropyLoss loss = new SoftmaxCrossEntropyLoss(k);
            for (double scale : new double[] {1.0, 30.0, 1e4, 1e8}) {
                for (int p = 0; p < 20; p++) {
                    double[] z = new double[k];
                    for (int c = 0; c < k; c++) {
                        z[c] = scale * rnd.nextGaussian();
                    }
                    double[] dz = new double[k];
                    loss.valueAndDerivative(z, 0, rnd.nextInt(k), dz);
                    double sum = 0.0;
                    for (double d : dz) {
                        assertTrue(d >= -1.0 && d <= 1.0, "dz entry " + d);
                        sum += d;
                    }
                    assertEquals(0.0, sum, 4 * k * Math.ulp(1.0), "k = " + k + ", scale " + scale);
                }
            }
        }
    }

    @Test
    void softmaxMatchesNaiveFormulaForModerateLogits() {
        Random rnd = new Random(23);
        SoftmaxCrossEntropyLoss loss = new SoftmaxCrossEntropyLoss(4);
        for (int p = 0; p < 200; p++) {
            double[] z = new double[4];
            double denominator = 0.0;
            for (int c = 0; c < 4; c++) {
                z[c] = 3.0 * rnd.nextGaussian();
                denominator += Math.exp(z[c]);
            }
            int y = rnd.nextInt(4);
            double naive = -Math.log(Math.exp(z[y]) / denominator);
            // Absolute bound: -log p loses relative accuracy only when p is near 1 and the loss near 0.
            assertEquals(naive, loss.value(z, 0, y), 1e-14 * Math.max(1.0, Math.abs(naive)));
        }
    }

    @Test
    void twoClassSoftmaxEqualsLogisticLossOfTheLogitDifference() {
        // softmax(z0, z1) for class 1 is sigma(z1 - z0): the two losses must agree.
        Random rnd = new Random(24);
        SoftmaxCrossEntropyLoss softmax = new SoftmaxCrossEntropyLoss(2);
        LogisticLoss logistic = new LogisticLoss();
        for (int p = 0; p < 200; p++) {
            double[] z = {2.0 * rnd.nextGaussian(), 2.0 * rnd.nextGaussian()};
            double[] t = {z[1] - z[0]};
            for (double label : new double[] {0.0, 1.0}) {
                double expected = logistic.value(t, 0, label);
                assertEquals(expected, softmax.value(z, 0, label), 1e-14 * Math.max(1.0, expected));
                double[] dz = new double[2];
                double[] dt = new double[1];
                softmax.valueAndDerivative(z, 0, label, dz);
                logistic.valueAndDerivative(t, 0, label, dt);
                // dl/dz1 = dl/dt and dl/dz0 = -dl/dt by the chain rule through t = z1 - z0.
                assertEquals(dt[0], dz[1], 1e-15);
                assertEquals(-dt[0], dz[0], 1e-15);
            }
        }
    }
}
