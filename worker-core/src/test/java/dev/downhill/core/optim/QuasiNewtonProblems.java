package dev.downhill.core.optim;

import static dev.downhill.core.TestData.dense;

import dev.downhill.core.TestData;
import dev.downhill.core.data.DenseBlock;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.RegularizedObjective;
import java.util.List;
import java.util.Random;

/**
 * Generated data sets for the quasi-Newton tests and reference optima computed here in plain arithmetic
 * (normal equations, a damped Newton solve, Jacobi eigenvalues), not through the code under test.
 */
final class QuasiNewtonProblems {
    private QuasiNewtonProblems() {}

    /** n rows of d features (row-major) and labels; x~_i = (x_i, 1) is the augmented row. */
    record Data(int n, int d, double[] x, double[] y) {
        DenseBlock block() {
            return dense(n, d, y, null, x);
        }

        double augmented(int i, int a) {
            return a < d ? x[i * d + a] : 1.0;
        }

        /** z_i = w . x_i + b for theta = (w, b). */
        double margin(int i, double[] theta) {
            double z = theta[d];
            for (int j = 0; j < d; j++) {
                z += theta[j] * x[i * d + j];
            }
            return z;
        }

        /** f through Downhill's LocalDataLoss: the function the optimizers minimize. */
        RegularizedObjective objective(Objective kind, int numClasses, double lambda) {
            LinearModel model = new LinearModel(d, kind.numOutputs(numClasses));
            return TestData.objective(List.of(block()), model, kind.loss(numClasses), lambda);
        }
    }

