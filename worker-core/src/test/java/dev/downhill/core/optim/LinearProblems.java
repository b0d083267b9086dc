package dev.downhill.core.optim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.TestData;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.DifferentiableFunction;
import dev.downhill.core.objective.SmoothnessBound;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Small least-squares and logistic problems on a linear model with intercept (parameters (w, b), b last),
 * f = (1/N) sum_i l_i + (lambda/2)||w||^2 evaluated by {@link dev.downhill.core.objective.LocalDataLoss},
 * with the optimum computed here independently: the normal equations for least squares, Newton's method
 * for logistic regression, both with the gradient and Hessian written out from the formulas.
 */
final class LinearProblems {
    private LinearProblems() {}

    static final class Problem {
        final Objective kind;
        final int n;
        final int d;
        final double[] x; // row-major n x d
        final double[] y;
        final double lambda;
        final LinearModel model;
        final List<DataBlock> blocks;
        final DifferentiableFunction f;
        double[] optimum;
        double optimalValue;

        Problem(Objective kind, int n, int d, double[] x, double[] y, double lambda) {
            this.kind = kind;
            this.n = n;
            this.d = d;
            this.x = x;
            this.y = y;
            this.lambda = lambda;
            this.model = new LinearModel(d, 1);
            // Two blocks, one dense and one sparse, so the fold over blocks is exercised.
            int half = n / 2;
            this.blocks = List.of(
                    TestData.dense(half, d, java.util.Arrays.copyOfRange(y, 0, half), null,
                            java.util.Arrays.copyOfRange(x, 0, half * d)),
                    TestData.sparse(n - half, d, java.util.Arrays.copyOfRange(y, half, n), null,
                            java.util.Arrays.copyOfRange(x, half * d, n * d)));
            this.f = TestData.objective(blocks, model, kind.loss(2), lambda);
        }

        int dimension() {
            return d + 1;
        }

        /** x~_i = (x_i, 1). */
        double augmented(int i, int a) {
            return a < d ? x[i * d + a] : 1.0;
        }

        double margin(int i, double[] theta) {
            double z = 0.0;
            for (int a = 0; a <= d; a++) {
                z += augmented(i, a) * theta[a];
            }
            return z;
        }

        /** grad f from the formula: (1/N) sum_i r_i x~_i + lambda (w, 0), r_i = z_i - y_i or sigma(z_i) - y_i. */
        double[] gradient(double[] theta) {
            double[] g = new double[d + 1];
            for (int i = 0; i < n; i++) {
                double z = margin(i, theta);
                double r = kind == Objective.LEAST_SQUARES ? z - y[i] : 1.0 / (1.0 + Math.exp(-z)) - y[i];
                for (int a = 0; a <= d; a++) {
                    g[a] += r * augmented(i, a) / n;
                }
            }
            for (int a = 0; a < d; a++) {
                g[a] += lambda * theta[a];
            }
            return g;
        }

        /** (1/N) sum_i c_i x~_i x~_i^T + lambda I on w, c_i = 1 or sigma(z_i)(1 - sigma(z_i)). */
        double[][] hessian(double[] theta) {
            double[][] h = new double[d + 1][d + 1];
            for (int i = 0; i < n; i++) {
                double c = 1.0;
                if (kind == Objective.LOGISTIC) {
                    double s = 1.0 / (1.0 + Math.exp(-margin(i, theta)));
                    c = s * (1 - s);
                }
                for (int a = 0; a <= d; a++) {
                    for (int b = 0; b <= d; b++) {
                        h[a][b] += c * augmented(i, a) * augmented(i, b) / n;
                    }
                }
            }
            for (int a = 0; a < d; a++) {
                h[a][a] += lambda;
            }
            return h;
        }

        /** The step bound 1/L of the driver (L = c mean(||x~||^2) + lambda). */
        double inverseLipschitz() {
            SmoothnessBound bound = new SmoothnessBound();
            for (DataBlock b : blocks) {
                bound.add(b);
            }
            return 1.0 / bound.lipschitz(kind, lambda);
        }

