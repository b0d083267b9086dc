package dev.downhill.driver.bench;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Objective;
import java.util.Arrays;
import java.util.Collections;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.spark.api.java.JavaRDD;

/**
 * The race's independent reference optimum: Newton's method on the full data with the exact Hessian, written
 * here from the formulas (no Downhill objective code), for logistic and least-squares losses with an L2 penalty
 * on the weights (never the intercept):
 *
 * <pre>
 *   f(w, b) = (1/N) sum_i v_i l(w.x_i + b, y_i) + (lambda/2) ||w||^2
 *   logistic:      l = log(1 + exp(-s m)), s = 2y - 1;  l' = sigma(m) - y;  l'' = sigma(m)(1 - sigma(m))
 *   least squares: l = (m - y)^2 / 2;                   l' = m - y;          l'' = 1
 * </pre>
 *
 * It works in standardized coordinates u (x~_j = (x_j - mean_j) / sd_j, x~_d = 1; w_j = u_j / sd_j, b = u_d -
 * sum_j mean_j w_j) so the Hessian it factors has the problem's intrinsic conditioning, not the features'
 * scales. Each iteration is one distributed pass for f, the gradient and the Hessian (the upper triangle,
 * (d+1)(d+2)/2 numbers per partition), a Cholesky solve of H delta = -g on the driver, and a backtracking line
 * search on f (one value pass per trial; least squares takes the full step). It stops when half the Newton
 * decrement g^T H^-1 g / 2 (the predicted remaining decrease) is below 1e-15 |f|. The logistic loss is
 * evaluated as log1p(exp(-|sm|)) + max(-sm, 0), which never overflows.
 */
final class NewtonReference {
    /** What the solve found. */
    record Solution(double[] theta, double objective, int iterations, int passes, double[] eigenvalues,
                    double seconds) {
        /** Condition number of the Hessian at the optimum in standardized coordinates. */
        double condition() {
            return eigenvalues[eigenvalues.length - 1] / eigenvalues[0];
        }
    }

    static final int MAX_ITERATIONS = 50;
    static final double DECREMENT_TOLERANCE = 1e-15;

    private NewtonReference() {}

    static Solution solve(JavaRDD<DataBlock> blocks, int d, Objective objective, double l2) {
        long start = System.nanoTime();
        boolean logistic = objective == Objective.LOGISTIC;
        double[][] moments = moments(blocks, d);
        double[] mean = moments[0];
        double[] sd = moments[1];
        int n1 = d + 1;
        double[] u = new double[n1];
        int passes = 1;
        double[] eigen = null;
        int it = 0;
        double f = Double.NaN;
        while (true) {
            double[] acc = pass(blocks, d, logistic, mean, sd, u, true);
            passes++;
            double n = acc[0];
            f = acc[1] / n + penalty(u, sd, l2);
            double[] g = new double[n1];
            RealMatrix h = new Array2DRowRealMatrix(n1, n1);
            int idx = 2 + n1;
            for (int a = 0; a < n1; a++) {
                g[a] = acc[2 + a] / n + (a < d ? l2 * u[a] / (sd[a] * sd[a]) : 0.0);
                for (int b = a; b < n1; b++) {
                    double v = acc[idx++] / n + (a == b && a < d ? l2 / (sd[a] * sd[a]) : 0.0);
                    h.setEntry(a, b, v);
                    h.setEntry(b, a, v);
                }
            }
            eigen = new EigenDecomposition(h).getRealEigenvalues();
            if (it >= MAX_ITERATIONS) {
                break;
            }
            double[] delta = new CholeskyDecomposition(h, 1e-12, 0.0).getSolver()
                    .solve(new ArrayRealVector(g)).mapMultiply(-1.0).toArray();
            double slope = 0;
            for (int a = 0; a < n1; a++) {
                slope += g[a] * delta[a];
            }
            if (-slope / 2 <= DECREMENT_TOLERANCE * Math.abs(f)) {
                break;
            }
            double t = 1.0;
            double[] trial = new double[n1];
            while (true) {
                for (int a = 0; a < n1; a++) {
                    trial[a] = u[a] + t * delta[a];
                }
                if (!logistic) {
                    break; // a quadratic: the full Newton step is its minimizer
                }
                double[] v = pass(blocks, d, true, mean, sd, trial, false);
                passes++;
                double ft = v[1] / v[0] + penalty(trial, sd, l2);
                if (ft <= f + 1e-4 * t * slope || t < 1e-10) {
                    break;
                }
                t *= 0.5;
            }
            u = trial;
            it++;
        }
        double[] theta = new double[n1];
        double b = u[d];
        for (int j = 0; j < d; j++) {
            theta[j] = u[j] / sd[j];
            b -= mean[j] * theta[j];
        }
        theta[d] = b;
        Arrays.sort(eigen);
        return new Solution(theta, f, it, passes, eigen, (System.nanoTime() - start) / 1e9);
    }

