package dev.downhill.core.linalg;

import java.util.Objects;

/**
 * The scalar implementation of {@link Kernels}: the reference for the order of operations, which
 * {@link VectorKernels} reproduces bit for bit. The sixteen partial sums of dot are lanes 0..3 of four
 * 4-lane accumulators.
 */
final class ScalarKernels {
    private ScalarKernels() {}

    static double dot(double[] x, int xOffset, double[] w, int wOffset, int n) {
        checkRange(x.length, xOffset, n);
        checkRange(w.length, wOffset, n);
        int i = 0;
        double s = 0.0;
        if (n >= 4) {
            double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0;
            double s8 = 0.0, s9 = 0.0, s10 = 0.0, s11 = 0.0, s12 = 0.0, s13 = 0.0, s14 = 0.0, s15 = 0.0;
            for (; i <= n - 16; i += 16) {
                final int p = xOffset + i;
                final int q = wOffset + i;
                s0 += x[p] * w[q];
                s1 += x[p + 1] * w[q + 1];
                s2 += x[p + 2] * w[q + 2];
                s3 += x[p + 3] * w[q + 3];
                s4 += x[p + 4] * w[q + 4];
                s5 += x[p + 5] * w[q + 5];
                s6 += x[p + 6] * w[q + 6];
                s7 += x[p + 7] * w[q + 7];
                s8 += x[p + 8] * w[q + 8];
                s9 += x[p + 9] * w[q + 9];
                s10 += x[p + 10] * w[q + 10];
                s11 += x[p + 11] * w[q + 11];
                s12 += x[p + 12] * w[q + 12];
                s13 += x[p + 13] * w[q + 13];
                s14 += x[p + 14] * w[q + 14];
                s15 += x[p + 15] * w[q + 15];
            }
            for (; i <= n - 4; i += 4) {
                final int p = xOffset + i;
                final int q = wOffset + i;
                s0 += x[p] * w[q];
                s1 += x[p + 1] * w[q + 1];
                s2 += x[p + 2] * w[q + 2];
                s3 += x[p + 3] * w[q + 3];
            }
            final double v0 = (s0 + s4) + (s8 + s12);
            final double v1 = (s1 + s5) + (s9 + s13);
            final double v2 = (s2 + s6) + (s10 + s14);
            final double v3 = (s3 + s7) + (s11 + s15);
            s = (v0 + v1) + (v2 + v3);
        }
        for (; i < n; i++) {
            s += x[xOffset + i] * w[wOffset + i];
        }
        return s;
    }

    static double dot(float[] x, int xOffset, double[] w, int wOffset, int n) {
        checkRange(x.length, xOffset, n);
        checkRange(w.length, wOffset, n);
        int i = 0;
        double s = 0.0;
        if (n >= 4) {
            double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0;
            double s8 = 0.0, s9 = 0.0, s10 = 0.0, s11 = 0.0, s12 = 0.0, s13 = 0.0, s14 = 0.0, s15 = 0.0;
            for (; i <= n - 16; i += 16) {
                final int p = xOffset + i;
                final int q = wOffset + i;
                s0 += (double) x[p] * w[q];
                s1 += (double) x[p + 1] * w[q + 1];
                s2 += (double) x[p + 2] * w[q + 2];
                s3 += (double) x[p + 3] * w[q + 3];
                s4 += (double) x[p + 4] * w[q + 4];
                s5 += (double) x[p + 5] * w[q + 5];
                s6 += (double) x[p + 6] * w[q + 6];
                s7 += (double) x[p + 7] * w[q + 7];
                s8 += (double) x[p + 8] * w[q + 8];
                s9 += (double) x[p + 9] * w[q + 9];
                s10 += (double) x[p + 10] * w[q + 10];
                s11 += (double) x[p + 11] * w[q + 11];
                s12 += (double) x[p + 12] * w[q + 12];
                s13 += (double) x[p + 13] * w[q + 13];
                s14 += (double) x[p + 14] * w[q + 14];
                s15 += (double) x[p + 15] * w[q + 15];
            }
            for (; i <= n - 4; i += 4) {
                final int p = xOffset + i;
                final int q = wOffset + i;
                s0 += (double) x[p] * w[q];
                s1 += (double) x[p + 1] * w[q + 1];
                s2 += (double) x[p + 2] * w[q + 2];
                s3 += (double) x[p + 3] * w[q + 3];
            }
            final double v0 = (s0 + s4) + (s8 + s12);
            final double v1 = (s1 + s5) + (s9 + s13);
            final double v2 = (s2 + s6) + (s10 + s14);
            final double v3 = (s3 + s7) + (s11 + s15);
            s = (v0 + v1) + (v2 + v3);
        }
        for (; i < n; i++) {
            s += (double) x[xOffset + i] * w[wOffset + i];
        }
        return s;
    }

    static void axpy(double a, double[] x, int xOffset, double[] y, int yOffset, int n) {
        checkRange(x.length, xOffset, n);
        checkRange(y.length, yOffset, n);
        for (int i = 0; i < n; i++) {
            y[yOffset + i] += a * x[xOffset + i];
        }
    }

    static void axpy(double a, float[] x, int xOffset, double[] y, int yOffset, int n) {
        checkRange(x.length, xOffset, n);
        checkRange(y.length, yOffset, n);
        for (int i = 0; i < n; i++) {
            y[yOffset + i] += a * (double) x[xOffset + i];
        }
    }

    static void checkRange(int length, int offset, int n) {
        Objects.checkFromIndexSize(offset, n, length);
    }
}
