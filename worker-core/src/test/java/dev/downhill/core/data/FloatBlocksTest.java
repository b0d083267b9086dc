package dev.downhill.core.data;

import static dev.downhill.core.TestData.gaussianVector;
import static dev.downhill.core.TestData.randomMatrix;
import static dev.downhill.core.TestData.randomWeights;
import static dev.downhill.core.TestData.roundedToFloat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.TestData;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * float32 blocks are float64 blocks of the rounded values: every kernel gives the same bits as the double
 * block holding (double) (float) x, since a float widens to double exactly and the kernels run in the same
 * order. The builder rounds each value once and picks the layout by the float32 sizes.
 */
class FloatBlocksTest {

    /** All kernels of a and b agree bit for bit. */
    private static void assertSameKernels(DataBlock a, DataBlock b, Random rnd) {
        int n = a.numRows();
        int d = a.numFeatures();
        int offset = 2;
        double[] w = gaussianVector(rnd, offset + d + 1, 1.0);
        for (int i = 0; i < n; i++) {
            assertEquals(bits(a.dot(i, w, offset)), bits(b.dot(i, w, offset)), "dot row " + i);
            assertEquals(bits(a.squaredNorm(i)), bits(b.squaredNorm(i)), "squared norm row " + i);
            double[] ga = gaussianVector(new Random(i), offset + d, 1.0);
            double[] gb = ga.clone();
            double s = rnd.nextGaussian();
            a.axpy(i, s, ga, offset);
            b.axpy(i, s, gb, offset);
            assertBitsEqual(ga, gb);
        }
        double[] za = new double[2 * n + 1];
        double[] zb = new double[2 * n + 1];
        a.multiply(w, offset, 0.25, za, 1, 2);
        b.multiply(w, offset, 0.25, zb, 1, 2);
        assertBitsEqual(za, zb);
        double[] coefficients = gaussianVector(rnd, 3 * n, 1.0);
        coefficients[3] = 0.0;
        double[] ga = gaussianVector(rnd, offset + d, 1.0);
        double[] gb = ga.clone();
        a.transposeMultiplyAdd(coefficients, 0, 3, ga, offset);
        b.transposeMultiplyAdd(coefficients, 0, 3, gb, offset);
        assertBitsEqual(ga, gb);
        double[] sa = new double[d];
        double[] qa = new double[d];
        double[] sb = new double[d];
        double[] qb = new double[d];
        a.addMoments(sa, qa);
        b.addMoments(sb, qb);
        assertBitsEqual(sa, sb);
        assertBitsEqual(qa, qb);
        assertEquals(a.storedValues(), b.storedValues());
        assertEquals(a.isDense(), b.isDense());
    }

    @Test
    void float32BlocksComputeExactlyWhatDoubleBlocksOfTheRoundedValuesCompute() {
        Random rnd = new Random(101);
        // d = 37 exercises the kernels' 16-, 4- and 1-element stages.
        int n = 23;
        int d = 37;
        for (boolean weighted : new boolean[] {false, true}) {
            double[] x = randomMatrix(rnd, n, d, 0.6);
            double[] y = TestData.classLabels(rnd, n, 2);
            double[] v = weighted ? randomWeights(rnd, n) : null;
            double[] rounded = roundedToFloat(x);
            assertSameKernels(TestData.dense(n, d, y, v, rounded), TestData.floatDense(n, d, y, v, x), rnd);
            assertSameKernels(TestData.sparse(n, d, y, v, rounded), TestData.floatSparse(n, d, y, v, x), rnd);
        }
    }

