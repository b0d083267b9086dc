package dev.downhill.core.linalg;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD implementation of {@link Kernels} (JDK Vector API). Only {@link Kernels} loads this class, and
 * only when the {@code jdk.incubator.vector} module is present.
 *
 * <p>dot uses four accumulators of exactly 4 double lanes (256 bits) whatever the machine's preferred width,
 * so its order of additions is the one {@link ScalarKernels} spells out; the lanes are combined with
 * {@code lane(i)} in a fixed order rather than {@code reduceLanes(ADD)}, whose order is unspecified (and
 * differs between the interpreter and compiled code). axpy has no reduction; it runs at 256 bits too (see DP).
 */
final class VectorKernels {
    private VectorKernels() {}

    private static final VectorSpecies<Double> D4 = DoubleVector.SPECIES_256;
    private static final VectorSpecies<Float> F4 = FloatVector.SPECIES_128;
    /**
     * axpy's width: 256 bits too, not the preferred width. Its lanes are independent, so the bits are the same at
     * any width, but with 512-bit vectors (AVX-512 on an AMD EPYC here) the dense pass took 1.6 to 1.8 times as long.
     */
    private static final VectorSpecies<Double> DP = DoubleVector.SPECIES_256;
    /** Floats filling half a DP vector: one of them widens to exactly one DP vector. */
    private static final VectorSpecies<Float> FH =
            VectorSpecies.of(float.class, VectorShape.forBitSize(DP.vectorBitSize() / 2));

    static double dot(double[] x, int xOffset, double[] w, int wOffset, int n) {
        ScalarKernels.checkRange(x.length, xOffset, n);
        ScalarKernels.checkRange(w.length, wOffset, n);
        int i = 0;
        double s = 0.0;
        if (n >= 4) {
            DoubleVector a0 = DoubleVector.zero(D4);
            DoubleVector a1 = a0;
            DoubleVector a2 = a0;
            DoubleVector a3 = a0;
            for (; i <= n - 16; i += 16) {
                final int p = xOffset + i;
                final int q = wOffset + i;
                a0 = a0.add(DoubleVector.fromArray(D4, x, p).mul(DoubleVector.fromArray(D4, w, q)));
                a1 = a1.add(DoubleVector.fromArray(D4, x, p + 4).mul(DoubleVector.fromArray(D4, w, q + 4)));
                a2 = a2.add(DoubleVector.fromArray(D4, x, p + 8).mul(DoubleVector.fromArray(D4, w, q + 8)));
                a3 = a3.add(DoubleVector.fromArray(D4, x, p + 12).mul(DoubleVector.fromArray(D4, w, q + 12)));
            }
            for (; i <= n - 4; i += 4) {
                a0 = a0.add(DoubleVector.fromArray(D4, x, xOffset + i).mul(DoubleVector.fromArray(D4, w, wOffset + i)));
            }
            s = combine(a0, a1, a2, a3);
        }
        for (; i < n; i++) {
            s += x[xOffset + i] * w[wOffset + i];
        }
        return s;
    }

    static double dot(float[] x, int xOffset, double[] w, int wOffset, int n) {
        ScalarKernels.checkRange(x.length, xOffset, n);
        ScalarKernels.checkRange(w.length, wOffset, n);
        int i = 0;
        double s = 0.0;
        if (n >= 4) {
            DoubleVector a0 = DoubleVector.zero(D4);
            DoubleVector a1 = a0;
            DoubleVector a2 = a0;
            DoubleVector a3 = a0;
            for (; i <= n - 16; i += 16) {
                final int p = xOffset + i;
                final int q = wOffset + i;
                a0 = a0.add(widen(x, p).mul(DoubleVector.fromArray(D4, w, q)));
                a1 = a1.add(widen(x, p + 4).mul(DoubleVector.fromArray(D4, w, q + 4)));
                a2 = a2.add(widen(x, p + 8).mul(DoubleVector.fromArray(D4, w, q + 8)));
                a3 = a3.add(widen(x, p + 12).mul(DoubleVector.fromArray(D4, w, q + 12)));
            }
            for (; i <= n - 4; i += 4) {
                a0 = a0.add(widen(x, xOffset + i).mul(DoubleVector.fromArray(D4, w, wOffset + i)));
            }
            s = combine(a0, a1, a2, a3);
        }
        for (; i < n; i++) {
            s += (double) x[xOffset + i] * w[wOffset + i];
        }
        return s;
    }

    static void axpy(double a, double[] x, int xOffset, double[] y, int yOffset, int n) {
        ScalarKernels.checkRange(x.length, xOffset, n);
        ScalarKernels.checkRange(y.length, yOffset, n);
        final DoubleVector va = DoubleVector.broadcast(DP, a);
        final int bound = DP.loopBound(n);
        int i = 0;
        for (; i < bound; i += DP.length()) {
            DoubleVector.fromArray(DP, y, yOffset + i)
                    .add(DoubleVector.fromArray(DP, x, xOffset + i).mul(va))
                    .intoArray(y, yOffset + i);
        }
        for (; i < n; i++) {
            y[yOffset + i] += a * x[xOffset + i];
        }
    }

