package dev.downhill.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        FeatureCovariance whole = new FeatureCovariance(d); // one block: eight chunks on the Gemm pass
        whole.add(TestData.dense(n, d, new double[n], null, x));
        assertClose(expected, whole.covariance(), 1e-6, "one block");
    }

    @Test
    void theGemmAndTheSparsePassGiveTheTwoPassCovarianceOverManyChunks() {
        // 700 rows: chunks of 256, 256 and 188; d = 130 crosses a Gemm column panel (96). Column 0 is never
        // zero and has mean 50, deviation 1, so centering matters; weights in [0.25, 2.25), a tenth of them 0.
        Random rnd = new Random(11);
        int n = 700;
        int d = 130;
        double[] y = new double[n];
        double[] v = TestData.randomWeights(rnd, n);
        for (int i = 0; i < n; i += 10) {
            v[i] = 0;
        }
        for (double density : new double[] {0.6, 0.05}) {
            double[] x = TestData.randomMatrix(rnd, n, d, density);
            for (int i = 0; i < n; i++) {
                x[i * d] = 50 + rnd.nextGaussian();
            }
            double[] mean = new double[d];
            double[] expected = twoPass(x, v, n, d, mean);
            for (DataBlock block : List.of(TestData.dense(n, d, y, v, x), TestData.sparse(n, d, y, v, x))) {
                String what = block.getClass().getSimpleName() + " at density " + density;
                assertEquals(block.isDense() || density > 0.5, FeatureCovariance.densePays(block), what);
                FeatureCovariance byInstanceWeights = new FeatureCovariance(d);
                byInstanceWeights.add(block);
                FeatureCovariance byRowWeights = new FeatureCovariance(d);
                byRowWeights.add(block, v);
                // The sparse pass recenters sums of raw products: column 0's mean^2 / variance = 2500 costs it
                // about 3.5 digits (measured 7e-12); the Gemm pass centers before multiplying.
                double tolerance = FeatureCovariance.densePays(block) ? 1e-14 : 1e-10;
                for (FeatureCovariance c : List.of(byInstanceWeights, byRowWeights)) {
                    assertTrue(relativeError(expected, c.covariance()) < tolerance, what + ": "
                            + relativeError(expected, c.covariance()));
                    assertTrue(relativeError(mean, c.mean()) < 1e-14, what + " mean");
                }
            }
        }
    }

    @Test
    void addEachHasTheBitsOfOneAddPerTarget() {
        Random rnd = new Random(12);
        int n = 300;
        int d = 20;
        double[] x = TestData.randomMatrix(rnd, n, d, 0.5);
        double[][] weights = {TestData.randomWeights(rnd, n), TestData.randomWeights(rnd, n), new double[n]};
        for (DataBlock block : List.of(TestData.dense(n, d, new double[n], null, x),
                TestData.sparse(n, d, new double[n], null, x))) {
            FeatureCovariance[] together = {new FeatureCovariance(d), new FeatureCovariance(d),
                    new FeatureCovariance(d)};
            FeatureCovariance.addEach(block, weights, together);
            for (int t = 0; t < weights.length; t++) {
                FeatureCovariance alone = new FeatureCovariance(d);
                alone.add(block, weights[t]);
                assertArrayEquals(alone.covariance(), together[t].covariance(), "target " + t);
                assertArrayEquals(alone.mean(), together[t].mean(), "target " + t);
                assertEquals(alone.weightSum(), together[t].weightSum());
            }
        }
        assertEquals(0.0, new FeatureCovariance(d).weightSum());
        assertThrows(IllegalArgumentException.class, () -> FeatureCovariance.addEach(
                TestData.dense(n, d, new double[n], null, x), new double[][] {{-1}}, new FeatureCovariance[] {
                        new FeatureCovariance(d)}));
    }

    /** max_e |actual_e - expected_e| / max_e |expected_e|. */
    private static double relativeError(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length);
        double error = 0;
        double scale = 0;
        for (int e = 0; e < expected.length; e++) {
            error = Math.max(error, Math.abs(actual[e] - expected[e]));
            scale = Math.max(scale, Math.abs(expected[e]));
        }
        return error / scale;
    }

    private static void assertClose(double[] expected, double[] actual, double relative, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int e = 0; e < expected.length; e++) {
            assertEquals(expected[e], actual[e], relative * Math.max(1, Math.abs(expected[e])), what + " entry " + e);
        }
    }
}
