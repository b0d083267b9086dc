package dev.downhill.core.linalg;

import jdk.incubator.vector.DoubleVector;
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
