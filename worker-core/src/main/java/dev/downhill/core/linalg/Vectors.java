package dev.downhill.core.linalg;

/**
 * Dense vector kernels on plain {@code double[]}: the few BLAS level-1 operations the core needs.
 *
 * <p>Norms are computed by plain summation of squares; parameters and gradients here are far from
 * the overflow range, and the driver checks every objective and gradient for finiteness.
 */
public final class Vectors {
    private Vectors() {}

    /** x . y over the whole length of x. */
    public static double dot(double[] x, double[] y) {
        requireSameLength(x, y);
        double s = 0.0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }

    /** ||x||_2. */
    public static double norm2(double[] x) {
        return Math.sqrt(dot(x, x));
    }

    /** max_i |x_i - y_i| / max(|x_i|, |y_i|): the largest relative difference (0 where both entries are 0). */
    public static double maxRelativeDifference(double[] x, double[] y) {
        requireSameLength(x, y);
        double worst = 0.0;
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, relativeDifference(x[i], y[i]));
        }
        return worst;
    }

    /** |a - b| / max(|a|, |b|), and 0 when both are 0. */
    public static double relativeDifference(double a, double b) {
        double scale = Math.max(Math.abs(a), Math.abs(b));
        return scale == 0.0 ? 0.0 : Math.abs(a - b) / scale;
    }

    private static void requireSameLength(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("vector lengths differ: " + x.length + " and " + y.length);
        }
    }
}
