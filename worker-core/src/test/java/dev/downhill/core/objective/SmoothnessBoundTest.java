package dev.downhill.core.objective;

import static dev.downhill.core.TestData.dense;
import static dev.downhill.core.TestData.gaussianVector;
import static dev.downhill.core.TestData.randomMatrix;
import static dev.downhill.core.TestData.randomWeights;
import static dev.downhill.core.TestData.solve;
import static dev.downhill.core.TestData.sparse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.optim.GradientDescent;
import dev.downhill.core.optim.Minimizer;
import dev.downhill.core.optim.StopReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * L = c mean(||x||^2 + 1) + lambda must bound the Hessian's largest eigenvalue, so that gradient descent
 * with step 1/L never goes uphill; checked against explicit small matrices built here.
 */
class SmoothnessBoundTest {
    private static final int N = 40;
    private static final int D = 4;
    private static final double LAMBDA = 0.1;

    /**
     * A least-squares problem y = x.w + b + noise with features of different scales, kept well conditioned
     * (L / mu < 20, asserted below) so that 200 steps of 1/L must reach the optimum.
     */
    private static final class Problem {
        final double[] x;
        final double[] y;
        final double[] v;
        final DataBlock block;

        Problem(long seed, boolean weighted) {
            Random rnd = new Random(seed);
            x = randomMatrix(rnd, N, D, 1.0);
            for (int i = 0; i < N; i++) {
                x[i * D] += 0.3; // slightly off-centre, so the intercept couples to it
                x[i * D + 1] *= 1.5;
            }
            double[] w = gaussianVector(rnd, D, 1.0);
            y = new double[N];
            for (int i = 0; i < N; i++) {
                y[i] = 0.7 + 0.3 * rnd.nextGaussian();
                for (int j = 0; j < D; j++) {
                    y[i] += w[j] * x[i * D + j];
                }
            }
            v = weighted ? randomWeights(rnd, N) : null;
            block = dense(N, D, y, v, x);
        }

        double weight(int i) {
            return v == null ? 1.0 : v[i];
        }

        /** x~_i = (x_i, 1). */
        double augmented(int i, int j) {
            return j < D ? x[i * D + j] : 1.0;
        }

        /** (1/N) sum_i v_i c_i x~_i x~_i^T + lambda I on the weights (not the intercept). */
        double[][] hessian(double[] curvature) {
            double[][] h = new double[D + 1][D + 1];
            double total = 0.0;
            for (int i = 0; i < N; i++) {
                total += weight(i);
            }
            for (int i = 0; i < N; i++) {
                for (int a = 0; a <= D; a++) {
                    for (int b = 0; b <= D; b++) {
                        h[a][b] += weight(i) * curvature[i] * augmented(i, a) * augmented(i, b) / total;
                    }
                }
            }
            for (int a = 0; a < D; a++) {
                h[a][a] += LAMBDA;
            }
            return h;
        }

        double[][] leastSquaresHessian() {
            double[] ones = new double[N];
            java.util.Arrays.fill(ones, 1.0);
            return hessian(ones);
        }

        RegularizedObjective objective(Objective kind) {
            LinearModel model = new LinearModel(D, 1);
            return new RegularizedObjective(new LocalDataLoss(List.of(block), model, kind.loss(2)),
                    new L2Penalty(LAMBDA, model));
        }
    }

    private static double[] multiply(double[][] m, double[] u) {
        double[] r = new double[u.length];
        for (int a = 0; a < u.length; a++) {
            for (int b = 0; b < u.length; b++) {
                r[a] += m[a][b] * u[b];
            }
        }
        return r;
    }

