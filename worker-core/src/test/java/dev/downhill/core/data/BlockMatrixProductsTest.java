package dev.downhill.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast block-matrix products (Gemm for dense blocks, CSR kernels for sparse ones) against DataBlock's
 * default loops over dot and axpy, for all four block classes: within 2 gamma_{d+1} sum |x w| of the default
 * (both are recursive sums, each within gamma_{d+1} of the exact value; their orders differ: the default's dot
 * uses 16 partial sums and axpy rounds the product, the fast ones one fma chain). Between layouts the fast
 * products agree exactly: dense and CSR blocks of the same data give equal values, float32 blocks the bits
 * of float64 blocks holding the widened values.
 */
class BlockMatrixProductsTest {
    private static final int ROWS = 53;
    private static final int D = 71;
    private static final int OUTPUTS = 37;

    /** DataBlock's default matrix products over another block's row kernels. */
    private static final class DefaultLoops extends DataBlock {
        private static final long serialVersionUID = 1L;
        private final DataBlock b;

        DefaultLoops(DataBlock b) {
            super(b.numRows(), b.numFeatures(), new double[b.numRows()], null);
            this.b = b;
        }

        @Override public double dot(int row, double[] w, int offset) {
            return b.dot(row, w, offset);
        }

        @Override public void axpy(int row, double a, double[] g, int offset) {
            b.axpy(row, a, g, offset);
        }

        @Override public void multiply(double[] w, int wOffset, double bias, double[] z, int zOffset, int zStride) {
            throw new UnsupportedOperationException();
        }

        @Override public void transposeMultiplyAdd(double[] a, int aOffset, int aStride, double[] g, int gOffset) {
            throw new UnsupportedOperationException();
        }

        @Override public double squaredNorm(int row) {
            return b.squaredNorm(row);
        }

        @Override public void addMoments(double[] sum, double[] sumSquares) {
            throw new UnsupportedOperationException();
        }

        @Override public void addOuterProducts(double[] center, double[] upper) {
            throw new UnsupportedOperationException();
        }

        @Override public boolean isDense() {
            return b.isDense();
        }

        @Override public long storedValues() {
            return b.storedValues();
        }

        @Override public long payloadBytes() {
            return b.payloadBytes();
        }
    }

    /** About half the values zero (image-like), the others over three orders of magnitude. */
    private static double[][] data(Random r) {
        double[][] x = new double[ROWS][D];
        for (double[] row : x) {
            for (int j = 0; j < D; j++) {
                row[j] = r.nextBoolean() ? 0.0 : r.nextGaussian() * Math.pow(10, r.nextInt(3) - 1);
            }
        }
        return x;
    }

    private static DataBlock dense(double[][] x, boolean float32) {
        double[] labels = new double[ROWS];
        if (float32) {
            float[] v = new float[ROWS * D];
            for (int i = 0; i < ROWS; i++) {
                for (int j = 0; j < D; j++) {
                    v[i * D + j] = (float) x[i][j];
                }
            }
            return new FloatDenseBlock(ROWS, D, labels, null, v);
        }
        double[] v = new double[ROWS * D];
        for (int i = 0; i < ROWS; i++) {
            System.arraycopy(x[i], 0, v, i * D, D);
        }
        return new DenseBlock(ROWS, D, labels, null, v);
    }

    private static DataBlock sparse(double[][] x, boolean float32) {
        int[] rowStart = new int[ROWS + 1];
        int nnz = 0;
        for (int i = 0; i < ROWS; i++) {
            for (int j = 0; j < D; j++) {
                nnz += x[i][j] != 0.0 ? 1 : 0;
            }
            rowStart[i + 1] = nnz;
        }
        int[] idx = new int[nnz];
        double[] dv = new double[nnz];
        float[] fv = new float[nnz];
        int q = 0;
        for (int i = 0; i < ROWS; i++) {
            for (int j = 0; j < D; j++) {
                if (x[i][j] != 0.0) {
                    idx[q] = j;
                    dv[q] = x[i][j];
                    fv[q++] = (float) x[i][j];
                }
            }
        }
        double[] labels = new double[ROWS];
        return float32 ? new FloatSparseBlock(ROWS, D, labels, null, rowStart, idx, fv)
                : new SparseBlock(ROWS, D, labels, null, rowStart, idx, dv);
    }