    static void axpy(double a, float[] x, int xOffset, double[] y, int yOffset, int n) {
        ScalarKernels.checkRange(x.length, xOffset, n);
        ScalarKernels.checkRange(y.length, yOffset, n);
        final DoubleVector va = DoubleVector.broadcast(DP, a);
        final int bound = DP.loopBound(n);
        int i = 0;
        for (; i < bound; i += DP.length()) {
            DoubleVector xd = (DoubleVector) FloatVector.fromArray(FH, x, xOffset + i)
                    .convertShape(VectorOperators.F2D, DP, 0);
            DoubleVector.fromArray(DP, y, yOffset + i).add(xd.mul(va)).intoArray(y, yOffset + i);
        }
        for (; i < n; i++) {
            y[yOffset + i] += a * (double) x[xOffset + i];
        }
    }

    /** Two rows at a time of {@link Kernels#dotRows}: each row's operations are those of {@link #dot}. */
    static void dotRows(double[] x, int xOffset, int xStride, int rows, double[] w, int wOffset, int n, double bias,
                        double[] z, int zOffset, int zStride) {
        int r = 0;
        if (n >= 4) {
            ScalarKernels.checkRange(w.length, wOffset, n);
            for (; r + 1 < rows; r += 2) {
                final int p0 = xOffset + r * xStride;
                final int p1 = p0 + xStride;
                ScalarKernels.checkRange(x.length, p0, n);
                ScalarKernels.checkRange(x.length, p1, n);
                DoubleVector a0 = DoubleVector.zero(D4);
                DoubleVector a1 = a0;
                DoubleVector a2 = a0;
                DoubleVector a3 = a0;
                DoubleVector b0 = a0;
                DoubleVector b1 = a0;
                DoubleVector b2 = a0;
                DoubleVector b3 = a0;
                int i = 0;
                for (; i <= n - 16; i += 16) {
                    final int q = wOffset + i;
                    final DoubleVector w0 = DoubleVector.fromArray(D4, w, q);
                    final DoubleVector w1 = DoubleVector.fromArray(D4, w, q + 4);
                    final DoubleVector w2 = DoubleVector.fromArray(D4, w, q + 8);
                    final DoubleVector w3 = DoubleVector.fromArray(D4, w, q + 12);
                    a0 = a0.add(DoubleVector.fromArray(D4, x, p0 + i).mul(w0));
                    b0 = b0.add(DoubleVector.fromArray(D4, x, p1 + i).mul(w0));
                    a1 = a1.add(DoubleVector.fromArray(D4, x, p0 + i + 4).mul(w1));
                    b1 = b1.add(DoubleVector.fromArray(D4, x, p1 + i + 4).mul(w1));
                    a2 = a2.add(DoubleVector.fromArray(D4, x, p0 + i + 8).mul(w2));
                    b2 = b2.add(DoubleVector.fromArray(D4, x, p1 + i + 8).mul(w2));
                    a3 = a3.add(DoubleVector.fromArray(D4, x, p0 + i + 12).mul(w3));
                    b3 = b3.add(DoubleVector.fromArray(D4, x, p1 + i + 12).mul(w3));
                }
                for (; i <= n - 4; i += 4) {
                    final DoubleVector wv = DoubleVector.fromArray(D4, w, wOffset + i);
                    a0 = a0.add(DoubleVector.fromArray(D4, x, p0 + i).mul(wv));
                    b0 = b0.add(DoubleVector.fromArray(D4, x, p1 + i).mul(wv));
                }
                double s0 = combine(a0, a1, a2, a3);
                double s1 = combine(b0, b1, b2, b3);
                for (; i < n; i++) {
                    s0 += x[p0 + i] * w[wOffset + i];
                    s1 += x[p1 + i] * w[wOffset + i];
                }
                z[zOffset + r * zStride] = s0 + bias;
                z[zOffset + (r + 1) * zStride] = s1 + bias;
            }
        }
        for (; r < rows; r++) {
            z[zOffset + r * zStride] = dot(x, xOffset + r * xStride, w, wOffset, n) + bias;
        }
    }

    /** y_j = (y_j + a0 x[p0 + j]) + a1 x[p1 + j]: two rows of {@link Kernels#axpyRows} per load and store of y. */
    static void axpy2(double a0, int p0, double a1, int p1, double[] x, double[] y, int yOffset, int n) {
        ScalarKernels.checkRange(x.length, p0, n);
        ScalarKernels.checkRange(x.length, p1, n);
        ScalarKernels.checkRange(y.length, yOffset, n);
        final DoubleVector va0 = DoubleVector.broadcast(DP, a0);
        final DoubleVector va1 = DoubleVector.broadcast(DP, a1);
        final int bound = DP.loopBound(n);
        int i = 0;
        for (; i < bound; i += DP.length()) {
            DoubleVector.fromArray(DP, y, yOffset + i)
                    .add(DoubleVector.fromArray(DP, x, p0 + i).mul(va0))
                    .add(DoubleVector.fromArray(DP, x, p1 + i).mul(va1))
                    .intoArray(y, yOffset + i);
        }
        for (; i < n; i++) {
            y[yOffset + i] = (y[yOffset + i] + a0 * x[p0 + i]) + a1 * x[p1 + i];
        }
    }

    /** Four floats from x[p], widened exactly to four doubles. */
    private static DoubleVector widen(float[] x, int p) {
        return (DoubleVector) FloatVector.fromArray(F4, x, p).convertShape(VectorOperators.F2D, D4, 0);
    }

    /** ((v_0 + v_1) + (v_2 + v_3)) with v = (a0 + a1) + (a2 + a3), lane by lane. */
    private static double combine(DoubleVector a0, DoubleVector a1, DoubleVector a2, DoubleVector a3) {
        DoubleVector v = a0.add(a1).add(a2.add(a3));
        return (v.lane(0) + v.lane(1)) + (v.lane(2) + v.lane(3));
    }
}