    /**
     * y = x . w + 0.5 + noise with N(0,1) features, column j multiplied by {@code columnScale[j]} (which sets
     * the conditioning), and a slightly off-centre first column so that the intercept couples to it.
     */
    static Data regression(long seed, int n, double[] columnScale) {
        Random rnd = new Random(seed);
        int d = columnScale.length;
        double[] x = TestData.randomMatrix(rnd, n, d, 1.0);
        double[] w = TestData.gaussianVector(rnd, d, 1.0);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i * d] += 0.3;
            y[i] = 0.5 + 0.3 * rnd.nextGaussian();
            for (int j = 0; j < d; j++) {
                x[i * d + j] *= columnScale[j];
                y[i] += w[j] * x[i * d + j] / columnScale[j];
            }
        }
        return new Data(n, d, x, y);
    }

    /** Labels 0/1 drawn from a logistic model with random weights (classes overlap, so the optimum is finite). */
    static Data binary(long seed, int n, int d) {
        Random rnd = new Random(seed);
        double[] x = TestData.randomMatrix(rnd, n, d, 1.0);
        double[] w = TestData.gaussianVector(rnd, d, 1.0);
        double[] y = TestData.logisticLabels(rnd, x, n, d, w, -0.3);
        return new Data(n, d, x, y);
    }

    /** Classes 0..k-1 from a softmax model with random weights. */
    static Data multiclass(long seed, int n, int d, int k) {
        Random rnd = new Random(seed);
        double[] x = TestData.randomMatrix(rnd, n, d, 1.0);
        double[] w = TestData.gaussianVector(rnd, d * k, 1.0);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double[] p = new double[k];
            double sum = 0;
            for (int c = 0; c < k; c++) {
                double z = 0;
                for (int j = 0; j < d; j++) {
                    z += w[c * d + j] * x[i * d + j];
                }
                p[c] = Math.exp(z);
                sum += p[c];
            }
            double u = rnd.nextDouble() * sum;
            int c = 0;
            while (c < k - 1 && u > p[c]) {
                u -= p[c];
                c++;
            }
            y[i] = c;
        }
        return new Data(n, d, x, y);
    }

    /** (1/N) sum_i x~_i x~_i^T + lambda diag(1, .., 1, 0): the least-squares Hessian. */
    static double[][] leastSquaresHessian(Data p, double lambda) {
        double[] ones = new double[p.n];
        java.util.Arrays.fill(ones, 1.0);
        return weightedGram(p, ones, lambda);
    }

    /** (1/N) sum_i c_i x~_i x~_i^T + lambda on the weights' diagonal. */
    private static double[][] weightedGram(Data p, double[] c, double lambda) {
        int m = p.d + 1;
        double[][] h = new double[m][m];
        for (int i = 0; i < p.n; i++) {
            for (int a = 0; a < m; a++) {
                for (int b = 0; b < m; b++) {
                    h[a][b] += c[i] * p.augmented(i, a) * p.augmented(i, b) / p.n;
                }
            }
        }
        for (int a = 0; a < p.d; a++) {
            h[a][a] += lambda;
        }
        return h;
    }

    /** The normal equations H theta = (1/N) sum_i x~_i y_i solved directly. */
    static double[] leastSquaresSolution(Data p, double lambda) {
        double[] rhs = new double[p.d + 1];
        for (int i = 0; i < p.n; i++) {
            for (int a = 0; a <= p.d; a++) {
                rhs[a] += p.augmented(i, a) * p.y[i] / p.n;
            }
        }
        return TestData.solve(leastSquaresHessian(p, lambda), rhs);
    }

    /** Logistic f written out: (1/N) sum_i log(1 + exp(-s_i z_i)) + (lambda/2) ||w||^2. */
    static double logisticObjective(Data p, double[] theta, double lambda) {
        double s = 0;
        for (int i = 0; i < p.n; i++) {
            double m = (2 * p.y[i] - 1) * p.margin(i, theta);
            s += m >= 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m));
        }
        double penalty = 0;
        for (int j = 0; j < p.d; j++) {
            penalty += theta[j] * theta[j];
        }
        return s / p.n + 0.5 * lambda * penalty;
    }

    /** Gradient of {@link #logisticObjective}: (1/N) sum_i (sigma(z_i) - y_i) x~_i + lambda w. */
    static double[] logisticGradient(Data p, double[] theta, double lambda) {
        double[] g = new double[p.d + 1];
        for (int i = 0; i < p.n; i++) {
            double r = 1 / (1 + Math.exp(-p.margin(i, theta))) - p.y[i];
            for (int a = 0; a <= p.d; a++) {
                g[a] += r * p.augmented(i, a) / p.n;
            }
        }
        for (int j = 0; j < p.d; j++) {
            g[j] += lambda * theta[j];
        }
        return g;
    }

    /** Newton's method with step halving on {@link #logisticObjective}, from 0 until the step stops mattering. */
    static double[] logisticNewton(Data p, double lambda) {
        double[] theta = new double[p.d + 1];
        for (int it = 0; it < 100; it++) {
            double[] g = logisticGradient(p, theta, lambda);
            double[] c = new double[p.n];
            for (int i = 0; i < p.n; i++) {
                double sigma = 1 / (1 + Math.exp(-p.margin(i, theta)));
                c[i] = sigma * (1 - sigma);
            }
            double[] step = TestData.solve(weightedGram(p, c, lambda), g);
            double f0 = logisticObjective(p, theta, lambda);
            double t = 1;
            double[] next = new double[theta.length];
            while (true) {
                for (int a = 0; a < theta.length; a++) {
                    next[a] = theta[a] - t * step[a];
                }
                if (logisticObjective(p, next, lambda) <= f0 || t < 1e-10) {
                    break;
                }
                t /= 2;
            }
            double size = 0;
            double norm = 0;
            for (int a = 0; a < theta.length; a++) {
                size = Math.max(size, Math.abs(next[a] - theta[a]));
                norm = Math.max(norm, Math.abs(next[a]));
            }
            theta = next;
            if (size <= 1e-15 * Math.max(norm, 1)) {
                break;
            }
        }
        return theta;
    }

    /** Eigenvalues of a symmetric matrix by cyclic Jacobi rotations, ascending. */
    static double[] symmetricEigenvalues(double[][] m) {
        int n = m.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            a[i] = m[i].clone();
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            double all = 0;
            for (int p = 0; p < n; p++) {
                for (int q = 0; q < n; q++) {
                    all += a[p][q] * a[p][q];
                    if (p != q) {
                        off += a[p][q] * a[p][q];
                    }
                }
            }
            if (off <= 1e-30 * all) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (a[p][q] == 0) {
                        continue;
                    }
                    // The rotation that zeroes a[p][q]: tan(2 phi) = 2 a_pq / (a_qq - a_pp).
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) {
                        double akp = a[k][p];
                        double akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) {
                        double apk = a[p][k];
                        double aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                }
            }
        }
        double[] eig = new double[n];
        for (int i = 0; i < n; i++) {
            eig[i] = a[i][i];
        }
        java.util.Arrays.sort(eig);
        return eig;
    }

    /**
     * Stop criteria as the driver sets them for a quasi-Newton run: ||grad|| below 1e-8 of its start, or a
     * relative objective change below 1e-13 over 3 iterations, within {@code maxIterations}.
     */
    static StopCriteria driverLike(long maxIterations) {
        return StopCriteria.iterations(maxIterations).withRelativeGradientTolerance(1e-8)
                .withObjectiveTolerance(1e-13, 3);
    }
}
