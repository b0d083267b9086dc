package dev.downhill.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.TestData;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.objective.L1Penalty;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * ISTA and FISTA on lasso problems F = (1/(2N)) sum_i (w.x_i + b - y_i)^2 + lambda ||w||_1: an orthogonal
 * design whose solution soft-thresholding gives exactly, and a correlated design whose solution is checked by
 * the KKT conditions with the gradient written out in the test. Both run until the search finds no decrease;
 * the search compares values of F, so it resolves x to about sqrt(2 eps |F| / mu) (3e-8 here, with F ~ 1 and
 * mu ~ 1), which sets the tolerances: 1e-7 on x and on the KKT residuals, and 1e-14 relative on F (the gap is
 * (mu/2)||x - x*||^2).
 */
class LassoTest {

    private static Minimizer.Result solve(Optimizer rule, LinearProblems.Problem p) {
        // No tolerance: the run ends when the search finds no decrease (or at the limit, which fails below).
        return new Minimizer(rule, StopCriteria.iterations(20_000)).minimize(p.f, new double[p.dimension()],
                (s, r) -> { });
    }

    @Test
    void orthogonalDesignIsSolvedBySoftThresholding() {
        // Columns 1..4 of the 8 x 8 Sylvester-Hadamard matrix H[i][j] = (-1)^popcount(i & j) are +-1, sum to 0
        // and are orthogonal, so (1/N) sum_i x~_i x~_i^T = I and f(theta) = (1/2)||theta - theta_ls||^2 + const.
        // With y = X w_ls + 0.7 + 0.3 H[.][7] (a residual orthogonal to every column and to 1):
        // w_ls = (3, -0.2, 0.5, -1.5), b_ls = 0.7, and the lasso solution with lambda = 0.6 is
        // w = S_0.6(w_ls) = (2.4, 0, 0, -0.9), b = 0.7.
        // F* = (1/2)(0.6^2 + 0.2^2 + 0.5^2 + 0.6^2) + (1/2)0.3^2 + 0.6 (2.4 + 0.9) = 0.505 + 0.045 + 1.98 = 2.53.
        int n = 8;
        int d = 4;
        double[] wls = {3.0, -0.2, 0.5, -1.5};
        double[] x = new double[n * d];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = 0.7 + 0.3 * hadamard(i, 7);
            for (int j = 0; j < d; j++) {
                x[i * d + j] = hadamard(i, j + 1);
                y[i] += wls[j] * x[i * d + j];
            }
        }
        LinearProblems.Problem p = new LinearProblems.Problem(Objective.LEAST_SQUARES, n, d, x, y, 0.0);
        L1Penalty h = L1Penalty.of(0.6, p.model);
        for (Optimizer rule : new Optimizer[] {ProximalGradient.ista(h, 0.25), ProximalGradient.fista(h, 0.25)}) {
            Minimizer.Result r = solve(rule, p);
            assertEquals(StopReason.NO_PROGRESS, r.reason(), rule.name());
            double[] theta = r.state().x();
            double[] expected = {2.4, 0.0, 0.0, -0.9, 0.7};
            for (int a = 0; a < expected.length; a++) {
                assertEquals(expected[a], theta[a], 1e-7, rule.name() + " theta[" + a + "]");
            }
            assertEquals(0.0, theta[1], 0.0, "soft-thresholding gives exact zeros");
            assertEquals(0.0, theta[2], 0.0);
            assertEquals(2.53, r.objective(), 1e-14 * 2.53, rule.name());
            assertTrue(r.gradientNorm() <= 1e-7, rule.name() + " stationarity " + r.gradientNorm());
        }
    }

    private static double hadamard(int i, int j) {
        return Integer.bitCount(i & j) % 2 == 0 ? 1.0 : -1.0;
    }

    /** A correlated design: x_j = z_j + 0.6 z_0, y from a sparse w plus noise. */
    private static LinearProblems.Problem correlated(long seed) {
        Random rnd = new Random(seed);
        int n = 120;
        int d = 8;
        double[] z = TestData.randomMatrix(rnd, n, d, 1.0);
        double[] x = new double[n * d];
        double[] w = {2.0, -1.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.1};
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = 1.0 + 0.5 * rnd.nextGaussian();
            for (int j = 0; j < d; j++) {
                x[i * d + j] = z[i * d + j] + (j == 0 ? 0.0 : 0.6 * z[i * d]);
                y[i] += w[j] * x[i * d + j];
            }
        }
        return new LinearProblems.Problem(Objective.LEAST_SQUARES, n, d, x, y, 0.0);
    }

    /** lambda_max = max_j |g_j| at (w = 0, b = mean y): the smallest lambda with solution w = 0. */
    private static double lambdaMax(LinearProblems.Problem p) {
        double[] theta = new double[p.dimension()];
        for (double yi : p.y) {
            theta[p.d] += yi / p.n;
        }
        double[] g = p.gradient(theta);
        double max = 0;
        for (int j = 0; j < p.d; j++) {
            max = Math.max(max, Math.abs(g[j]));
        }
        return max;
    }

    @Test
    void correlatedDesignSatisfiesTheKktConditions() {
        LinearProblems.Problem p = correlated(21);
        double lambda = 0.15 * lambdaMax(p);
        L1Penalty h = L1Penalty.of(lambda, p.model);
        double[] objectives = new double[2];
        boolean[][] supports = new boolean[2][];
        Optimizer[] rules = {ProximalGradient.ista(h, p.inverseLipschitz()), ProximalGradient.fista(h, p.inverseLipschitz())};
        for (int k = 0; k < 2; k++) {
            Minimizer.Result r = solve(rules[k], p);
            String name = rules[k].name();
            assertEquals(StopReason.NO_PROGRESS, r.reason(), name);
            double[] theta = r.state().x();
            double[] g = p.gradient(theta);
            // KKT: 0 in g_j + lambda d|w_j|: g_j = -lambda sign(w_j) where w_j != 0, |g_j| <= lambda where w_j = 0;
            // the intercept is unpenalized, so g_b = 0.
            int zeros = 0;
            supports[k] = new boolean[p.d];
            for (int j = 0; j < p.d; j++) {
                if (theta[j] != 0.0) {
                    assertEquals(-lambda * Math.signum(theta[j]), g[j], 1e-7, name + " active w_" + j);
                    supports[k][j] = true;
                } else {
                    assertTrue(Math.abs(g[j]) <= lambda + 1e-12, name + " |g_" + j + "| = " + Math.abs(g[j]) + " > " + lambda);
                    zeros++;
                }
            }
            assertEquals(0.0, g[p.d], 1e-7, name + " intercept");
            assertTrue(zeros >= 2 && zeros <= p.d - 2, name + ": a mixed support, not " + zeros + " zeros");
            assertTrue(r.gradientNorm() <= 1e-7, name + " minimum-norm subgradient " + r.gradientNorm());
            objectives[k] = r.objective();
        }
        assertEquals(objectives[0], objectives[1], 1e-14 * objectives[0], "ISTA and FISTA reach the same F");
        assertEquals(java.util.Arrays.toString(supports[0]), java.util.Arrays.toString(supports[1]));
    }

    @Test
    void atLambdaMaxEveryWeightIsZero() {
        LinearProblems.Problem p = correlated(22);
        double lambda = 1.0001 * lambdaMax(p);
        Minimizer.Result r = solve(ProximalGradient.fista(L1Penalty.of(lambda, p.model), p.inverseLipschitz()), p);
        double meanY = 0;
        for (double yi : p.y) {
            meanY += yi / p.n;
        }
        for (int j = 0; j < p.d; j++) {
            assertEquals(0.0, r.state().x()[j], 0.0, "w_" + j);
        }
        assertEquals(meanY, r.state().x()[p.d], 1e-7, "the intercept is the mean label");
    }
}
