package dev.downhill.core.linalg;

/**
 * A linear model's K output products over the rows of a CSR block, all K at once: with W's K rows of d
 * transposed into wt[j Kp + k] (Kp = K rounded up to {@link #LANES}, the padding 0), each stored value x_ij is
 * read once and feeds K independent sums, instead of K passes over the row that are each one serial chain.
 * <ul>
 *   <li>forward: z[(i - from) K + k] = (sum over the row's stored values in order of x_ij wt[j Kp + k], each
 *       term multiplied then added, from +0) + b_k: the bits of {@code SparseBlock.dot(i, w_k) + b_k};</li>
 *   <li>weight gradient: gt[j Kp + k] += dz_ik x_ij for the rows in order, a term with dz_ik = 0 skipped: the
 *       bits of {@code transposeMultiplyAdd} per output, in the transposed layout.</li>
 * </ul>
 * Lanes are outputs and never share a sum, so the SIMD and scalar paths agree bit for bit. The transposes are
 * copies ({@link #transpose}, {@link #untranspose}), done once per block by the caller.
 */
public final class CsrLinearProducts {
    private CsrLinearProducts() {}

    /** Outputs per vector in the SIMD path (256-bit vectors of doubles); Kp is a multiple of it. */
    public static final int LANES = 4;

    /** Kp: K rounded up to {@link #LANES}. */
    public static int padded(int outputs) {
        return (outputs + LANES - 1) / LANES * LANES;
    }

    /** t[j Kp + k] = m[k d + j] for the K rows of d of m (from offset 0), the padding lanes 0. */
    public static void transpose(double[] m, int d, int outputs, double[] t) {
        int kp = padded(outputs);
        java.util.Arrays.fill(t, 0, d * kp, 0.0);
        for (int k = 0; k < outputs; k++) {
            for (int j = 0; j < d; j++) {
                t[j * kp + k] = m[k * d + j];
            }
        }
    }

    /** m[k d + j] = t[j Kp + k]: {@link #transpose} undone. */
    public static void untranspose(double[] t, int d, int outputs, double[] m) {
        int kp = padded(outputs);
        for (int k = 0; k < outputs; k++) {
            for (int j = 0; j < d; j++) {
                m[k * d + j] = t[j * kp + k];
            }
        }
    }

    /**
     * Forward for rows [from, to) of a CSR block with float64 ({@code dv}) or float32 ({@code fv}) values: z as
     * above, b_k = bias[biasOffset + k].
     */
    public static void forward(int from, int to, int[] rowStart, int[] indices, double[] dv, float[] fv,
                               double[] wt, int outputs, double[] bias, int biasOffset, double[] z) {
        forward(from, to, rowStart, indices, dv, fv, wt, outputs, bias, biasOffset, z, Kernels.simd());
    }

    static void forward(int from, int to, int[] rowStart, int[] indices, double[] dv, float[] fv, double[] wt,
                        int outputs, double[] bias, int biasOffset, double[] z, boolean simd) {
        if (simd) {
            CsrVector.forwardRowsAdd(from, to, rowStart, indices, dv, fv, wt, outputs, bias, biasOffset, z);
            return;
        }
        int kp = padded(outputs);
        double[] acc = new double[outputs];
        for (int i = from; i < to; i++) {
            java.util.Arrays.fill(acc, 0.0);
            for (int q = rowStart[i], end = rowStart[i + 1]; q < end; q++) {
                double v = dv != null ? dv[q] : (double) fv[q];
                int base = indices[q] * kp;
                for (int k = 0; k < outputs; k++) {
                    acc[k] += v * wt[base + k];
                }
            }
            int zi = (i - from) * outputs;
            for (int k = 0; k < outputs; k++) {
                z[zi + k] = acc[k] + bias[biasOffset + k];
            }
        }
    }

    /** The weight gradient for rows [from, to), dz[(i - from) K + k] row i's dl/dz_k, into gt as above. */
    public static void transposeMultiplyAdd(int from, int to, int[] rowStart, int[] indices, double[] dv,
                                            float[] fv, double[] dz, int outputs, double[] gt) {
        transposeMultiplyAdd(from, to, rowStart, indices, dv, fv, dz, outputs, gt, Kernels.simd());
    }

    static void transposeMultiplyAdd(int from, int to, int[] rowStart, int[] indices, double[] dv, float[] fv,
                                     double[] dz, int outputs, double[] gt, boolean simd) {
        if (simd) {
            CsrVector.transposeMultiplyAddRowsSkippingZeros(from, to, rowStart, indices, dv, fv, dz, outputs, gt);
            return;
        }
        int kp = padded(outputs);
        for (int i = from; i < to; i++) {
            int zi = (i - from) * outputs;
            for (int q = rowStart[i], end = rowStart[i + 1]; q < end; q++) {
                double v = dv != null ? dv[q] : (double) fv[q];
                int base = indices[q] * kp;
                for (int k = 0; k < outputs; k++) {
                    double a = dz[zi + k];
                    if (a != 0.0) {
                        gt[base + k] += a * v;
                    }
                }
            }
        }
    }
}
