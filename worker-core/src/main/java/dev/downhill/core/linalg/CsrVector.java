package dev.downhill.core.linalg;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** The SIMD parts of {@link CsrProducts}; loaded only when {@link Kernels#simd()}. Lanes are outputs. */
final class CsrVector {
    private CsrVector() {}

    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    private static final int VL = S.length();

    /**
     * z[zi + o] for o below the returned bound (a multiple of VL): the chain over the row's stored values,
     * four vectors of outputs at a time so that four chains are in flight.
     */
    static int forwardRow(int from, int to, int[] indices, double[] dv, float[] fv, double[] wt, int outputs,
                          double[] z, int zi) {
        int o = 0;
        for (; o + 4 * VL <= outputs; o += 4 * VL) {
            DoubleVector a0 = DoubleVector.zero(S);
            DoubleVector a1 = a0;
            DoubleVector a2 = a0;
            DoubleVector a3 = a0;
            for (int q = from; q < to; q++) {
                DoubleVector v = DoubleVector.broadcast(S, dv != null ? dv[q] : (double) fv[q]);
                int base = indices[q] * outputs + o;
                a0 = v.fma(DoubleVector.fromArray(S, wt, base), a0);
                a1 = v.fma(DoubleVector.fromArray(S, wt, base + VL), a1);
                a2 = v.fma(DoubleVector.fromArray(S, wt, base + 2 * VL), a2);
                a3 = v.fma(DoubleVector.fromArray(S, wt, base + 3 * VL), a3);
            }
            a0.intoArray(z, zi + o);
            a1.intoArray(z, zi + o + VL);
            a2.intoArray(z, zi + o + 2 * VL);
            a3.intoArray(z, zi + o + 3 * VL);
        }
        for (; o + VL <= outputs; o += VL) {
            DoubleVector a0 = DoubleVector.zero(S);
            for (int q = from; q < to; q++) {
                DoubleVector v = DoubleVector.broadcast(S, dv != null ? dv[q] : (double) fv[q]);
                a0 = v.fma(DoubleVector.fromArray(S, wt, indices[q] * outputs + o), a0);
            }
            a0.intoArray(z, zi + o);
        }
        return o;
    }

    /** 256-bit vectors: the lanes of {@link CsrLinearProducts}, which pads the outputs to a multiple of 4. */
    private static final VectorSpecies<Double> S4 = DoubleVector.SPECIES_256;

    /**
     * {@link CsrLinearProducts#forward}: per row, up to 16 outputs (four vectors) in one pass over the row's stored
     * values, each lane one chain acc := acc + v wt (multiply, then add: the scalar dot's two roundings per term);
     * then + b. One pass per 16 outputs; the vectors stay in locals (an array of them would box).
     */
    static void forwardRowsAdd(int from, int to, int[] rowStart, int[] indices, double[] dv, float[] fv,
                               double[] wt, int outputs, double[] bias, int biasOffset, double[] z) {
        int kp = CsrLinearProducts.padded(outputs);
        double[] b = new double[kp];
        System.arraycopy(bias, biasOffset, b, 0, outputs);
        double[] row = new double[kp];
        for (int i = from; i < to; i++) {
            int start = rowStart[i];
            int end = rowStart[i + 1];
            for (int c = 0; c < kp; c += 16) {
                int n = Math.min(4, (kp - c) / 4);
                DoubleVector a0 = DoubleVector.zero(S4);
                DoubleVector a1 = a0;
                DoubleVector a2 = a0;
                DoubleVector a3 = a0;
                for (int q = start; q < end; q++) {
                    DoubleVector v = DoubleVector.broadcast(S4, dv != null ? dv[q] : (double) fv[q]);
                    int base = indices[q] * kp + c;
                    a0 = a0.add(v.mul(DoubleVector.fromArray(S4, wt, base)));
                    if (n > 1) {
                        a1 = a1.add(v.mul(DoubleVector.fromArray(S4, wt, base + 4)));
                        if (n > 2) {
                            a2 = a2.add(v.mul(DoubleVector.fromArray(S4, wt, base + 8)));
                            if (n > 3) {
                                a3 = a3.add(v.mul(DoubleVector.fromArray(S4, wt, base + 12)));
                            }
                        }
                    }
                }
                a0.add(DoubleVector.fromArray(S4, b, c)).intoArray(row, c);
                if (n > 1) {
                    a1.add(DoubleVector.fromArray(S4, b, c + 4)).intoArray(row, c + 4);
                }
                if (n > 2) {
                    a2.add(DoubleVector.fromArray(S4, b, c + 8)).intoArray(row, c + 8);
                }
                if (n > 3) {
                    a3.add(DoubleVector.fromArray(S4, b, c + 12)).intoArray(row, c + 12);
                }
            }
            System.arraycopy(row, 0, z, (i - from) * outputs, outputs);
        }
    }

    /**
     * {@link CsrLinearProducts#transposeMultiplyAdd}: per row and stored value, gt := gt + dz v, four outputs a
     * vector. The scalar path skips terms with dz = 0: a row whose dz has a zero lane blends the old lanes back
     * (rare; rows without one take the plain update).
     */
    static void transposeMultiplyAddRowsSkippingZeros(int from, int to, int[] rowStart, int[] indices, double[] dv,
                                                      float[] fv, double[] dz, int outputs, double[] gt) {
        int kp = CsrLinearProducts.padded(outputs);
        double[] a = new double[kp];
        for (int i = from; i < to; i++) {
            System.arraycopy(dz, (i - from) * outputs, a, 0, outputs);
            int zeros = 0;
            for (int o = 0; o < outputs; o++) {
                zeros += a[o] == 0.0 ? 1 : 0;
            }
            if (zeros == outputs) { // every term skipped (a row of weight 0, say)
                continue;
            }
            int start = rowStart[i];
            int end = rowStart[i + 1];
            if (zeros > 0) {
                for (int c = 0; c < kp; c += 4) {
                    DoubleVector da = DoubleVector.fromArray(S4, a, c);
                    VectorMask<Double> nonZero = da.compare(VectorOperators.NE, 0.0);
                    if (!nonZero.anyTrue()) {
                        continue;
                    }
                    for (int q = start; q < end; q++) {
                        double v = dv != null ? dv[q] : (double) fv[q];
                        int base = indices[q] * kp + c;
                        DoubleVector g = DoubleVector.fromArray(S4, gt, base);
                        g.blend(g.add(da.mul(v)), nonZero).intoArray(gt, base);
                    }
                }
                continue;
            }
            // padding lanes add 0 * v to 0: they stay 0
            for (int c = 0; c < kp; c += 16) {
                int n = Math.min(4, (kp - c) / 4);
                DoubleVector d0 = DoubleVector.fromArray(S4, a, c);
                DoubleVector d1 = n > 1 ? DoubleVector.fromArray(S4, a, c + 4) : d0;
                DoubleVector d2 = n > 2 ? DoubleVector.fromArray(S4, a, c + 8) : d0;
                DoubleVector d3 = n > 3 ? DoubleVector.fromArray(S4, a, c + 12) : d0;
                for (int q = start; q < end; q++) {
                    double v = dv != null ? dv[q] : (double) fv[q];
                    int base = indices[q] * kp + c;
                    DoubleVector.fromArray(S4, gt, base).add(d0.mul(v)).intoArray(gt, base);
                    if (n > 1) {
                        DoubleVector.fromArray(S4, gt, base + 4).add(d1.mul(v)).intoArray(gt, base + 4);
                        if (n > 2) {
                            DoubleVector.fromArray(S4, gt, base + 8).add(d2.mul(v)).intoArray(gt, base + 8);
                            if (n > 3) {
                                DoubleVector.fromArray(S4, gt, base + 12).add(d3.mul(v)).intoArray(gt, base + 12);
                            }
                        }
                    }
                }
            }
        }
    }

    /** y[yOff + o] := fma(x[xOff + o], a, y[yOff + o]) for o below the returned bound (a multiple of VL). */
    static int axpyFma(double a, double[] x, int xOff, double[] y, int yOff, int n) {
        DoubleVector va = DoubleVector.broadcast(S, a);
        int o = 0;
        for (; o + VL <= n; o += VL) {
            DoubleVector.fromArray(S, x, xOff + o).fma(va, DoubleVector.fromArray(S, y, yOff + o))
                    .intoArray(y, yOff + o);
        }
        return o;
    }
}
