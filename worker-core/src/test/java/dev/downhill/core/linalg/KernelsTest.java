package dev.downhill.core.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The SIMD and scalar kernels give identical bits (so results do not depend on whether the Vector API is
 * present, nor on the machine's vector width), and both are accurate: dot within the standard bound
 * gamma_{n+1} sum |x_j w_j| (gamma_k = k u / (1 - k u), u = 2^-53) of the exact sum, computed in BigDecimal.
 */
class KernelsTest {
    private static final int[] LENGTHS = lengths();

    private static int[] lengths() {
        int[] n = new int[70 + 5];
        for (int i = 0; i < 70; i++) {
            n[i] = i;
        }
        int[] more = {100, 127, 128, 129, 1000};
        System.arraycopy(more, 0, n, 70, more.length);
        return n;
    }

    /** Values spanning six orders of magnitude and both signs, so a changed order of addition shows in the bits. */
    private static double[] values(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3);
        }
        return v;
    }

    private static float[] floats(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3));
        }
        return v;
    }

    @Test
    void theVectorApiIsUsedWhenItsModuleIsPresent() {
        // The build runs tests with --add-modules jdk.incubator.vector, as Spark's launcher does.
        assertEquals(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(), Kernels.simd());
    }

    @Test
    void dotOfDoublesHasTheSameBitsInBothImplementationsAndIsAccurate() {
        Random r = new Random(1);
        for (int n : LENGTHS) {
            for (int xOffset : new int[] {0, 3}) {
                int wOffset = 5 - xOffset;
                double[] x = values(r, n + xOffset + 2);
                double[] w = values(r, n + wOffset + 1);
                double scalar = ScalarKernels.dot(x, xOffset, w, wOffset, n);
                double vector = VectorKernels.dot(x, xOffset, w, wOffset, n);
                assertEquals(Double.doubleToLongBits(scalar), Double.doubleToLongBits(vector), "n = " + n);
                BigDecimal exact = BigDecimal.ZERO;
                double absSum = 0.0;
                for (int j = 0; j < n; j++) {
                    exact = exact.add(new BigDecimal(x[xOffset + j]).multiply(new BigDecimal(w[wOffset + j])));
                    absSum += Math.abs(x[xOffset + j] * w[wOffset + j]);
                }
                double u = Math.ulp(1.0) / 2;
                // gamma_{n+1}: the n roundings of the sum plus the one of the exact value to a double.
                double gamma = (n + 1) * u / (1 - (n + 1) * u);
                assertEquals(exact.doubleValue(), scalar, gamma * absSum + Double.MIN_VALUE,
                        "n = " + n);
            }
        }
    }

    @Test
    void dotOfFloatsIsTheDotOfTheWidenedValues() {
        Random r = new Random(2);
        for (int n : LENGTHS) {
            float[] x = floats(r, n + 1);
            double[] w = values(r, n + 2);
            double[] widened = new double[x.length];
            for (int j = 0; j < x.length; j++) {
                widened[j] = x[j];
            }
            long expected = Double.doubleToLongBits(ScalarKernels.dot(widened, 1, w, 2, n));
            assertEquals(expected, Double.doubleToLongBits(ScalarKernels.dot(x, 1, w, 2, n)), "n = " + n);
            assertEquals(expected, Double.doubleToLongBits(VectorKernels.dot(x, 1, w, 2, n)), "n = " + n);
        }
    }

    @Test
    void axpyHasTheSameBitsInBothImplementationsAsTheElementwiseFormula() {
        Random r = new Random(3);
        for (int n : LENGTHS) {
            double a = r.nextGaussian();
            double[] x = values(r, n + 3);
            float[] xf = floats(r, n + 3);
            double[] y0 = values(r, n + 1);
            double[] expected = y0.clone();
            double[] expectedF = y0.clone();
            for (int j = 0; j < n; j++) {
                expected[1 + j] = y0[1 + j] + a * x[3 + j];
                expectedF[1 + j] = y0[1 + j] + a * (double) xf[3 + j];
            }
            double[] ys = y0.clone();
            double[] yv = y0.clone();
            ScalarKernels.axpy(a, x, 3, ys, 1, n);
            VectorKernels.axpy(a, x, 3, yv, 1, n);
            assertBitsEqual(expected, ys);
            assertBitsEqual(expected, yv);
            ys = y0.clone();
            yv = y0.clone();
            ScalarKernels.axpy(a, xf, 3, ys, 1, n);
            VectorKernels.axpy(a, xf, 3, yv, 1, n);
            assertBitsEqual(expectedF, ys);
            assertBitsEqual(expectedF, yv);
        }
    }

    @Test
    void rowKernelsHaveTheBitsOfOneDotOrAxpyPerRow() {
        Random r = new Random(4);
        for (int n : LENGTHS) {
            for (int rows : new int[] {0, 1, 2, 5, 8}) {
                int stride = n + 3;
                double[] x = values(r, 2 + rows * stride);
                double[] w = values(r, n + 1);
                double bias = r.nextGaussian();
                double[] expected = new double[2 * rows + 1];
                for (int i = 0; i < rows; i++) {
                    expected[1 + 2 * i] = ScalarKernels.dot(x, 2 + i * stride, w, 1, n) + bias;
                }
                double[] z = new double[expected.length];
                VectorKernels.dotRows(x, 2, stride, rows, w, 1, n, bias, z, 1, 2);
                assertBitsEqual(expected, z);
                z = new double[expected.length];
                Kernels.dotRows(x, 2, stride, rows, w, 1, n, bias, z, 1, 2);
                assertBitsEqual(expected, z);

                // Some a_r zero, so both the paired and the single-row paths run.
                double[] a = values(r, 1 + 2 * rows);
                for (int i = 0; i < rows; i++) {
                    if (r.nextInt(3) == 0) {
                        a[1 + 2 * i] = 0.0;
                    }
                }
                double[] y0 = values(r, n + 2);
                double[] y = y0.clone();
                for (int i = 0; i < rows; i++) {
                    if (a[1 + 2 * i] != 0.0) {
                        ScalarKernels.axpy(a[1 + 2 * i], x, 2 + i * stride, y, 2, n);
                    }
                }
                double[] got = y0.clone();
                Kernels.axpyRows(a, 1, 2, x, 2, stride, rows, got, 2, n);
                assertBitsEqual(y, got);
            }
        }
    }

    @Test
    void rangesOutsideTheArraysAreRejected() {
        double[] x = new double[10];
        double[] w = new double[10];
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.dot(x, 2, w, 0, 9));
        assertThrows(IndexOutOfBoundsException.class, () -> ScalarKernels.dot(x, 0, w, 2, 9));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorKernels.axpy(1.0, x, 0, w, 3, 8));
        assertThrows(IndexOutOfBoundsException.class, () -> ScalarKernels.axpy(1.0, new float[4], 0, w, 0, 5));
        assertTrue(Double.isFinite(Kernels.dot(x, 0, w, 0, 10)));
    }

    private static void assertBitsEqual(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length);
        for (int j = 0; j < expected.length; j++) {
            assertEquals(Double.doubleToLongBits(expected[j]), Double.doubleToLongBits(actual[j]), "entry " + j);
        }
    }
}
