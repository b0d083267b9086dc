package dev.downhill.core.linalg;

/**
 * The dense inner loops every gradient pass runs: dot(x, w) = sum_j x_j w_j and y += a x, over a double
 * vector w or y and a row x stored as doubles or floats (a float is widened to double exactly, so the
 * arithmetic is always in double).
 *
 * <p>Two implementations compute the same bits: SIMD through the JDK's Vector API
 * ({@code jdk.incubator.vector}, which Spark's launcher adds to every JVM it starts) and a scalar loop, used
 * when that module is absent or the system property {@code downhill.simd=false} is set. They agree bit for
 * bit because both follow one fixed order of operations, independent of the machine's vector width:
 *
 * <ul>
 *   <li>dot: 16 partial sums s_r, r = 0..15; for each full chunk of 16 elements starting at c,
 *       s_r = s_r + x_{c+r} w_{c+r}; then for each remaining full chunk of 4, s_r = s_r + x_{c+r} w_{c+r}
 *       for r = 0..3; then v_l = (s_l + s_{4+l}) + (s_{8+l} + s_{12+l}) for l = 0..3 and
 *       dot = ((v_0 + v_1) + (v_2 + v_3)), to which the last n mod 4 products are added one by one. With
 *       n &lt; 4 it is the plain left-to-right sum. Sixteen independent sums also break the chain of
 *       dependent additions that limits a one-accumulator loop to one add per add-latency.</li>
 *   <li>axpy: y_j = y_j + a x_j for each j independently, so any vector width gives the same bits.</li>
 * </ul>
 *
 * <p>Every multiplication and addition is rounded separately (no fused multiply-add), so the result is
 * also the same on hardware without FMA.
 */
public final class Kernels {
    private Kernels() {}

    private static final boolean SIMD = vectorApiUsable();

    /** Whether the SIMD implementation is in use (else the scalar one, with the same results). */
    public static boolean simd() {
        return SIMD;
    }

    /** sum_{j < n} x[xOffset + j] w[wOffset + j], in the order given in the class comment. */
    public static double dot(double[] x, int xOffset, double[] w, int wOffset, int n) {
        return SIMD ? VectorKernels.dot(x, xOffset, w, wOffset, n) : ScalarKernels.dot(x, xOffset, w, wOffset, n);
    }

    /** sum_{j < n} x[xOffset + j] w[wOffset + j] with each x widened to double; same order as the double one. */
    public static double dot(float[] x, int xOffset, double[] w, int wOffset, int n) {
        return SIMD ? VectorKernels.dot(x, xOffset, w, wOffset, n) : ScalarKernels.dot(x, xOffset, w, wOffset, n);
    }

    /** y[yOffset + j] += a x[xOffset + j] for j < n. */
    public static void axpy(double a, double[] x, int xOffset, double[] y, int yOffset, int n) {
        if (SIMD) {
            VectorKernels.axpy(a, x, xOffset, y, yOffset, n);
        } else {
            ScalarKernels.axpy(a, x, xOffset, y, yOffset, n);
        }
    }

    /** y[yOffset + j] += a x[xOffset + j] for j < n, each x widened to double. */
    public static void axpy(double a, float[] x, int xOffset, double[] y, int yOffset, int n) {
        if (SIMD) {
            VectorKernels.axpy(a, x, xOffset, y, yOffset, n);
        } else {
            ScalarKernels.axpy(a, x, xOffset, y, yOffset, n);
        }
    }

    /**
     * z[zOffset + r zStride] = dot(row r, w) + bias for r &lt; rows, row r being the n values at
     * x[xOffset + r xStride]: each row's dot exactly as {@link #dot} computes it (the SIMD version runs two
     * rows at once, sharing the loads of w and overlapping their chains of additions).
     */
    public static void dotRows(double[] x, int xOffset, int xStride, int rows, double[] w, int wOffset, int n,
                               double bias, double[] z, int zOffset, int zStride) {
        if (SIMD) {
            VectorKernels.dotRows(x, xOffset, xStride, rows, w, wOffset, n, bias, z, zOffset, zStride);
        } else {
            for (int r = 0; r < rows; r++) {
                z[zOffset + r * zStride] = ScalarKernels.dot(x, xOffset + r * xStride, w, wOffset, n) + bias;
            }
        }
    }

    /**
     * y[yOffset + j] += a_r x[xOffset + r xStride + j] for r = 0, 1, ..., rows - 1 in that order, with
     * a_r = a[aOffset + r aStride]; rows with a_r = 0 are skipped. Each y_j receives the same additions in
     * the same order as one {@link #axpy} per row (the SIMD version adds two rows per load and store of y).
     */
    public static void axpyRows(double[] a, int aOffset, int aStride, double[] x, int xOffset, int xStride, int rows,
                                double[] y, int yOffset, int n) {
        int r = 0;
        while (r < rows) {
            final double a0 = a[aOffset + r * aStride];
            if (a0 == 0.0) {
                r++;
                continue;
            }
            final int p0 = xOffset + r * xStride;
            if (SIMD && r + 1 < rows && a[aOffset + (r + 1) * aStride] != 0.0) {
                VectorKernels.axpy2(a0, p0, a[aOffset + (r + 1) * aStride], p0 + xStride, x, y, yOffset, n);
                r += 2;
            } else {
                axpy(a0, x, p0, y, yOffset, n);
                r++;
            }
        }
    }

    private static boolean vectorApiUsable() {
        if ("false".equalsIgnoreCase(System.getProperty("downhill.simd"))
                || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return false;
        }
        try {
            // Links the Vector API classes once; a JVM that cannot (a module present but broken) falls back.
            double[] x = {1, 2, 3, 4, 5};
            return VectorKernels.dot(x, 0, x, 0, 5) == ScalarKernels.dot(x, 0, x, 0, 5);
        } catch (LinkageError e) {
            return false;
        }
    }
}
