package dev.downhill.core.objective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.TestData;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.data.FeatureMoments;
import dev.downhill.core.linalg.Vectors;
import dev.downhill.core.loss.LogisticLoss;
import dev.downhill.core.loss.SoftmaxCrossEntropyLoss;
import dev.downhill.core.loss.SquaredLoss;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.numdiff.GradientChecker;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StandardizationTest {

    /** Features with very different scales and non-zero means: the case standardization is for. */
    private static double[] skewedFeatures(Random rnd, int n, int d) {
        double[] x = TestData.randomMatrix(rnd, n, d, 0.8);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = x[i * d + j] * Math.pow(10, j - 2) + 3.0 * j;
            }
        }
        return x;
    }

    @Test
    void momentsMatchADirectComputationForDenseAndSparseBlocks() {
        Random rnd = new Random(3);
        int n = 40;
        int d = 5;
        double[] x = TestData.randomMatrix(rnd, n, d, 0.5);
        double[] y = TestData.realLabels(rnd, n);
        for (DataBlock block : List.of(TestData.dense(n, d, y, null, x), TestData.sparse(n, d, y, null, x))) {
            FeatureMoments m = new FeatureMoments(d);
            m.add(block);
            for (int j = 0; j < d; j++) {
                double mean = 0;
                for (int i = 0; i < n; i++) {
                    mean += x[i * d + j] / n;
                }
                double var = 0;
                for (int i = 0; i < n; i++) {
                    var += (x[i * d + j] - mean) * (x[i * d + j] - mean) / n;
                }
                assertEquals(mean, m.means()[j], 1e-14);
                assertEquals(Math.sqrt(var), m.standardDeviations()[j], 1e-13);
            }
        }
        // Merging two halves equals one pass over the whole.
        FeatureMoments a = new FeatureMoments(d);
        a.add(TestData.dense(20, d, java.util.Arrays.copyOf(y, 20), null, java.util.Arrays.copyOf(x, 20 * d)));
        FeatureMoments b = new FeatureMoments(d);
        b.add(TestData.dense(20, d, java.util.Arrays.copyOfRange(y, 20, 40), null,
                java.util.Arrays.copyOfRange(x, 20 * d, 40 * d)));
        FeatureMoments whole = new FeatureMoments(d);
        whole.add(TestData.dense(n, d, y, null, x));
        assertArrayEquals(whole.means(), a.merge(b).means(), 1e-15);
        assertEquals(40, a.rows());
    }

    @Test
    void toUserAndFromUserAreInverses() {
        Random rnd = new Random(5);
        LinearModel model = new LinearModel(4, 3);
        Standardization s = new Standardization(model, new double[] {1, -2, 0, 5},
                new double[] {0.5, 3, 0, 1e-3}); // a zero sigma keeps scale 1
        double[] u = TestData.gaussianVector(rnd, model.numParameters(), 1.0);
        double[] back = s.fromUser(s.toUser(u));
        for (int i = 0; i < u.length; i++) {
            assertEquals(u[i], back[i], 1e-12 * Math.max(1, Math.abs(u[i])));
        }
        // By hand for output 0: w_0 = u_0 / sigma_0 = 2 u_0, b_0 = u_b0 - sum_j m_j w_0j.
        double[] theta = s.toUser(u);
        assertEquals(2 * u[0], theta[0], 1e-15);
        double shift = 1 * (u[0] / 0.5) + (-2) * (u[1] / 3) + 0 * u[2] + 5 * (u[3] / 1e-3);
        assertEquals(u[12] - shift, theta[12], 1e-9 * Math.abs(shift));
    }

    @Test
    void scaledGradientMatchesCentralDifferences() {
        Random rnd = new Random(11);
        int n = 60;
        int d = 4;
        double[] x = skewedFeatures(rnd, n, d);
        for (int k : new int[] {1, 3}) {
            LinearModel model = new LinearModel(d, k);
            double[] y = k == 1 ? TestData.classLabels(rnd, n, 2) : TestData.classLabels(rnd, n, 3);
            DataBlock block = TestData.dense(n, d, y, TestData.randomWeights(rnd, n), x);
            FeatureMoments m = new FeatureMoments(d);
            m.add(block);
            Standardization s = new Standardization(model, m.means(), m.standardDeviations());
            RegularizedObjective f = TestData.objective(List.of(block), model,
                    k == 1 ? new LogisticLoss() : new SoftmaxCrossEntropyLoss(k), 0.1);
            DifferentiableFunction g = s.scaled(f);
            double[] u = TestData.gaussianVector(rnd, model.numParameters(), 0.3);
            GradientChecker.Report r = new GradientChecker().check(g, u);
            assertTrue(r.maxRelativeError() < 1e-7, r.toString());
            assertEquals(f.value(s.toUser(u)), g.value(u), 0.0);
        }
    }

    @Test
    void theScaledOptimumIsTheUsersOptimum() {
        // Least squares: the user's optimum comes from the normal equations; the scaled gradient must vanish
        // at its image, so both problems share the minimizer.
        Random rnd = new Random(17);
        int n = 80;
        int d = 3;
        double[] x = skewedFeatures(rnd, n, d);
        double[] y = TestData.realLabels(rnd, n);
        LinearModel model = new LinearModel(d, 1);
        DataBlock block = TestData.dense(n, d, y, null, x);
        RegularizedObjective f = TestData.objective(List.of(block), model, new SquaredLoss(), 0.0);
        double[] theta = normalEquations(x, y, n, d);
        double[] gUser = new double[model.numParameters()];
        f.valueAndGradient(theta, gUser);
        FeatureMoments m = new FeatureMoments(d);
        m.add(block);
        Standardization s = new Standardization(model, m.means(), m.standardDeviations());
        double[] gScaled = new double[model.numParameters()];
        s.scaled(f).valueAndGradient(s.fromUser(theta), gScaled);
        assertTrue(Vectors.norm2(gUser) < 1e-9, "normal equations solved: " + Vectors.norm2(gUser));
        assertTrue(Vectors.norm2(gScaled) < 1e-9, "scaled gradient at the optimum: " + Vectors.norm2(gScaled));
    }

    @Test
    void l1WeightsFollowTheScale() {
        LinearModel model = new LinearModel(2, 1);
        Standardization s = new Standardization(model, null, new double[] {4, 0.5});
        L1Penalty user = L1Penalty.of(0.3, model);
        L1Penalty scaled = s.scaledL1(user);
        double[] u = {1.5, -2, 7};
        // |w_j| = |u_j| / sigma_j, so c |w_j| = (c / sigma_j) |u_j|; the intercept stays unpenalized.
        assertEquals(user.value(s.toUser(u)), scaled.value(u), 1e-15);
        assertEquals(0.3 / 4, scaled.weight(0), 0.0);
        assertEquals(0.0, scaled.weight(2), 0.0);
    }

    /** Solves [X 1]^T [X 1] theta = [X 1]^T y by Gaussian elimination with partial pivoting. */
    static double[] normalEquations(double[] x, double[] y, int n, int d) {
        int m = d + 1;
        double[][] a = new double[m][m + 1];
        for (int i = 0; i < n; i++) {
            double[] row = new double[m];
            System.arraycopy(x, i * d, row, 0, d);
            row[d] = 1;
            for (int p = 0; p < m; p++) {
                for (int q = 0; q < m; q++) {
                    a[p][q] += row[p] * row[q];
                }
                a[p][m] += row[p] * y[i];
            }
        }
        for (int c = 0; c < m; c++) {
            int pivot = c;
            for (int r = c + 1; r < m; r++) {
                if (Math.abs(a[r][c]) > Math.abs(a[pivot][c])) {
                    pivot = r;
                }
            }
            double[] t = a[c];
            a[c] = a[pivot];
            a[pivot] = t;
            for (int r = 0; r < m; r++) {
                if (r != c) {
                    double factor = a[r][c] / a[c][c];
                    for (int q = c; q <= m; q++) {
                        a[r][q] -= factor * a[c][q];
                    }
                }
            }
        }
        double[] theta = new double[m];
        for (int c = 0; c < m; c++) {
            theta[c] = a[c][m] / a[c][c];
        }
        return theta;
    }
}
