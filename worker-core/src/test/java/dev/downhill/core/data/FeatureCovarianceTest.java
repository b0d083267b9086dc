package dev.downhill.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.downhill.core.TestData;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FeatureCovarianceTest {

    /** Two-pass weighted covariance, the textbook reference. */
    private static double[] twoPass(double[] x, double[] v, int n, int d, double[] meanOut) {
        double weightSum = 0;
        for (int i = 0; i < n; i++) {
            weightSum += v[i];
            for (int j = 0; j < d; j++) {
                meanOut[j] += v[i] * x[i * d + j];
            }
        }
        for (int j = 0; j < d; j++) {
            meanOut[j] /= weightSum;
        }
        double[] c = new double[d * d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                for (int l = 0; l < d; l++) {
                    c[j * d + l] += v[i] * (x[i * d + j] - meanOut[j]) * (x[i * d + l] - meanOut[l]) / weightSum;
                }
            }
        }
        return c;
    }

    @Test
    void everyBlockLayoutAndEverySplitGivesTheTwoPassCovariance() {
        Random rnd = new Random(7);
        int n = 30;
        int d = 4;
        double[] x = TestData.roundedToFloat(TestData.randomMatrix(rnd, n, d, 0.5)); // exact in float32 too
        double[] y = TestData.realLabels(rnd, n);
        double[] v = TestData.randomWeights(rnd, n);
        double[] mean = new double[d];
        double[] expected = twoPass(x, v, n, d, mean);
        for (DataBlock block : List.of(TestData.dense(n, d, y, v, x), TestData.sparse(n, d, y, v, x),
                TestData.floatDense(n, d, y, v, x), TestData.floatSparse(n, d, y, v, x))) {
            FeatureCovariance c = new FeatureCovariance(d);
            c.add(block);
            assertClose(expected, c.covariance(), 1e-14, block.getClass().getSimpleName());
            assertClose(mean, c.mean(), 1e-15, block.getClass().getSimpleName() + " mean");
        }
        // A dense and a sparse block of 10 and 20 rows, merged, equal one pass over the whole.
        FeatureCovariance a = new FeatureCovariance(d);
        a.add(TestData.dense(10, d, Arrays.copyOf(y, 10), Arrays.copyOf(v, 10), Arrays.copyOf(x, 10 * d)));
        FeatureCovariance b = new FeatureCovariance(d);
        b.add(TestData.sparse(20, d, Arrays.copyOfRange(y, 10, n), Arrays.copyOfRange(v, 10, n),
                Arrays.copyOfRange(x, 10 * d, n * d)));
        FeatureCovariance empty = new FeatureCovariance(d);
        FeatureCovariance merged = empty.merge(a).merge(new FeatureCovariance(d)).merge(b);
        assertClose(expected, merged.covariance(), 1e-14, "merged");
        assertClose(mean, merged.mean(), 1e-15, "merged mean");
    }

    @Test
    void largeMeansDoNotCostTheCovariancesDigits() {
        // Mean 1e8, deviation 1: E[x^2] - mean^2 would have no correct digit left (1e16 * 1e-16 = 1).
        Random rnd = new Random(8);
        int n = 2000;
        int d = 2;
        double[] x = new double[n * d];
        for (int i = 0; i < n; i++) {
            double z = rnd.nextGaussian();
            x[i * d] = 1e8 + z;
            x[i * d + 1] = -3e8 + 2 * z + 0.5 * rnd.nextGaussian();
        }
        double[] v = new double[n];
        Arrays.fill(v, 1.0);
        double[] mean = new double[d];
        double[] expected = twoPass(x, v, n, d, mean);
        FeatureCovariance c = new FeatureCovariance(d);
        for (int start = 0; start < n; start += 100) { // blocks of 100 rows, as the loader packs them
            c.add(TestData.dense(100, d, new double[100], null, Arrays.copyOfRange(x, start * d, (start + 100) * d)));
        }
        assertClose(expected, c.covariance(), 1e-6, "blocks of 100");
    }

    private static void assertClose(double[] expected, double[] actual, double relative, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int e = 0; e < expected.length; e++) {
            assertEquals(expected[e], actual[e], relative * Math.max(1, Math.abs(expected[e])), what + " entry " + e);
        }
    }
}