    private static double penalty(double[] u, double[] sd, double l2) {
        double s = 0;
        for (int j = 0; j < sd.length; j++) {
            double w = u[j] / sd[j];
            s += w * w;
        }
        return 0.5 * l2 * s;
    }

    /** Feature means and (population) standard deviations; a constant feature gets 1. */
    private static double[][] moments(JavaRDD<DataBlock> blocks, int d) {
        double[] acc = blocks.mapPartitions(it -> {
            double[] a = new double[1 + 2 * d];
            double[] x = new double[d];
            while (it.hasNext()) {
                DataBlock block = it.next();
                for (int r = 0; r < block.numRows(); r++) {
                    row(block, r, x);
                    a[0] += 1;
                    for (int j = 0; j < d; j++) {
                        a[1 + j] += x[j];
                        a[1 + d + j] += x[j] * x[j];
                    }
                }
            }
            return Collections.singletonList(a).iterator();
        }).reduce(NewtonReference::sum);
        double[] mean = new double[d];
        double[] sd = new double[d];
        for (int j = 0; j < d; j++) {
            mean[j] = acc[1 + j] / acc[0];
            double var = acc[1 + d + j] / acc[0] - mean[j] * mean[j];
            sd[j] = var > 0 ? Math.sqrt(var) : 1.0;
        }
        return new double[][] {mean, sd};
    }

    /**
     * One pass at u: [weight sum, loss sum, gradient sum (d+1), Hessian sum's upper triangle row by row], all
     * weighted by v_i and in standardized coordinates; without the Hessian, the first two only.
     */
    static double[] pass(JavaRDD<DataBlock> blocks, int d, boolean logistic, double[] mean, double[] sd, double[] u,
                         boolean withHessian) {
        int n1 = d + 1;
        return blocks.mapPartitions(it -> {
            double[] a = new double[withHessian ? 2 + n1 + n1 * (n1 + 1) / 2 : 2];
            double[] x = new double[d];
            double[] xt = new double[n1];
            xt[d] = 1.0;
            while (it.hasNext()) {
                DataBlock block = it.next();
                for (int r = 0; r < block.numRows(); r++) {
                    row(block, r, x);
                    double m = u[d];
                    for (int j = 0; j < d; j++) {
                        xt[j] = (x[j] - mean[j]) / sd[j];
                        m += u[j] * xt[j];
                    }
                    double y = block.label(r);
                    double v = block.weight(r);
                    double loss;
                    double d1;
                    double d2;
                    if (logistic) {
                        double sm = (2 * y - 1) * m;
                        loss = Math.log1p(Math.exp(-Math.abs(sm))) + Math.max(-sm, 0.0);
                        double p = m >= 0 ? 1.0 / (1.0 + Math.exp(-m)) : Math.exp(m) / (1.0 + Math.exp(m));
                        d1 = p - y;
                        d2 = p * (1 - p);
                    } else {
                        double e = m - y;
                        loss = 0.5 * e * e;
                        d1 = e;
                        d2 = 1.0;
                    }
                    a[0] += v;
                    a[1] += v * loss;
                    if (withHessian) {
                        int idx = 2 + n1;
                        for (int p = 0; p < n1; p++) {
                            a[2 + p] += v * d1 * xt[p];
                            double c = v * d2 * xt[p];
                            for (int q = p; q < n1; q++) {
                                a[idx++] += c * xt[q];
                            }
                        }
                    }
                }
            }
            return Collections.singletonList(a).iterator();
        }).reduce(NewtonReference::sum);
    }

    /** Row r's features into x (dense), through the block's own axpy so dense and sparse blocks both work. */
    private static void row(DataBlock block, int r, double[] x) {
        Arrays.fill(x, 0.0);
        block.axpy(r, 1.0, x, 0);
    }

    private static double[] sum(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
        return a;
    }
}
