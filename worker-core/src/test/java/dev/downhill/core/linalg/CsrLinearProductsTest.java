package dev.downhill.core.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * CsrLinearProducts computes a linear model's K outputs per CSR row in one pass; its results must be the bits of the
 * per-output scalar loops the linear path has always used (each dot multiply then add in stored order from +0,
 * then + b; each gradient entry its rows' terms in order, zero dz terms skipped), on the SIMD and the scalar path,
 * for K = 1 to 20 (padding lanes and a second pass of outputs included), float64 and float32 values.
 */
class CsrLinearProductsTest {
    private static final int D = 23;

    @Test
    void allOutputsAtOnceGiveThePerOutputLoopsBits() {
        Random rnd = new Random(11);
        int rows = 9;
        int[] rowStart = new int[rows + 1];
        int[] idx = new int[rows * D];
        double[] dv = new double[rows * D];
        float[] fv = new float[rows * D];
        int nnz = 0;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < D; j++) {
                if (i != 4 && rnd.nextDouble() < 0.4) { // row 4 stores nothing
                    idx[nnz] = j;
                    fv[nnz] = (float) rnd.nextGaussian();
                    dv[nnz] = i % 2 == 0 ? fv[nnz] : rnd.nextGaussian();
                    nnz++;
                }
            }
            rowStart[i + 1] = nnz;
        }
        // rows go in pairs of different lengths (and an empty one); a range of odd length ends with a lone row
        // up to 16 outputs share a pass (four vectors); 17 and 20 take a second one
        for (int k : new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 16, 17, 20}) {
            double[] w = new double[k * D + k];
            for (int j = 0; j < w.length; j++) {
                w[j] = rnd.nextGaussian();
            }
            double[] dz = new double[rows * k];
            for (int j = 0; j < dz.length; j++) {
                dz[j] = j % 3 == 0 ? 0.0 : rnd.nextGaussian(); // zero terms are skipped
            }
            double[] g0 = new double[k * D];
            for (int j = 0; j < g0.length; j++) {
                g0[j] = rnd.nextGaussian();
            }
            for (boolean floats : new boolean[] {false, true}) {
                double[] values = floats ? null : dv;
                float[] fvalues = floats ? fv : null;
                // the per-output loops (SparseBlock.dot + b, SparseBlock's transposeMultiplyAdd)
                double[] zRef = new double[rows * k];
                double[] gRef = g0.clone();
                for (int o = 0; o < k; o++) {
                    for (int i = 0; i < rows; i++) {
                        double s = 0.0;
                        for (int q = rowStart[i]; q < rowStart[i + 1]; q++) {
                            s += (floats ? (double) fv[q] : dv[q]) * w[o * D + idx[q]];
                        }
                        zRef[i * k + o] = s + w[k * D + o];
                        double a = dz[i * k + o];
                        if (a != 0.0) {
                            for (int q = rowStart[i]; q < rowStart[i + 1]; q++) {
                                gRef[o * D + idx[q]] += a * (floats ? (double) fv[q] : dv[q]);
                            }
                        }
                    }
                }
                double[] wt = new double[D * CsrLinearProducts.padded(k)];
                CsrLinearProducts.transpose(w, D, k, wt);
                for (boolean simd : Kernels.simd() ? new boolean[] {false, true} : new boolean[] {false}) {
                    String what = "K = " + k + (floats ? ", float32" : ", float64") + (simd ? ", SIMD" : ", scalar");
                    // rows 0..3 then 3..9: two calls over consecutive ranges, as the evaluator's chunks
                    double[] z = new double[rows * k];
                    double[] part = new double[rows * k];
                    CsrLinearProducts.forward(0, 3, rowStart, idx, values, fvalues, wt, k, w, k * D, part, simd);
                    System.arraycopy(part, 0, z, 0, 3 * k);
                    CsrLinearProducts.forward(3, rows, rowStart, idx, values, fvalues, wt, k, w, k * D, part, simd);
                    System.arraycopy(part, 0, z, 3 * k, (rows - 3) * k);
                    assertArrayEquals(zRef, z, what + " forward");

                    double[] gt = new double[D * CsrLinearProducts.padded(k)];
                    CsrLinearProducts.transpose(g0, D, k, gt);
                    double[] dzTail = java.util.Arrays.copyOfRange(dz, 3 * k, rows * k);
                    CsrLinearProducts.transposeMultiplyAdd(0, 3, rowStart, idx, values, fvalues, dz, k, gt, simd);
                    CsrLinearProducts.transposeMultiplyAdd(3, rows, rowStart, idx, values, fvalues, dzTail, k, gt,
                            simd);
                    double[] g = new double[k * D];
                    CsrLinearProducts.untranspose(gt, D, k, g);
                    assertArrayEquals(gRef, g, what + " weight gradient");
                }
            }
        }
        assertTrue(nnz > 20, "the block stores " + nnz + " values");
    }
}