    @Test
    void builderRoundsEachValueOnceAndHalvesTheDenseBytes() {
        Random rnd = new Random(102);
        int n = 50;
        int d = 8;
        double[] x = randomMatrix(rnd, n, d, 1.0);
        BlockBuilder b64 = new BlockBuilder(d);
        BlockBuilder b32 = new BlockBuilder(d, FeaturePrecision.FLOAT32);
        for (int i = 0; i < n; i++) {
            double[] row = java.util.Arrays.copyOfRange(x, i * d, (i + 1) * d);
            b64.addDenseRow(i % 2, 1.0, row);
            b32.addDenseRow(i % 2, 1.0, row);
        }
        DataBlock block64 = b64.build();
        DataBlock block32 = b32.build();
        assertInstanceOf(DenseBlock.class, block64);
        assertInstanceOf(FloatDenseBlock.class, block32);
        // Labels stay 8 bytes each; values go from 8 to 4.
        assertEquals(8L * n * d + 8L * n, block64.payloadBytes());
        assertEquals(4L * n * d + 8L * n, block32.payloadBytes());
        double[] unit = new double[d];
        for (int i = 0; i < n; i++) {
            assertEquals(i % 2, block32.label(i));
            for (int j = 0; j < d; j++) {
                unit[j] = 1.0;
                assertEquals((double) (float) x[i * d + j], block32.dot(i, unit, 0), 0.0);
                unit[j] = 0.0;
            }
        }
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
        }
        assertSameKernels(TestData.dense(n, d, y, null, roundedToFloat(x)), block32, rnd);
    }

    @Test
    void float32LayoutSwitchesWhereDenseStopsCostingLessThanCsr() {
        // 4 bytes a dense value against 8 a stored non-zero (+4 a row): with d = 4, two stored values a row
        // cost 4 * 4 = 16 bytes dense and 2 * 8 + 4 = 20 as CSR, so dense; one costs 12 as CSR, so sparse.
        // float64 packs the two-value rows as CSR (32 dense against 28).
        for (FeaturePrecision precision : FeaturePrecision.values()) {
            BlockBuilder builder = new BlockBuilder(4, precision);
            for (int i = 0; i < 10; i++) {
                builder.addSparseRow(0.0, 1.0, new int[] {0, 3}, new double[] {1.5, -0.5}, 2);
            }
            DataBlock two = builder.build();
            assertEquals(precision == FeaturePrecision.FLOAT32, two.isDense());
            assertEquals(precision == FeaturePrecision.FLOAT32 ? FloatDenseBlock.class : SparseBlock.class, two.getClass());
            for (int i = 0; i < 10; i++) {
                builder.addSparseRow(0.0, 1.0, new int[] {2}, new double[] {3.0}, 1);
            }
            DataBlock one = builder.build();
            assertEquals(precision == FeaturePrecision.FLOAT32 ? FloatSparseBlock.class : SparseBlock.class, one.getClass());
            long bytesPerNonZero = precision == FeaturePrecision.FLOAT32 ? 8 : 12;
            assertEquals(bytesPerNonZero * 10 + 4L * 11 + 8L * 10, one.payloadBytes());
        }
    }

    @Test
    void valuesBeyondTheFloatRangeAreRefusedAndTheBlockIsUnchanged() {
        BlockBuilder builder = new BlockBuilder(3, FeaturePrecision.FLOAT32);
        builder.addDenseRow(1.0, 1.0, new double[] {1.0, 2.0, 3.0});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder.addDenseRow(0.0, 1.0, new double[] {0.0, 1e39, 0.0}));
        assertTrue(e.getMessage().contains("float32"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> builder.addSparseRow(0.0, 1.0, new int[] {1}, new double[] {-4e38}, 1));
        // The largest float itself fits; float64 takes anything finite.
        builder.addSparseRow(0.0, 1.0, new int[] {2}, new double[] {Float.MAX_VALUE}, 1);
        assertEquals(2, builder.numRows());
        BlockBuilder wide = new BlockBuilder(3);
        wide.addDenseRow(0.0, 1.0, new double[] {0.0, 1e39, 0.0});
        assertEquals(1e39, wide.build().dot(0, new double[] {0, 1, 0}, 0));
        assertEquals(Float.MAX_VALUE, builder.build().dot(1, new double[] {0, 0, 1}, 0));
    }

    @Test
    void float32BlocksSurviveJavaSerialization() throws Exception {
        Random rnd = new Random(103);
        double[] x = randomMatrix(rnd, 5, 4, 0.5);
        double[] y = {0, 1, 0, 1, 1};
        for (DataBlock block : List.of(TestData.floatDense(5, 4, y, null, x), TestData.floatSparse(5, 4, y, null, x))) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
                out.writeObject(block);
            }
            DataBlock copy;
            try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                    new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
                copy = (DataBlock) in.readObject();
            }
            assertSameKernels(block, copy, rnd);
        }
    }

    private static long bits(double v) {
        return Double.doubleToLongBits(v);
    }

    private static void assertBitsEqual(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length);
        for (int j = 0; j < expected.length; j++) {
            assertEquals(bits(expected[j]), bits(actual[j]), "entry " + j);
        }
    }
}