    private static double[] gaussians(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian();
        }
        return v;
    }

    private static double gamma(int k) {
        double u = Math.ulp(1.0) / 2;
        return k * u / (1 - k * u);
    }

    @Test
    void fastProductsMatchTheDefaultLoopsOnEveryBlockClass() {
        Random r = new Random(5);
        double[][] x = data(r);
        int wOffset = 3;
        double[] w = gaussians(r, wOffset + OUTPUTS * D + 2);
        double[] dz = gaussians(r, ROWS * OUTPUTS);
        double[] g0 = gaussians(r, 4 + OUTPUTS * D + 1);
        for (boolean float32 : new boolean[] {false, true}) {
            for (DataBlock block : List.of(dense(x, float32), sparse(x, float32))) {
                String name = block.getClass().getSimpleName();
                DataBlock ref = new DefaultLoops(block);
                double[] z = new double[ROWS * OUTPUTS];
                double[] zRef = new double[ROWS * OUTPUTS];
                block.multiplyTransposed(w, wOffset, OUTPUTS, z);
                ref.multiplyTransposed(w, wOffset, OUTPUTS, zRef);
                for (int i = 0; i < ROWS; i++) {
                    for (int o = 0; o < OUTPUTS; o++) {
                        double abs = 0;
                        for (int j = 0; j < D; j++) {
                            abs += Math.abs(xValue(x, i, j, float32) * w[wOffset + o * D + j]);
                        }
                        double diff = Math.abs(z[i * OUTPUTS + o] - zRef[i * OUTPUTS + o]);
                        assertTrue(diff <= 2 * gamma(D + 1) * abs, name + " z(" + i + "," + o + ") off by " + diff);
                    }
                }
                double[] g = g0.clone();
                double[] gRef = g0.clone();
                block.transposeMultiplyAddMatrix(dz, OUTPUTS, g, 4);
                ref.transposeMultiplyAddMatrix(dz, OUTPUTS, gRef, 4);
                for (int t = 0; t < g.length; t++) {
                    int rel = t - 4;
                    if (rel < 0 || rel >= OUTPUTS * D) {
                        assertEquals(g0[t], g[t], name + ": g outside the matrix changed at " + t);
                        continue;
                    }
                    int o = rel / D;
                    int j = rel % D;
                    double abs = Math.abs(g0[t]);
                    for (int i = 0; i < ROWS; i++) {
                        abs += Math.abs(dz[i * OUTPUTS + o] * xValue(x, i, j, float32));
                    }
                    double diff = Math.abs(g[t] - gRef[t]);
                    assertTrue(diff <= 2 * gamma(ROWS + 1) * abs, name + " g(" + o + "," + j + ") off by " + diff);
                }
            }
        }
    }

    private static double xValue(double[][] x, int i, int j, boolean float32) {
        return float32 ? (float) x[i][j] : x[i][j];
    }

    @Test
    void denseAndCsrBlocksOfTheSameDataGiveEqualValuesAndFloat32TheWidenedBits() {
        Random r = new Random(6);
        double[][] x = data(r);
        double[][] xf = new double[ROWS][D];
        for (int i = 0; i < ROWS; i++) {
            for (int j = 0; j < D; j++) {
                xf[i][j] = (float) x[i][j];
            }
        }
        double[] w = gaussians(r, OUTPUTS * D);
        double[] dz = gaussians(r, ROWS * OUTPUTS);
        double[] g0 = gaussians(r, OUTPUTS * D);
        List<DataBlock> doubles = List.of(dense(x, false), sparse(x, false));
        List<DataBlock> all = List.of(dense(xf, false), sparse(xf, false), dense(x, true), sparse(x, true));
        checkEqualProducts(doubles, w, dz, g0);
        checkEqualProducts(all, w, dz, g0);
    }

    /** The blocks' products are equal as values (a zero's sign aside), entry by entry. */
    private static void checkEqualProducts(List<DataBlock> blocks, double[] w, double[] dz, double[] g0) {
        double[] z0 = null;
        double[] gFirst = null;
        for (DataBlock b : blocks) {
            double[] z = new double[ROWS * OUTPUTS];
            b.multiplyTransposed(w, 0, OUTPUTS, z);
            double[] g = g0.clone();
            b.transposeMultiplyAddMatrix(dz, OUTPUTS, g, 0);
            if (z0 == null) {
                z0 = z;
                gFirst = g;
                continue;
            }
            for (int t = 0; t < z.length; t++) {
                assertEquals(z0[t], z[t], 0.0, b.getClass().getSimpleName() + " z at " + t);
            }
            for (int t = 0; t < g.length; t++) {
                assertEquals(gFirst[t], g[t], 0.0, b.getClass().getSimpleName() + " g at " + t);
            }
        }
    }
}
