package dev.downhill.core;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.data.DenseBlock;
import dev.downhill.core.data.FloatDenseBlock;
import dev.downhill.core.data.FloatSparseBlock;
import dev.downhill.core.data.SparseBlock;
import dev.downhill.core.loss.Loss;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.L2Penalty;
import dev.downhill.core.objective.LocalDataLoss;
import dev.downhill.core.objective.RegularizedObjective;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Small random problems shared by the tests; everything is driven by a seeded {@link Random}. */
public final class TestData {
    private TestData() {}

    /** A row-major n x d matrix; each entry is N(0,1) with probability {@code density}, else 0. */
    public static double[] randomMatrix(Random rnd, int n, int d, double density) {
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextDouble() < density ? rnd.nextGaussian() : 0.0;
        }
        return x;
    }

    public static double[] gaussianVector(Random rnd, int n, double scale) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = scale * rnd.nextGaussian();
        }
        return v;
    }

    /** Instance weights in [0.25, 2.25), so never all 1. */
    public static double[] randomWeights(Random rnd, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = 0.25 + 2.0 * rnd.nextDouble();
        }
        return v;
    }

    /** Real labels for regression. */
    public static double[] realLabels(Random rnd, int n) {
        return gaussianVector(rnd, n, 2.0);
    }

    /** Labels 0/1, or 0..numClasses-1 when numClasses > 2. */
    public static double[] classLabels(Random rnd, int n, int numClasses) {
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = rnd.nextInt(numClasses);
        }
        return y;
    }

    public static DenseBlock dense(int n, int d, double[] labels, double[] weights, double[] x) {
        return new DenseBlock(n, d, labels.clone(), weights == null ? null : weights.clone(), x.clone());
    }

    /** The same rows stored as float32 (each value rounded to the nearest float). */
    public static FloatDenseBlock floatDense(int n, int d, double[] labels, double[] weights, double[] x) {
        return new FloatDenseBlock(n, d, labels.clone(), weights == null ? null : weights.clone(), toFloat(x));
    }

    /** The same rows in CSR form with float32 values, zeros left out. */
    public static FloatSparseBlock floatSparse(int n, int d, double[] labels, double[] weights, double[] x) {
        int[] rowStart = new int[n + 1];
        int nnz = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                if (x[i * d + j] != 0.0) {
                    nnz++;
                }
            }
            rowStart[i + 1] = nnz;
        }
        int[] idx = new int[nnz];
        float[] val = new float[nnz];
        int p = 0;
        for (int i = 0; i < n * d; i++) {
            if (x[i] != 0.0) {
                idx[p] = i % d;
                val[p] = (float) x[i];
                p++;
            }
        }
        return new FloatSparseBlock(n, d, labels.clone(), weights == null ? null : weights.clone(), rowStart, idx, val);
    }

    /** Each value rounded to the nearest float. */
    public static float[] toFloat(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        return f;
    }

    /** Each value rounded to the nearest float and widened back (exactly) to double. */
    public static double[] roundedToFloat(double[] x) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = (float) x[i];
        }
        return r;
    }

    /** The same rows in CSR form, zeros left out. */
    public static SparseBlock sparse(int n, int d, double[] labels, double[] weights, double[] x) {
        int[] rowStart = new int[n + 1];
        int[] idx = new int[x.length];
        double[] val = new double[x.length];
        int nnz = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                double v = x[i * d + j];
                if (v != 0.0) {
                    idx[nnz] = j;
                    val[nnz] = v;
                    nnz++;
                }
            }
            rowStart[i + 1] = nnz;
        }
        return new SparseBlock(n, d, labels.clone(), weights == null ? null : weights.clone(), rowStart,
                Arrays.copyOf(idx, nnz), Arrays.copyOf(val, nnz));
    }

    /** f = data loss over the blocks + (lambda/2)||w||^2 for a linear model. */
    public static RegularizedObjective objective(List<? extends DataBlock> blocks, LinearModel model, Loss loss,
                                                 double lambda) {
        return new RegularizedObjective(new LocalDataLoss(blocks, model, loss), new L2Penalty(lambda, model));
    }

    /** Labels 0/1 ~ Bernoulli(sigma(x_i . w + intercept)) for the rows of the row-major n x d x, one draw a row. */
    public static double[] logisticLabels(Random rnd, double[] x, int n, int d, double[] w, double intercept) {
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double z = intercept;
            for (int j = 0; j < d; j++) {
                z += w[j] * x[i * d + j];
            }
            y[i] = rnd.nextDouble() < 1.0 / (1.0 + Math.exp(-z)) ? 1.0 : 0.0;
        }
        return y;
    }

    /** Solves m t = r by Gaussian elimination with partial pivoting. */
    public static double[] solve(double[][] m, double[] r) {
        int n = r.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            a[i] = Arrays.copyOf(m[i], n + 1);
            a[i][n] = r[i];
        }
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int row = col + 1; row < n; row++) {
                if (Math.abs(a[row][col]) > Math.abs(a[pivot][col])) {
                    pivot = row;
                }
            }
            double[] tmp = a[col];
            a[col] = a[pivot];
            a[pivot] = tmp;
            for (int row = col + 1; row < n; row++) {
                double factor = a[row][col] / a[col][col];
                for (int k = col; k <= n; k++) {
                    a[row][k] -= factor * a[col][k];
                }
            }
        }
        double[] t = new double[n];
        for (int row = n - 1; row >= 0; row--) {
            double s = a[row][n];
            for (int k = row + 1; k < n; k++) {
                s -= a[row][k] * t[k];
            }
            t[row] = s / a[row][row];
        }
        return t;
    }

    /** |a - b| / max(|a|, |b|, 1e-6): relative error with the same floor as GradientChecker's default. */
    public static double relativeError(double a, double b) {
        return Math.abs(a - b) / Math.max(Math.max(Math.abs(a), Math.abs(b)), 1e-6);
    }

    /** Plain relative difference |a - b| / max(|a|, |b|) (0 when both are 0), no floor. */
    public static double strictRelativeError(double a, double b) {
        double scale = Math.max(Math.abs(a), Math.abs(b));
        return scale == 0.0 ? 0.0 : Math.abs(a - b) / scale;
    }
}