    /** Largest eigenvalue of a symmetric positive semi-definite matrix by power iteration. */
    private static double largestEigenvalue(double[][] m) {
        double[] u = new double[m.length];
        java.util.Arrays.fill(u, 1.0);
        double lambda = 0.0;
        for (int it = 0; it < 5000; it++) {
            double[] w = multiply(m, u);
            double norm = Math.sqrt(dot(w, w));
            lambda = dot(u, w) / dot(u, u);
            for (int a = 0; a < u.length; a++) {
                u[a] = w[a] / norm;
            }
        }
        // Converged: m u = lambda u, so lambda is an eigenvalue, and power iteration finds the largest one.
        double[] mu = multiply(m, u);
        for (int a = 0; a < u.length; a++) {
            assertEquals(lambda * u[a], mu[a], 1e-9 * lambda, "power iteration did not converge");
        }
        return lambda;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0.0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void explicitHessianIsTheHessianOfTheLeastSquaresObjective() {
        // Guards the matrix the bound is compared with: for a quadratic, grad f(t + u) - grad f(t) = H u.
        Problem p = new Problem(91, false);
        RegularizedObjective f = p.objective(Objective.LEAST_SQUARES);
        Random rnd = new Random(92);
        double[] theta = gaussianVector(rnd, D + 1, 1.0);
        double[] u = gaussianVector(rnd, D + 1, 1.0);
        double[] moved = theta.clone();
        for (int a = 0; a <= D; a++) {
            moved[a] += u[a];
        }
        double[] g0 = new double[D + 1];
        double[] g1 = new double[D + 1];
        f.valueAndGradient(theta, g0);
        f.valueAndGradient(moved, g1);
        double[] hu = multiply(p.leastSquaresHessian(), u);
        for (int a = 0; a <= D; a++) {
            assertEquals(hu[a], g1[a] - g0[a], 1e-12 * Math.max(1.0, Math.abs(hu[a])));
        }
    }

    @Test
    void leastSquaresBoundIsAtLeastTheLargestHessianEigenvalue() {
        for (boolean weighted : new boolean[] {false, true}) {
            Problem p = new Problem(93, weighted);
            SmoothnessBound bound = new SmoothnessBound().add(p.block);
            double l = bound.lipschitz(Objective.LEAST_SQUARES, LAMBDA);
            // The formula itself: (sum_i v_i (||x_i||^2 + 1)) / (sum_i v_i) + lambda.
            double num = 0.0;
            double den = 0.0;
            for (int i = 0; i < N; i++) {
                double s = 1.0;
                for (int j = 0; j < D; j++) {
                    s += p.x[i * D + j] * p.x[i * D + j];
                }
                num += p.weight(i) * s;
                den += p.weight(i);
            }
            assertEquals(num / den + LAMBDA, l, 1e-12 * l);
            double top = largestEigenvalue(p.leastSquaresHessian());
            assertTrue(l >= top, "L = " + l + " < largest eigenvalue " + top);
            // The bound is the trace; it must not be absurdly loose on a problem this small.
            assertTrue(l <= (D + 1) * top, "L = " + l + " vs " + top);
        }
    }

    @Test
    void logisticBoundIsAtLeastTheLargestHessianEigenvalueAtRandomPoints() {
        // Hessian of the logistic data term: (1/N) sum_i v_i sigma_i (1 - sigma_i) x~_i x~_i^T, sigma(1-sigma) <= 1/4.
        Problem p = new Problem(94, true);
        for (int i = 0; i < N; i++) {
            p.y[i] = p.y[i] > 0.7 ? 1.0 : 0.0;
        }
        DataBlock binary = dense(N, D, p.y, p.v, p.x);
        double l = new SmoothnessBound().add(binary).lipschitz(Objective.LOGISTIC, LAMBDA);
        Random rnd = new Random(95);
        for (int trial = 0; trial < 5; trial++) {
            double[] theta = gaussianVector(rnd, D + 1, trial == 0 ? 0.0 : 0.5); // theta = 0 is the worst case
            double[] curvature = new double[N];
            for (int i = 0; i < N; i++) {
                double z = theta[D];
                for (int j = 0; j < D; j++) {
                    z += theta[j] * p.x[i * D + j];
                }
                double sigma = 1.0 / (1.0 + Math.exp(-z));
                curvature[i] = sigma * (1.0 - sigma);
            }
            double top = largestEigenvalue(p.hessian(curvature));
            assertTrue(l >= top, "L = " + l + " < largest eigenvalue " + top);
        }
    }

    @Test
    void gradientDescentWithStepOneOverLNeverIncreasesLeastSquaresAndReachesNormalEquationSolution() {
        Problem p = new Problem(96, false);
        RegularizedObjective f = p.objective(Objective.LEAST_SQUARES);
        double l = new SmoothnessBound().add(p.block).lipschitz(Objective.LEAST_SQUARES, LAMBDA);

        // Premise: with step 1/L the error shrinks by (1 - mu/L) per step, so 200 steps suffice only if L/mu is
        // modest. The smallest eigenvalue mu is L minus the largest eigenvalue of L I - H.
        double[][] shifted = p.leastSquaresHessian();
        for (int a = 0; a <= D; a++) {
            for (int b = 0; b <= D; b++) {
                shifted[a][b] = (a == b ? l : 0.0) - shifted[a][b];
            }
        }
        double mu = l - largestEigenvalue(shifted);
        assertTrue(mu > 0 && l / mu < 20, "L / mu = " + l / mu);

        List<Double> values = new ArrayList<>();
        double[] start = new double[D + 1];
        values.add(f.value(start));
        Minimizer.Result result = new Minimizer(new GradientDescent(1.0 / l), 200, 0.0)
                .minimize(f, start, (state, report) -> values.add(state.value()));
        assertEquals(StopReason.MAX_ITERATIONS, result.reason());
        assertEquals(201, values.size());
        for (int k = 1; k < values.size(); k++) {
            // Non-increasing up to rounding in f itself (a few ulps), once it has converged.
            assertTrue(values.get(k) <= values.get(k - 1) * (1 + 1e-14),
                    "f rose at iteration " + k + ": " + values.get(k - 1) + " -> " + values.get(k));
        }

        // Normal equations: H theta = (1/N) sum_i x~_i y_i, with H the Hessian (penalty on weights only).
        double[] rhs = new double[D + 1];
        for (int i = 0; i < N; i++) {
            for (int a = 0; a <= D; a++) {
                rhs[a] += p.augmented(i, a) * p.y[i] / N;
            }
        }
        double[] optimum = solve(p.leastSquaresHessian(), rhs);
        double[] g = new double[D + 1];
        double best = f.valueAndGradient(optimum, g);
        for (double gj : g) {
            assertEquals(0.0, gj, 1e-12, "the solve must give a stationary point");
        }
        double reached = result.state().value();
        assertTrue(reached >= best * (1 - 1e-14), "GD went below the minimum: " + reached + " < " + best);
        assertTrue((reached - best) / best <= 1e-8, "relative gap " + (reached - best) / best);
        // Without the step rule, the start is far from the optimum, so reaching it says something.
        assertTrue((values.get(0) - best) / best > 1.0);
    }

    @Test
    void boundsMergeLikeOneBoundOverAllBlocks() {
        Random rnd = new Random(97);
        double[] x1 = randomMatrix(rnd, 10, D, 1.0);
        double[] x2 = randomMatrix(rnd, 7, D, 0.3);
        DataBlock b1 = dense(10, D, new double[10], randomWeights(rnd, 10), x1);
        DataBlock b2 = sparse(7, D, new double[7], null, x2);
        SmoothnessBound all = new SmoothnessBound().add(b1).add(b2);
        SmoothnessBound merged = new SmoothnessBound().add(b1).merge(new SmoothnessBound().add(b2));
        assertEquals(17L, merged.rows());
        assertEquals(all.weightSum(), merged.weightSum(), 1e-12);
        assertEquals(all.meanAugmentedSquaredNorm(), merged.meanAugmentedSquaredNorm(), 1e-12);
        assertEquals(all.maxAugmentedSquaredNorm(), merged.maxAugmentedSquaredNorm(), 0.0);
        double max = 0.0;
        for (DataBlock b : List.of(b1, b2)) {
            for (int i = 0; i < b.numRows(); i++) {
                max = Math.max(max, b.squaredNorm(i) + 1.0);
            }
        }
        assertEquals(max, all.maxAugmentedSquaredNorm(), 0.0);
        // The mean-based bound is never above the max-based one.
        assertTrue(all.meanAugmentedSquaredNorm() <= all.maxAugmentedSquaredNorm());
        assertEquals(0.5 * all.meanAugmentedSquaredNorm() + 0.2, all.lipschitz(Objective.SOFTMAX, 0.2), 1e-15);
    }

    @Test
    void emptyBoundHasNoMean() {
        assertThrows(IllegalStateException.class, () -> new SmoothnessBound().meanAugmentedSquaredNorm());
    }
}
