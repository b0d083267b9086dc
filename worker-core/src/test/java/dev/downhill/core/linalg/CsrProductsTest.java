package dev.downhill.core.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The CSR products give the same bits with SIMD and scalar loops, for output counts around the vector widths
 * (below one vector, between, multiples of four vectors, and remainders), and equal Gemm's dense chains.
 */
class CsrProductsTest {

    @Test
    void simdScalarAndDenseGemmAgree() {
        Random r = new Random(3);
        int rows = 29;
        int d = 43;
        for (int outputs : new int[] {1, 3, 4, 7, 8, 10, 16, 31, 32, 33, 64, 65, 128, 130}) {
            int[] rowStart = new int[rows + 1];
            int[] idx = new int[rows * d];
            double[] val = new double[rows * d];
            float[] fval = new float[rows * d];
            double[] dense = new double[rows * d];
            int nnz = 0;
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < d; j++) {
                    if (r.nextInt(3) > 0) {
                        idx[nnz] = j;
                        fval[nnz] = (float) r.nextGaussian();
                        val[nnz] = fval[nnz];
                        dense[i * d + j] = val[nnz];
                        nnz++;
                    }
                }
                rowStart[i + 1] = nnz;
            }
            double[] w = gaussians(r, 2 + outputs * d);
            double[] dz = gaussians(r, rows * outputs);
            double[] g0 = gaussians(r, 1 + outputs * d);

            double[] zs = new double[rows * outputs];
            double[] zv = new double[rows * outputs];
            double[] zf = new double[rows * outputs];
            double[] zd = new double[rows * outputs];
            CsrProducts.multiplyTransposed(rows, d, rowStart, idx, val, null, w, 2, outputs, zs, false);
            CsrProducts.multiplyTransposed(rows, d, rowStart, idx, val, null, w, 2, outputs, zv, true);
            CsrProducts.multiplyTransposed(rows, d, rowStart, idx, null, fval, w, 2, outputs, zf, true);
            Gemm.multiplyTransposed(rows, outputs, d, dense, 0, d, w, 2, d, zd, 0, outputs, false);
            assertBits(zs, zv, "forward simd, outputs " + outputs);
            assertBits(zs, zf, "forward float32, outputs " + outputs);
            assertBits(zs, zd, "forward dense, outputs " + outputs);

            double[] gs = g0.clone();
            double[] gv = g0.clone();
            double[] gd = g0.clone();
            CsrProducts.transposeMultiplyAdd(rows, d, rowStart, idx, val, null, dz, outputs, gs, 1, false);
            CsrProducts.transposeMultiplyAdd(rows, d, rowStart, idx, val, null, dz, outputs, gv, 1, true);
            Gemm.transposedMultiplyAdd(outputs, d, rows, dz, 0, outputs, dense, 0, d, gd, 1, d);
            assertBits(gs, gv, "gradient simd, outputs " + outputs);
            assertBits(gs, gd, "gradient dense, outputs " + outputs);
        }
    }

    private static double[] gaussians(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian();
        }
        return v;
    }

    private static void assertBits(double[] expected, double[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Double.doubleToLongBits(expected[i]), Double.doubleToLongBits(actual[i]), what + " at " + i);
        }
    }
}
