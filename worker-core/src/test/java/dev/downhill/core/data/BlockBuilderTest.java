package dev.downhill.core.data;

import static dev.downhill.core.TestData.gaussianVector;
import static dev.downhill.core.TestData.randomMatrix;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.TestData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BlockBuilderTest {

    @Test
    void denseRowsArePackedAsDenseBlock() {
        Random rnd = new Random(81);
        BlockBuilder builder = new BlockBuilder(5);
        for (int i = 0; i < 10; i++) {
            builder.addDenseRow(i, 1.0, gaussianVector(rnd, 5, 1.0));
        }
        DataBlock block = builder.build();
        assertInstanceOf(DenseBlock.class, block);
        assertEquals(10, block.numRows());
        assertEquals(5, block.numFeatures());
        assertEquals(50, block.storedValues());
    }

    @Test
    void sparseRowsWithTwoNonZerosOfHundredFeaturesArePackedAsSparseBlock() {
        BlockBuilder builder = new BlockBuilder(100);
        for (int i = 0; i < 10; i++) {
            builder.addSparseRow(1.0, 1.0, new int[] {i, 50 + i}, new double[] {1.5, -2.0}, 2);
        }
        DataBlock block = builder.build();
        assertInstanceOf(SparseBlock.class, block);
        assertEquals(20, block.storedValues());
        assertEquals(100, block.numFeatures());
        // A dense-form row with the same two non-zeros is just as sparse.
        double[] row = new double[100];
        row[3] = 1.0;
        row[97] = 2.0;
        builder.addDenseRow(0.0, 1.0, row);
        assertInstanceOf(SparseBlock.class, builder.build());
    }

    @Test
    void layoutSwitchesWhereDenseStopsCostingLessThanCsr() {
        // 8 bytes per dense value against 12 per stored non-zero (+4 per row start): 2 of 3 features stored
        // is dense, 1 of 3 is sparse.
        BlockBuilder builder = new BlockBuilder(3);
        for (int i = 0; i < 20; i++) {
            builder.addSparseRow(0.0, 1.0, new int[] {0, 2}, new double[] {1.0, 1.0}, 2);
        }
        assertInstanceOf(DenseBlock.class, builder.build());
        for (int i = 0; i < 20; i++) {
            builder.addSparseRow(0.0, 1.0, new int[] {1}, new double[] {1.0}, 1);
        }
        assertInstanceOf(SparseBlock.class, builder.build());
    }

    @Test
    void denseAndSparsePackingOfTheSameRowsGiveTheSameKernelResults() {
        Random rnd = new Random(82);
        int n = 8;
        int d = 6;
        double[] x = randomMatrix(rnd, n, d, 0.5);
        double[] y = gaussianVector(rnd, n, 1.0);
        DataBlock denseBlock = TestData.dense(n, d, y, null, x);
        DataBlock sparseBlock = TestData.sparse(n, d, y, null, x);
        int offset = 3;
        double[] w = gaussianVector(rnd, offset + d + 2, 1.0);
        for (int i = 0; i < n; i++) {
            double expectedDot = 0.0;
            double expectedNorm = 0.0;
            for (int j = 0; j < d; j++) {
                expectedDot += x[i * d + j] * w[offset + j];
                expectedNorm += x[i * d + j] * x[i * d + j];
            }
            // A dense row is summed in the kernel's 16-way order (Kernels), a sparse one left to right, so
            // the two dots agree to rounding: within n u sum_j |x_j w_j|.
            double absSum = 0.0;
            for (int j = 0; j < d; j++) {
                absSum += Math.abs(x[i * d + j] * w[offset + j]);
            }
            assertEquals(denseBlock.dot(i, w, offset), sparseBlock.dot(i, w, offset), 2 * d * 0x1p-53 * absSum);
            assertEquals(expectedDot, denseBlock.dot(i, w, offset), 1e-14);
            assertEquals(denseBlock.squaredNorm(i), sparseBlock.squaredNorm(i), 0.0);
            assertEquals(expectedNorm, denseBlock.squaredNorm(i), 1e-14);

            double[] g1 = gaussianVector(new Random(i), offset + d + 2, 1.0);
            double[] g2 = g1.clone();
            double[] expected = g1.clone();
            double a = rnd.nextGaussian();
            denseBlock.axpy(i, a, g1, offset);
            sparseBlock.axpy(i, a, g2, offset);
            for (int j = 0; j < d; j++) {
                expected[offset + j] += a * x[i * d + j];
            }
            for (int j = 0; j < g1.length; j++) {
                assertEquals(g1[j], g2[j], 0.0, "axpy entry " + j);
                assertEquals(expected[j], g1[j], 0.0, "axpy entry " + j);
            }
        }
    }

    @Test
    void builderOutputMatchesTheRowsItWasGiven() {
        // Through the builder, whatever layout it picks, rows read back as given.
        Random rnd = new Random(83);
        for (double density : new double[] {1.0, 0.1}) {
            int n = 200; // more than the initial capacity of 64 rows and 256 values
            int d = 10;
            double[] x = randomMatrix(rnd, n, d, density);
            BlockBuilder builder = new BlockBuilder(d);
            for (int i = 0; i < n; i++) {
                double[] row = new double[d];
                System.arraycopy(x, i * d, row, 0, d);
                builder.addDenseRow(i, 1.0, row);
            }
            DataBlock block = builder.build();
            DataBlock reference = TestData.dense(n, d, new double[n], null, x);
            double[] w = gaussianVector(rnd, d, 1.0);
            for (int i = 0; i < n; i++) {
                assertEquals(i, block.label(i), 0.0);
                // Same layout (dense) bit for bit; CSR sums in another order, equal to rounding.
                assertEquals(reference.dot(i, w, 0), block.dot(i, w, 0),
                        block instanceof DenseBlock ? 0.0 : 1e-14 * (1 + Math.abs(reference.dot(i, w, 0))));
                assertEquals(reference.squaredNorm(i), block.squaredNorm(i), 0.0);
            }
        }
    }

    @Test
    void allUnitWeightsAreDroppedAndOtherWeightsKept() {
        BlockBuilder builder = new BlockBuilder(2);
        builder.addDenseRow(0.0, 1.0, new double[] {1, 2});
        builder.addDenseRow(1.0, 1.0, new double[] {3, 4});
        DataBlock unweighted = builder.build();
        assertFalse(unweighted.hasWeights());
        assertEquals(1.0, unweighted.weight(1), 0.0);

        builder.addDenseRow(0.0, 1.0, new double[] {1, 2});
        builder.addDenseRow(1.0, 2.5, new double[] {3, 4});
        DataBlock weighted = builder.build();
        assertTrue(weighted.hasWeights());
        assertEquals(1.0, weighted.weight(0), 0.0);
        assertEquals(2.5, weighted.weight(1), 0.0);
        // Weights cost a second array of row-sized doubles.
        assertEquals(unweighted.payloadBytes() + 8L * 2, weighted.payloadBytes());
    }

    @Test
    void outOfRangeOrNonIncreasingIndicesAreRejected() {
        BlockBuilder builder = new BlockBuilder(10);
        double[] v = {1.0, 2.0, 3.0};
        assertThrows(IllegalArgumentException.class, () -> builder.addSparseRow(0, 1, new int[] {10}, v, 1));
        assertThrows(IllegalArgumentException.class, () -> builder.addSparseRow(0, 1, new int[] {-1}, v, 1));
        assertThrows(IllegalArgumentException.class, () -> builder.addSparseRow(0, 1, new int[] {3, 3}, v, 2));
        assertThrows(IllegalArgumentException.class, () -> builder.addSparseRow(0, 1, new int[] {4, 2}, v, 2));
        assertThrows(IllegalArgumentException.class, () -> builder.addDenseRow(0, 1, new double[9]));
        assertThrows(IllegalArgumentException.class, () -> new BlockBuilder(-1));
        assertEquals(0, builder.numRows(), "a rejected row must not be counted");
    }

    @Test
    void explicitZerosAreDroppedAndOnlyCountEntriesRead() {
        BlockBuilder builder = new BlockBuilder(50);
        // The trailing entry is beyond count and must be ignored (it is even out of order).
        builder.addSparseRow(1.0, 1.0, new int[] {2, 7, 9, 1}, new double[] {0.0, 3.0, 4.0, 99.0}, 3);
        DataBlock block = builder.build();
        assertEquals(2, block.storedValues());
        assertEquals(25.0, block.squaredNorm(0), 0.0);
    }

    @Test
    void builderReuseAfterBuildStartsAFreshBlock() {
        BlockBuilder builder = new BlockBuilder(100);
        double[] full = new double[100];
        java.util.Arrays.fill(full, 0.5);
        builder.addDenseRow(7.0, 3.0, full);
        builder.addDenseRow(8.0, 1.0, full);
        DataBlock first = builder.build();
        assertEquals(0, builder.numRows());

        builder.addSparseRow(1.0, 1.0, new int[] {4}, new double[] {2.0}, 1);
        DataBlock second = builder.build();
        assertEquals(1, second.numRows());
        assertEquals(1.0, second.label(0), 0.0);
        assertFalse(second.hasWeights(), "the earlier block's weight 3 must not carry over");
        assertEquals(1, second.storedValues());
        assertEquals(4.0, second.squaredNorm(0), 0.0);
        assertInstanceOf(SparseBlock.class, second);

        // The first block is not disturbed by what the builder did afterwards.
        assertInstanceOf(DenseBlock.class, first);
        assertEquals(2, first.numRows());
        assertEquals(7.0, first.label(0), 0.0);
        assertEquals(3.0, first.weight(0), 0.0);
        assertEquals(25.0, first.squaredNorm(1), 0.0);
    }

    @Test
    void payloadBytesCountTheArraysOfEachLayout() {
        DataBlock dense = TestData.dense(3, 4, new double[3], null, new double[12]);
        assertEquals(8L * 12 + 8L * 3, dense.payloadBytes());
        double[] x = {1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 3};
        DataBlock sparse = TestData.sparse(3, 4, new double[3], new double[] {1, 2, 3}, x);
        assertEquals(12L * 3 + 4L * 4 + 16L * 3, sparse.payloadBytes());
    }

    @Test
    void blocksSurviveJavaSerialization() throws Exception {
        // Blocks are shipped to and cached by executors.
        Random rnd = new Random(84);
        int n = 5;
        int d = 4;
        double[] x = randomMatrix(rnd, n, d, 0.5);
        double[] w = gaussianVector(rnd, d, 1.0);
        for (DataBlock block : List.of(TestData.dense(n, d, new double[n], null, x),
                TestData.sparse(n, d, new double[n], TestData.randomWeights(rnd, n), x))) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(block);
            }
            DataBlock copy;
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                copy = (DataBlock) in.readObject();
            }
            assertEquals(block.getClass(), copy.getClass());
            assertEquals(block.hasWeights(), copy.hasWeights());
            for (int i = 0; i < n; i++) {
                assertEquals(block.dot(i, w, 0), copy.dot(i, w, 0), 0.0);
                assertEquals(block.weight(i), copy.weight(i), 0.0);
            }
        }
    }

    @Test
    void blockConstructorsRejectInconsistentArrays() {
        assertThrows(IllegalArgumentException.class, () -> new DenseBlock(2, 3, new double[2], null, new double[5]));
        assertThrows(IllegalArgumentException.class, () -> new DenseBlock(2, 3, new double[3], null, new double[6]));
        assertThrows(IllegalArgumentException.class, () -> new DenseBlock(2, 3, new double[2], new double[1], new double[6]));
        assertThrows(IllegalArgumentException.class,
                () -> new SparseBlock(2, 3, new double[2], null, new int[] {0, 1}, new int[] {0}, new double[] {1}));
        assertThrows(IllegalArgumentException.class,
                () -> new SparseBlock(2, 3, new double[2], null, new int[] {0, 1, 2}, new int[] {0}, new double[] {1}));
    }

    @Test
    void rowKeysAreCarriedIntoEveryLayoutAndCountedInPayloadBytes() {
        for (FeaturePrecision precision : FeaturePrecision.values()) {
            for (boolean dense : new boolean[] {true, false}) {
                BlockBuilder keyed = new BlockBuilder(50, precision);
                BlockBuilder plain = new BlockBuilder(50, precision);
                for (int i = 0; i < 4; i++) {
                    double[] row = new double[50];
                    for (int j = 0; j < 50; j++) {
                        row[j] = dense || j == i ? 1.0 + j : 0.0;
                    }
                    keyed.addDenseRow(i, 1.0, row, 1000L + 7 * i);
                    plain.addDenseRow(i, 1.0, row);
                }
                DataBlock withKeys = keyed.build();
                DataBlock without = plain.build();
                assertEquals(dense, withKeys.isDense());
                assertTrue(withKeys.hasRowKeys());
                assertFalse(without.hasRowKeys());
                for (int i = 0; i < 4; i++) {
                    assertEquals(1000L + 7 * i, withKeys.rowKey(i));
                    assertEquals(i, without.rowKey(i), "without keys: the index in the block");
                }
                assertEquals(without.payloadBytes() + 8L * 4, withKeys.payloadBytes());
            }
        }
    }

    @Test
    void sparseRowsTakeKeysAndTheBuilderStartsEachBlockAfresh() {
        BlockBuilder builder = new BlockBuilder(10);
        builder.addSparseRow(1, 1, new int[] {2}, new double[] {3.0}, 1, -5L);
        builder.addSparseRow(0, 1, new int[] {4}, new double[] {1.0}, 1, Long.MAX_VALUE);
        DataBlock first = builder.build();
        assertEquals(-5L, first.rowKey(0));
        assertEquals(Long.MAX_VALUE, first.rowKey(1));
        builder.addSparseRow(1, 1, new int[] {2}, new double[] {3.0}, 1);
        DataBlock second = builder.build();
        assertFalse(second.hasRowKeys(), "keys do not leak into the next block");
        // 70 keyed rows: the key array grows with the others.
        for (int i = 0; i < 70; i++) {
            builder.addSparseRow(0, 1, new int[] {i % 10}, new double[] {1.0}, 1, 3L * i);
        }
        DataBlock grown = builder.build();
        for (int i = 0; i < 70; i++) {
            assertEquals(3L * i, grown.rowKey(i));
        }
    }

    @Test
    void aBlockMixingKeyedAndUnkeyedRowsIsRefused() {
        BlockBuilder builder = new BlockBuilder(3);
        builder.addDenseRow(0, 1, new double[3], 1L);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder.addDenseRow(0, 1, new double[3]));
        assertTrue(e.getMessage().contains("row keys"), e.getMessage());
        assertEquals(1, builder.numRows(), "the refused row was not added");
        BlockBuilder other = new BlockBuilder(3);
        other.addSparseRow(0, 1, new int[0], new double[0], 0);
        assertThrows(IllegalArgumentException.class, () -> other.addSparseRow(0, 1, new int[0], new double[0], 0, 9L));
    }
}
