package dev.downhill.core.linalg;

/**
 * The two matrix products of a network's first layer over a CSR block X (rows x d; row i stores the pairs
 * (indices[q], values[q]) for rowStart[i] &lt;= q &lt; rowStart[i + 1], indices increasing), vectorized over the
 * layer's outputs:
 * <ul>
 *   <li>forward, Z = X W^T: z[i outputs + o] := fma chain over the row's stored values in index order,
 *       acc := fma(x_ij, w[wOffset + o d + j], acc) from +0;</li>
 *   <li>weight gradient, G += dZ^T X: g[gOffset + o d + j] := fma chain over rows i in increasing order,
 *       g := fma(dz[i outputs + o], x_ij, g) from the old g.</li>
 * </ul>
 * These are exactly {@link Gemm}'s chains with the zero terms left out, so a CSR block and a dense block of the
 * same data give the same values (fma(0, y, z) = z for finite y); float32 values are widened exactly. Each
 * output is its own chain (lanes never share a sum), so the SIMD and scalar paths give the same bits on every
 * vector width. W is transposed (resp. G's slice transposed and back) in a per-thread scratch, so that the
 * outputs of one feature are contiguous.
 */
public final class CsrProducts {
    private CsrProducts() {}

    private static final ThreadLocal<double[][]> SCRATCH = ThreadLocal.withInitial(() -> new double[1][0]);

    /** Forward product with float64 values. */
    public static void multiplyTransposed(int rows, int d, int[] rowStart, int[] indices, double[] values,
                                          double[] w, int wOffset, int outputs, double[] z) {
        multiplyTransposed(rows, d, rowStart, indices, values, null, w, wOffset, outputs, z, Kernels.simd());
    }

    /** Forward product with float32 values (widened exactly). */
    public static void multiplyTransposed(int rows, int d, int[] rowStart, int[] indices, float[] values,
                                          double[] w, int wOffset, int outputs, double[] z) {
        multiplyTransposed(rows, d, rowStart, indices, null, values, w, wOffset, outputs, z, Kernels.simd());
    }

    /** Weight gradient with float64 values. */
    public static void transposeMultiplyAdd(int rows, int d, int[] rowStart, int[] indices, double[] values,
                                            double[] dz, int outputs, double[] g, int gOffset) {
        transposeMultiplyAdd(rows, d, rowStart, indices, values, null, dz, outputs, g, gOffset, Kernels.simd());
    }

    /** Weight gradient with float32 values (widened exactly). */
    public static void transposeMultiplyAdd(int rows, int d, int[] rowStart, int[] indices, float[] values,
                                            double[] dz, int outputs, double[] g, int gOffset) {
        transposeMultiplyAdd(rows, d, rowStart, indices, null, values, dz, outputs, g, gOffset, Kernels.simd());
    }

    static void multiplyTransposed(int rows, int d, int[] rowStart, int[] indices, double[] dv, float[] fv,
                                   double[] w, int wOffset, int outputs, double[] z, boolean simd) {
        Gemm.checkMatrix("W", w.length, wOffset, outputs, d, d, 1);
        Gemm.checkMatrix("Z", z.length, 0, rows, outputs, outputs, 1);
        double[] wt = scratch(d * outputs);
        for (int o = 0; o < outputs; o++) {
            for (int j = 0; j < d; j++) {
                wt[j * outputs + o] = w[wOffset + o * d + j];
            }
        }
        for (int i = 0; i < rows; i++) {
            int zi = i * outputs;
            int from = rowStart[i];
            int to = rowStart[i + 1];
            int o = 0;
            if (simd) {
                o = CsrVector.forwardRow(from, to, indices, dv, fv, wt, outputs, z, zi);
            }
            for (; o < outputs; o++) {
                double acc = 0.0;
                for (int q = from; q < to; q++) {
                    acc = Math.fma(dv != null ? dv[q] : (double) fv[q], wt[indices[q] * outputs + o], acc);
                }
                z[zi + o] = acc;
            }
        }
    }

    static void transposeMultiplyAdd(int rows, int d, int[] rowStart, int[] indices, double[] dv, float[] fv,
                                     double[] dz, int outputs, double[] g, int gOffset, boolean simd) {
        Gemm.checkMatrix("dZ", dz.length, 0, rows, outputs, outputs, 1);
        Gemm.checkMatrix("G", g.length, gOffset, outputs, d, d, 1);
        double[] gt = scratch(d * outputs);
        for (int o = 0; o < outputs; o++) {
            for (int j = 0; j < d; j++) {
                gt[j * outputs + o] = g[gOffset + o * d + j];
            }
        }
        for (int i = 0; i < rows; i++) {
            int zi = i * outputs;
            for (int q = rowStart[i], to = rowStart[i + 1]; q < to; q++) {
                double v = dv != null ? dv[q] : (double) fv[q];
                int gj = indices[q] * outputs;
                int o = simd ? CsrVector.axpyFma(v, dz, zi, gt, gj, outputs) : 0;
                for (; o < outputs; o++) {
                    gt[gj + o] = Math.fma(dz[zi + o], v, gt[gj + o]);
                }
            }
        }
        for (int o = 0; o < outputs; o++) {
            for (int j = 0; j < d; j++) {
                g[gOffset + o * d + j] = gt[j * outputs + o];
            }
        }
    }

    private static double[] scratch(int size) {
        double[][] s = SCRATCH.get();
        if (s[0].length < size) {
            s[0] = new double[size];
        }
        return s[0];
    }
}
