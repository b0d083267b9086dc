package dev.downhill.core.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.TestData;
import dev.downhill.core.data.BlockBuilder;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.data.FeatureCovariance;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.sample.SeededRandom;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CurvatureCovarianceTest {

    private static double[] features(Random rnd, int n, int d, double density) {
        double[] x = TestData.randomMatrix(rnd, n, d, density);
        for (int i = 0; i < x.length; i++) {
            x[i] *= 1 + i % 3; // unequal scales
        }
        return x;
    }

    @Test
    void rowWeightsEqualToTheBlocksOwnGiveTheUnweightedPass() {
        Random rnd = new Random(11);
        int n = 60;
        int d = 7;
        double[] x = features(rnd, n, d, 0.4);
        double[] v = TestData.randomWeights(rnd, n);
        for (DataBlock block : new DataBlock[] {TestData.dense(n, d, TestData.realLabels(rnd, n), v, x),
                TestData.floatSparse(n, d, TestData.realLabels(rnd, n), v, TestData.roundedToFloat(x))}) {
            FeatureCovariance plain = new FeatureCovariance(d);
            plain.add(block);
            FeatureCovariance weighted = new FeatureCovariance(d);
            weighted.add(block, v);
            assertEquals(plain.weightSum(), weighted.weightSum(), 1e-12 * plain.weightSum());
            assertClose(plain.mean(), weighted.mean(), 1e-12);
            assertClose(plain.covariance(), weighted.covariance(), 1e-12);
        }
    }

    @Test
    void atTheStartEveryRowHasTheLossesCurvatureAtZero() {
        Random rnd = new Random(12);
        int n = 40;
        int d = 5;
        double[] x = features(rnd, n, d, 0.7);
        double[] v = TestData.randomWeights(rnd, n);
        DataBlock block = TestData.dense(n, d, TestData.classLabels(rnd, n, 4), v, x);
        FeatureCovariance plain = new FeatureCovariance(d);
        plain.add(block);
        for (Objective o : new Objective[] {Objective.SOFTMAX, Objective.LOGISTIC, Objective.LEAST_SQUARES}) {
            int k = o == Objective.SOFTMAX ? 4 : 1;
            LinearModel model = new LinearModel(d, k);
            CurvatureCovariance c = new CurvatureCovariance(d);
            c.add(model, o, new double[model.numParameters()], block);
            assertEquals(o.curvatureAtStart(4), c.meanCurvature(), 1e-15, o.cliName());
            assertClose(plain.mean(), c.mean(), 1e-13);
            assertClose(plain.covariance(), c.covariance(), 1e-13);
        }
    }

    @Test
    void softmaxWeightsAreTheMeanDiagonalCurvatureByHand() {
        // z = (0, ln 2, ln 3) + anything common: p = (1/6, 2/6, 3/6), (1/3) sum p (1 - p) = (5 + 8 + 9) / 108.
        double[] z = {0.7, 0.7 + Math.log(2), 0.7 + Math.log(3)};
        assertEquals(22.0 / 108, CurvatureCovariance.rowCurvature(Objective.SOFTMAX, z, 0, 3), 1e-15);
        // logistic at z = ln 3: p = 3/4, p (1 - p) = 3/16.
        assertEquals(3.0 / 16, CurvatureCovariance.rowCurvature(Objective.LOGISTIC, new double[] {Math.log(3)}, 0,
                1), 1e-15);
        assertThrows(IllegalArgumentException.class,
                () -> CurvatureCovariance.rowCurvature(Objective.HINGE, new double[] {0}, 0, 1));
    }

    @Test
    void logisticWhiteningAtThetaMakesTheExactHessianThereTheIdentity() {
        // One output: (W/V) C + lambda I about m is the exact Hessian of the data term at theta, so A^T H(theta) A = I.
        Random rnd = new Random(13);
        int n = 120;
        int d = 4;
        double[] x = features(rnd, n, d, 1.0);
        double[] v = TestData.randomWeights(rnd, n);
        DataBlock block = TestData.dense(n, d, TestData.classLabels(rnd, n, 2), v, x);
        LinearModel model = new LinearModel(d, 1);
        double[] theta = TestData.gaussianVector(rnd, model.numParameters(), 0.8);
        double lambda = 0.02;
        int p = d + 1;
        double[] h = new double[p * p];
        double weightSum = 0;
        for (int i = 0; i < n; i++) {
            double zi = theta[d];
            for (int j = 0; j < d; j++) {
                zi += theta[j] * x[i * d + j];
            }
            double s = 1 / (1 + Math.exp(-zi));
            weightSum += v[i];
            for (int j = 0; j < p; j++) {
                for (int l = 0; l < p; l++) {
                    double xj = j < d ? x[i * d + j] : 1;
                    double xl = l < d ? x[i * d + l] : 1;
                    h[j * p + l] += v[i] * s * (1 - s) * xj * xl;
                }
            }
        }
        for (int j = 0; j < p * p; j++) {
            h[j] = h[j] / weightSum + (j % (p + 1) == 0 && j / p < d ? lambda : 0);
        }
        CurvatureCovariance c = new CurvatureCovariance(d);
        c.add(model, Objective.LOGISTIC, theta, block);
        Whitening w = c.whitening(model, lambda);
        assertNotNull(w);
        double[][] a = new double[p][];
        for (int col = 0; col < p; col++) {
            double[] e = new double[p];
            e[col] = 1;
            a[col] = w.toUser(e);
        }
        for (int r = 0; r < p; r++) {
            for (int col = 0; col < p; col++) {
                double s = 0;
                for (int j = 0; j < p; j++) {
                    for (int l = 0; l < p; l++) {
                        s += a[r][j] * h[j * p + l] * a[col][l];
                    }
                }
                assertEquals(r == col ? 1.0 : 0.0, s, 1e-9, "(A^T H A)[" + r + "][" + col + "]");
            }
        }
    }

    @Test
    void softmaxWhiteningPerClassMakesEachClassBlockOfTheHessianTheIdentity() {
        // Class c's diagonal block: (1/V) sum_i v_i p_ic (1 - p_ic) (x_i, 1)(x_i, 1)^T + lambda on the weights.
        Random rnd = new Random(15);
        int n = 150;
        int d = 4;
        int k = 3;
        double[] x = features(rnd, n, d, 1.0);
        double[] v = TestData.randomWeights(rnd, n);
        DataBlock block = TestData.dense(n, d, TestData.classLabels(rnd, n, k), v, x);
        LinearModel model = new LinearModel(d, k);
        double[] theta = TestData.gaussianVector(rnd, model.numParameters(), 0.8);
        double lambda = 0.01;
        int p = d + 1;
        double[][] h = new double[k][p * p];
        double weightSum = 0;
        for (int i = 0; i < n; i++) {
            double[] z = new double[k];
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                z[c] = theta[k * d + c];
                for (int j = 0; j < d; j++) {
                    z[c] += theta[c * d + j] * x[i * d + j];
                }
                max = Math.max(max, z[c]);
            }
            double sum = 0;
            for (int c = 0; c < k; c++) {
                sum += Math.exp(z[c] - max);
            }
            weightSum += v[i];
            for (int c = 0; c < k; c++) {
                double pc = Math.exp(z[c] - max) / sum;
                for (int j = 0; j < p; j++) {
                    for (int l = 0; l < p; l++) {
                        double xj = j < d ? x[i * d + j] : 1;
                        double xl = l < d ? x[i * d + l] : 1;
                        h[c][j * p + l] += v[i] * pc * (1 - pc) * xj * xl;
                    }
                }
            }
        }
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < p * p; j++) {
                h[c][j] = h[c][j] / weightSum + (j % (p + 1) == 0 && j / p < d ? lambda : 0);
            }
        }
        CurvatureCovariance perClass = new CurvatureCovariance(d, k);
        perClass.add(model, Objective.SOFTMAX, theta, block);
        CurvatureCovariance shared = new CurvatureCovariance(d);
        shared.add(model, Objective.SOFTMAX, theta, block);
        double sharedError = 0;
        for (int c = 0; c < k; c++) {
            assertEquals(0.0, identityError(perClass.whitening(model, lambda), h[c], c, d, k), 1e-9, "class " + c);
            sharedError = Math.max(sharedError, identityError(shared.whitening(model, lambda), h[c], c, d, k));
        }
        // One matrix for every class is only the average block: it is not the identity for each.
        assertTrue(sharedError > 1e-2, "shared " + sharedError);
    }

    /** max |A_c^T H_c A_c - I| over class c's block (its d weights and its intercept). */
    private static double identityError(Whitening w, double[] hc, int c, int d, int k) {
        int p = d + 1;
        double[][] a = new double[p][];
        for (int col = 0; col < p; col++) {
            double[] e = new double[k * d + k];
            e[col < d ? c * d + col : k * d + c] = 1;
            double[] theta = w.toUser(e);
            a[col] = new double[p];
            for (int j = 0; j < d; j++) {
                a[col][j] = theta[c * d + j];
            }
            a[col][d] = theta[k * d + c];
        }
        double error = 0;
        for (int r = 0; r < p; r++) {
            for (int col = 0; col < p; col++) {
                double s = 0;
                for (int j = 0; j < p; j++) {
                    for (int l = 0; l < p; l++) {
                        s += a[r][j] * hc[j * p + l] * a[col][l];
                    }
                }
                error = Math.max(error, Math.abs(s - (r == col ? 1.0 : 0.0)));
            }
        }
        return error;
    }

    @Test
    void mergingPartsMatchesOnePass() {
        Random rnd = new Random(14);
        int n = 50;
        int d = 6;
        double[] x = features(rnd, n, d, 0.5);
        double[] y = TestData.classLabels(rnd, n, 3);
        LinearModel model = new LinearModel(d, 3);
        double[] theta = TestData.gaussianVector(rnd, model.numParameters(), 0.5);
        CurvatureCovariance whole = new CurvatureCovariance(d);
        whole.add(model, Objective.SOFTMAX, theta, TestData.dense(n, d, y, null, x));
        CurvatureCovariance merged = new CurvatureCovariance(d);
        int half = 20;
        merged.add(model, Objective.SOFTMAX, theta, TestData.dense(half, d, java.util.Arrays.copyOf(y, half), null,
                java.util.Arrays.copyOf(x, half * d)));
        CurvatureCovariance rest = new CurvatureCovariance(d);
        rest.add(model, Objective.SOFTMAX, theta, TestData.dense(n - half, d,
                java.util.Arrays.copyOfRange(y, half, n), null, java.util.Arrays.copyOfRange(x, half * d, n * d)));
        merged.merge(rest);
        assertEquals(whole.meanCurvature(), merged.meanCurvature(), 1e-14);
        assertClose(whole.mean(), merged.mean(), 1e-12);
        assertClose(whole.covariance(), merged.covariance(), 1e-12);
        assertNull(new CurvatureCovariance(d).whitening(model, 0.1), "no rows: no curvature, no whitening");
        // The same with one matrix per class.
        CurvatureCovariance wholeByClass = new CurvatureCovariance(d, 3);
        wholeByClass.add(model, Objective.SOFTMAX, theta, TestData.dense(n, d, y, null, x));
        CurvatureCovariance mergedByClass = new CurvatureCovariance(d, 3);
        mergedByClass.add(model, Objective.SOFTMAX, theta, TestData.dense(half, d, java.util.Arrays.copyOf(y, half),
                null, java.util.Arrays.copyOf(x, half * d)));
        CurvatureCovariance restByClass = new CurvatureCovariance(d, 3);
        restByClass.add(model, Objective.SOFTMAX, theta, TestData.dense(n - half, d,
                java.util.Arrays.copyOfRange(y, half, n), null, java.util.Arrays.copyOfRange(x, half * d, n * d)));
        mergedByClass.merge(restByClass);
        double[] u = TestData.gaussianVector(rnd, model.numParameters(), 1.0);
        assertClose(wholeByClass.whitening(model, 0.1).toUser(u), mergedByClass.whitening(model, 0.1).toUser(u), 1e-10);
        // Per class the shared matrix is not taken, only its weight: W / V as with one matrix.
        assertEquals(whole.meanCurvature(), wholeByClass.meanCurvature(), 1e-15);
        assertEquals(whole.meanCurvature(), mergedByClass.meanCurvature(), 1e-15);
        assertThrows(IllegalStateException.class, wholeByClass::covariance);
    }

    @Test
    void perClassSubsampleIsTheRowsWhoseKeysHashToZeroWhateverTheBlocks() {
        Random rnd = new Random(15);
        int n = 90;
        int d = 5;
        int k = 3;
        int every = 3;
        double[] x = features(rnd, n, d, 0.5);
        double[] y = TestData.classLabels(rnd, n, k);
        LinearModel model = new LinearModel(d, k);
        double[] theta = TestData.gaussianVector(rnd, model.numParameters(), 0.5);
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = 1000 + 7L * i;
        }
        CurvatureCovariance oneBlock = new CurvatureCovariance(d, k, every);
        oneBlock.add(model, Objective.SOFTMAX, theta, keyed(x, y, keys, 0, n, d));
        CurvatureCovariance twoBlocks = new CurvatureCovariance(d, k, every);
        twoBlocks.add(model, Objective.SOFTMAX, theta, keyed(x, y, keys, 0, 40, d));
        CurvatureCovariance second = new CurvatureCovariance(d, k, every);
        second.add(model, Objective.SOFTMAX, theta, keyed(x, y, keys, 40, n, d));
        twoBlocks.merge(second);
        // The reference: every row of a block holding only the sampled rows.
        BlockBuilder sampled = new BlockBuilder(d);
        int taken = 0;
        for (int i = 0; i < n; i++) {
            if (Long.remainderUnsigned(SeededRandom.mix(keys[i]), every) == 0) {
                sampled.addDenseRow(y[i], 1.0, java.util.Arrays.copyOfRange(x, i * d, (i + 1) * d), keys[i]);
                taken++;
            }
        }
        assertTrue(taken > 15 && taken < 45, taken + " of " + n + " rows sampled");
        CurvatureCovariance reference = new CurvatureCovariance(d, k);
        reference.add(model, Objective.SOFTMAX, theta, sampled.build());
        double[] u = TestData.gaussianVector(rnd, model.numParameters(), 1.0);
        double[] expected = reference.whitening(model, 0.1).toUser(u);
        assertClose(expected, oneBlock.whitening(model, 0.1).toUser(u), 1e-12);
        assertClose(expected, twoBlocks.whitening(model, 0.1).toUser(u), 1e-12);
    }

    private static DataBlock keyed(double[] x, double[] y, long[] keys, int from, int to, int d) {
        BlockBuilder b = new BlockBuilder(d);
        for (int i = from; i < to; i++) {
            b.addDenseRow(y[i], 1.0, java.util.Arrays.copyOfRange(x, i * d, (i + 1) * d), keys[i]);
        }
        return b.build();
    }

    private static void assertClose(double[] expected, double[] actual, double relative) {
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], relative * Math.max(scale, 1e-300), "entry " + i);
        }
    }
}