        /** f on the rows {@code rows} (with repetition) plus the same L2 term: a mini-batch. */
        DifferentiableFunction batch(int[] rows) {
            double[] bx = new double[rows.length * d];
            double[] by = new double[rows.length];
            for (int r = 0; r < rows.length; r++) {
                System.arraycopy(x, rows[r] * d, bx, r * d, d);
                by[r] = y[rows[r]];
            }
            return TestData.objective(List.of(TestData.dense(rows.length, d, by, null, bx)), model, kind.loss(2),
                    lambda);
        }

        /**
         * Batch k (k = 0, 1, ...) is {@code size} rows drawn uniformly with replacement by a Random seeded from
         * (seed, k), so E[f_k] = f and a resumed run sees the same batches.
         */
        FunctionSequence miniBatches(int size, long seed) {
            return new FunctionSequence() {
                @Override
                public DifferentiableFunction at(long iteration) {
                    Random rnd = new Random(seed * 1_000_003L + iteration);
                    int[] rows = new int[size];
                    for (int r = 0; r < size; r++) {
                        rows[r] = rnd.nextInt(n);
                    }
                    return batch(rows);
                }

                @Override
                public boolean isStochastic() {
                    return true;
                }
            };
        }
    }

    /** y = x.w + 0.5 + 0.3 N(0,1), x ~ N(0,1) with column scales 1, 1.5, 0.7, ...; optimum by the normal equations. */
    static Problem leastSquares(long seed, int n, int d, double lambda) {
        Random rnd = new Random(seed);
        double[] x = features(rnd, n, d);
        double[] w = TestData.gaussianVector(rnd, d, 1.0);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = 0.5 + 0.3 * rnd.nextGaussian();
            for (int j = 0; j < d; j++) {
                y[i] += w[j] * x[i * d + j];
            }
        }
        Problem p = new Problem(Objective.LEAST_SQUARES, n, d, x, y, lambda);
        // H theta = (1/N) sum_i x~_i y_i.
        double[] rhs = new double[d + 1];
        for (int i = 0; i < n; i++) {
            for (int a = 0; a <= d; a++) {
                rhs[a] += p.augmented(i, a) * y[i] / n;
            }
        }
        p.optimum = TestData.solve(p.hessian(new double[d + 1]), rhs);
        finish(p);
        return p;
    }

    /** Labels ~ Bernoulli(sigma(x.w - 0.3)); optimum by Newton's method from 0. */
    static Problem logistic(long seed, int n, int d, double lambda) {
        Random rnd = new Random(seed);
        double[] x = features(rnd, n, d);
        double[] w = TestData.gaussianVector(rnd, d, 1.0);
        double[] y = TestData.logisticLabels(rnd, x, n, d, w, -0.3);
        Problem p = new Problem(Objective.LOGISTIC, n, d, x, y, lambda);
        double[] theta = new double[d + 1];
        for (int it = 0; it < 100 && norm(p.gradient(theta)) > 1e-15; it++) {
            double[] step = TestData.solve(p.hessian(theta), p.gradient(theta));
            for (int a = 0; a <= d; a++) {
                theta[a] -= step[a];
            }
        }
        p.optimum = theta;
        finish(p);
        return p;
    }

    private static double[] features(Random rnd, int n, int d) {
        double[] x = TestData.randomMatrix(rnd, n, d, 1.0);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] *= j % 3 == 1 ? 1.5 : j % 3 == 2 ? 0.7 : 1.0;
            }
        }
        return x;
    }

    /** Checks the optimum is stationary by the formula and by f's own gradient, and records f there. */
    private static void finish(Problem p) {
        assertTrue(norm(p.gradient(p.optimum)) < 1e-13, "the test's solve is not stationary");
        double[] g = new double[p.dimension()];
        p.optimalValue = p.f.valueAndGradient(p.optimum, g);
        assertTrue(norm(g) < 1e-12, "f's gradient at the solve is " + norm(g));
    }

    static double norm(double[] v) {
        double s = 0;
        for (double e : v) {
            s += e * e;
        }
        return Math.sqrt(s);
    }

    /** A run's result and the full objective at every iterate, the start included. */
    record Run(Minimizer.Result result, List<Double> objectives) {
    }

    static Run run(Minimizer m, DifferentiableFunction f, double[] x0) {
        List<Double> values = new ArrayList<>();
        OptimizerState start = m.start(f, x0);
        values.add(m.optimizer().objective(start));
        Minimizer.Result result = m.run(f, start, (s, r) -> values.add(r.objective()));
        return new Run(result, values);
    }
}
