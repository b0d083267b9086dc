package dev.downhill.core.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.TestData;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.data.FeatureCovariance;
import dev.downhill.core.linalg.Vectors;
import dev.downhill.core.loss.LogisticLoss;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.loss.SoftmaxCrossEntropyLoss;
import dev.downhill.core.loss.SquaredLoss;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.numdiff.GradientChecker;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WhiteningTest {

    /** Nearly collinear, badly scaled features with large means: hard for any diagonal scaling. */
    private static double[] collinearFeatures(Random rnd, int n, int d, double noise) {
        double[] x = new double[n * d];
        for (int i = 0; i < n; i++) {
            double common = rnd.nextGaussian();
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (common + noise * rnd.nextGaussian()) * Math.pow(10, j % 3) + 5.0 * j;
            }
        }
        return x;
    }

    private static Whitening whitening(LinearModel model, DataBlock block, double curvature, double lambda) {
        FeatureCovariance c = new FeatureCovariance(block.numFeatures());
        c.add(block);
        return Whitening.of(model, c.mean(), c.covariance(), curvature, lambda);
    }

    /** The Hessian of f at theta = 0 for a loss with l''(0) = c0: c0 (1/V) sum v x~ x~^T + lambda P. */
    private static double[] startHessian(DataBlock block, double c0, double lambda) {
        int d = block.numFeatures();
        int p = d + 1;
        double[] h = new double[p * p];
        double weightSum = 0;
        double[] w = new double[p];
        for (int i = 0; i < block.numRows(); i++) {
            double v = block.weight(i);
            weightSum += v;
            for (int j = 0; j < p; j++) {
                java.util.Arrays.fill(w, 0);
                if (j < d) {
                    w[j] = 1;
                }
                double xj = j < d ? block.dot(i, w, 0) : 1;
                for (int l = 0; l < p; l++) {
                    java.util.Arrays.fill(w, 0);
                    if (l < d) {
                        w[l] = 1;
                    }
                    double xl = l < d ? block.dot(i, w, 0) : 1;
                    h[j * p + l] += v * xj * xl;
                }
            }
        }
        for (int j = 0; j < p; j++) {
            for (int l = 0; l < p; l++) {
                h[j * p + l] = c0 * h[j * p + l] / weightSum + (j == l && j < d ? lambda : 0);
            }
        }
        return h;
    }

    /** Column c of A is toUser(e_c) (one output). */
    private static double[][] columns(Whitening w, int p) {
        double[][] a = new double[p][];
        for (int c = 0; c < p; c++) {
            double[] e = new double[p];
            e[c] = 1;
            a[c] = w.toUser(e);
        }
        return a;
    }

    @Test
    void blockedCholeskyReproducesTheMatrixAcrossBlocks() {
        // p = 250: three column blocks of 96, 96 and 58, so the Gemm trailing updates run; a = B B^T / p with unit
        // diagonal, condition far from 1. Reference: L L^T computed here by a plain triple loop.
        int p = 250;
        java.util.Random rnd = new java.util.Random(5);
        double[] b = new double[p * p];
        for (int i = 0; i < b.length; i++) {
            b[i] = rnd.nextGaussian() + (i % p < 3 ? 4 : 0);
        }
        double[] a = new double[p * p];
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < p; j++) {
                double s = 0;
                for (int q = 0; q < p; q++) {
                    s += b[i * p + q] * b[j * p + q];
                }
                a[i * p + j] = s;
            }
        }
        double[] unit = new double[p * p];
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < p; j++) {
                unit[i * p + j] = i == j ? 1.0 : a[i * p + j] / Math.sqrt(a[i * p + i] * a[j * p + j]);
            }
        }
        double ridge = 1e-13;
        double[] l = Whitening.cholesky(unit, p, ridge);
        double worst = 0;
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < p; j++) {
                if (j > i) {
                    assertEquals(0.0, l[i * p + j], "upper triangle");
                }
                double s = 0;
                for (int q = 0; q <= Math.min(i, j); q++) {
                    s += l[i * p + q] * l[j * p + q];
                }
                worst = Math.max(worst, Math.abs(s - unit[i * p + j] - (i == j ? ridge : 0)));
            }
        }
        assertTrue(worst < 1e-13, "max |L L^T - a - ridge I| = " + worst);
        unit[200 * p + 200] = -1; // an indefinite matrix has no factor
        assertNull(Whitening.cholesky(unit, p, ridge));
    }

    @Test
    void aTransposeMATimesAIsTheIdentity() {
        Random rnd = new Random(1);
        int n = 200;
        int d = 5;
        double[] x = collinearFeatures(rnd, n, d, 0.05);
        DataBlock block = TestData.dense(n, d, TestData.realLabels(rnd, n), TestData.randomWeights(rnd, n), x);
        double lambda = 0.01;
        double c0 = 0.25;
        double[] hessian = startHessian(block, c0, lambda);
        LinearModel model = new LinearModel(d, 1);
        Whitening w = whitening(model, block, c0, lambda);
        assertNotNull(w);
        int p = d + 1;
        double[][] a = columns(w, p);
        for (int r = 0; r < p; r++) {
            for (int c = 0; c < p; c++) {
                double s = 0; // a_r^T H a_c
                for (int j = 0; j < p; j++) {
                    for (int l = 0; l < p; l++) {
                        s += a[r][j] * hessian[j * p + l] * a[c][l];
                    }
                }
                // Off by the ridge's share delta / (mu + delta) along M^'s smallest eigenvalues mu, and rounding.
                assertEquals(r == c ? 1.0 : 0.0, s, 1e-6, "(A^T M A)[" + r + "][" + c + "]");
            }
        }
        assertEquals(Whitening.FIRST_RIDGE, w.ridge(), 0.0);
        assertEquals(2.0, w.lipschitz(Objective.SOFTMAX.curvatureBound(), lambda), 0.0, "1/2 over 1/4");
    }

    @Test
    void toUserAndFromUserAreInversesForEveryOutput() {
        Random rnd = new Random(2);
        int n = 50;
        int d = 4;
        DataBlock block = TestData.dense(n, d, TestData.realLabels(rnd, n), null, collinearFeatures(rnd, n, d, 0.1));
        LinearModel model = new LinearModel(d, 3);
        Whitening w = whitening(model, block, 1.0 / 3 * (2.0 / 3), 0.1);
        double[] u = TestData.gaussianVector(rnd, model.numParameters(), 1.0);
        double[] back = w.fromUser(w.toUser(u));
        for (int i = 0; i < u.length; i++) {
            assertEquals(u[i], back[i], 1e-9 * Math.max(1, Math.abs(u[i])), "coordinate " + i);
        }
        // Output 1's parameters depend on output 1's u only.
        double[] u2 = u.clone();
        u2[0] += 1; // output 0's first weight
        double[] t1 = w.toUser(u);
        double[] t2 = w.toUser(u2);
        for (int j = 0; j < d; j++) {
            assertEquals(t1[model.weightIndex(1, j)], t2[model.weightIndex(1, j)], 0.0);
        }
        assertEquals(t1[model.interceptIndex(1)], t2[model.interceptIndex(1)], 0.0);
    }

    @Test
    void gradientToUserUndoesGradientToScaled() {
        Random rnd = new Random(7);
        int n = 60;
        int d = 5;
        DataBlock block = TestData.dense(n, d, TestData.realLabels(rnd, n), null, collinearFeatures(rnd, n, d, 0.2));
        LinearModel model = new LinearModel(d, 3);
        Whitening w = whitening(model, block, Objective.SOFTMAX.curvatureAtStart(3), 0.01);
        double[] g = TestData.gaussianVector(rnd, model.numParameters(), 1.0);
        double[] scaled = g.clone();
        w.gradientToScaled(scaled);
        double[] back = scaled.clone();
        w.gradientToUser(back);
        for (int i = 0; i < g.length; i++) {
            assertEquals(g[i], back[i], 1e-9 * Math.max(1, Math.abs(g[i])), "coordinate " + i);
        }
    }

    @Test
    void scaledGradientMatchesCentralDifferences() {
        Random rnd = new Random(3);
        int n = 80;
        int d = 4;
        double[] x = collinearFeatures(rnd, n, d, 0.3);
        for (int k : new int[] {1, 3}) {
            LinearModel model = new LinearModel(d, k);
            double[] y = TestData.classLabels(rnd, n, k == 1 ? 2 : 3);
            DataBlock block = TestData.dense(n, d, y, TestData.randomWeights(rnd, n), x);
            RegularizedObjective f = TestData.objective(List.of(block), model,
                    k == 1 ? new LogisticLoss() : new SoftmaxCrossEntropyLoss(k), 0.1);
            Objective o = k == 1 ? Objective.LOGISTIC : Objective.SOFTMAX;
            Whitening w = whitening(model, block, o.curvatureAtStart(k), 0.1);
            DifferentiableFunction g = w.scaled(f);
            double[] u = TestData.gaussianVector(rnd, model.numParameters(), 0.3);
            GradientChecker.Report r = new GradientChecker().check(g, u);
            assertTrue(r.maxRelativeError() < 1e-7, r.toString());
            assertEquals(f.value(w.toUser(u)), g.value(u), 0.0);
        }
    }

    @Test
    void oneUnitGradientStepSolvesLeastSquaresEvenWhenNearlyCollinear() {
        // Features correlated to 1 - 1e-6 (the scaled covariance's condition number is about 1e7): the
        // case no diagonal scaling helps. One step lands on the optimum to rounding.
        Random rnd = new Random(4);
        int n = 300;
        int d = 6;
        double[] x = collinearFeatures(rnd, n, d, 1e-3);
        double[] y = TestData.realLabels(rnd, n);
        LinearModel model = new LinearModel(d, 1);
        DataBlock block = TestData.dense(n, d, y, null, x);
        RegularizedObjective f = TestData.objective(List.of(block), model, new SquaredLoss(), 0.0);
        Whitening w = whitening(model, block, Objective.LEAST_SQUARES.curvatureAtStart(1), 0.0);
        DifferentiableFunction g = w.scaled(f);
        double[] u = new double[model.numParameters()];
        double[] grad = new double[u.length];
        g.valueAndGradient(u, grad);
        for (int i = 0; i < u.length; i++) {
            u[i] -= grad[i];
        }
        double fStar = f.value(StandardizationTest.normalEquations(x, y, n, d));
        double fStep = f.value(w.toUser(u));
        assertTrue((fStep - fStar) / Math.abs(fStar) < 1e-13, "one step: " + fStep + " vs optimum " + fStar);
    }

    @Test
    void logisticHessianAtTheStartIsTheIdentityInU() {
        Random rnd = new Random(5);
        int n = 150;
        int d = 3;
        double[] x = collinearFeatures(rnd, n, d, 0.2);
        LinearModel model = new LinearModel(d, 1);
        DataBlock block = TestData.dense(n, d, TestData.classLabels(rnd, n, 2), TestData.randomWeights(rnd, n), x);
        double lambda = 0.05;
        RegularizedObjective f = TestData.objective(List.of(block), model, new LogisticLoss(), lambda);
        Whitening w = whitening(model, block, Objective.LOGISTIC.curvatureAtStart(1), lambda);
        DifferentiableFunction g = w.scaled(f);
        int p = d + 1;
        double h = 1e-4;
        for (int c = 0; c < p; c++) {
            double[] plus = new double[p];
            double[] minus = new double[p];
            plus[c] = h;
            minus[c] = -h;
            double[] gp = new double[p];
            double[] gm = new double[p];
            g.valueAndGradient(plus, gp);
            g.valueAndGradient(minus, gm);
            for (int r = 0; r < p; r++) {
                // Central difference of the gradient: error O(h^2) times the third derivative.
                assertEquals(r == c ? 1.0 : 0.0, (gp[r] - gm[r]) / (2 * h), 1e-6, "H_u[" + r + "][" + c + "]");
            }
        }
    }

    @Test
    void aSingularGramStillGivesAnInvertibleMap() {
        // A feature that is always 0 and an exact duplicate, no L2: M is singular.
        int n = 20;
        int d = 3;
        Random rnd = new Random(6);
        double[] x = new double[n * d];
        for (int i = 0; i < n; i++) {
            x[i * d] = rnd.nextGaussian();
            x[i * d + 1] = x[i * d];
        }
        LinearModel model = new LinearModel(d, 1);
        DataBlock block = TestData.dense(n, d, TestData.realLabels(rnd, n), null, x);
        Whitening w = whitening(model, block, 1.0, 0.0);
        assertNotNull(w);
        double[] u = {0.3, -1.2, 2.0, 0.7};
        double[] back = w.fromUser(w.toUser(u));
        for (int i = 0; i < u.length; i++) {
            assertEquals(u[i], back[i], 1e-6 * Math.max(1, Math.abs(u[i])));
        }
        // The always-0 feature keeps its own coordinate: theta_2 = u_2.
        assertEquals(u[2], w.toUser(u)[2], 1e-9); // 1 / sqrt(1 + ridge)
    }

    @Test
    void nonFiniteGramGivesNull() {
        LinearModel model = new LinearModel(1, 1);
        assertNull(Whitening.of(model, new double[] {0}, new double[] {Double.POSITIVE_INFINITY}, 1.0, 0.0));
        assertNull(Whitening.of(model, new double[] {Double.NaN}, new double[] {1}, 1.0, 0.0));
    }
}
