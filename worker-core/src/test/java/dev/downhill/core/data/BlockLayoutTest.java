package dev.downhill.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The builder's layout rules: by bytes (the default) half-zero float64 data is CSR, for matrix products it is
 * dense; the matrix-product rule switches at {@link BlockLayout#MATRIX_PRODUCT_DENSITY}; DENSE and SPARSE force
 * a layout; the rows are the same whatever the layout.
 */
class BlockLayoutTest {
    private static final int ROWS = 20;
    private static final int D = 50;

    /** A block whose rows have exactly {@code perRow} non-zero values out of D. */
    private static DataBlock build(BlockLayout layout, FeaturePrecision precision, int perRow) {
        Random r = new Random(perRow);
        BlockBuilder b = new BlockBuilder(D, precision, layout);
        for (int i = 0; i < ROWS; i++) {
            double[] row = new double[D];
            for (int j = 0; j < perRow; j++) {
                row[(j * 7 + i) % D] = 0.5 + r.nextDouble();
            }
            b.addDenseRow(i, 1.0, row);
        }
        return b.build();
    }

    @Test
    void halfZeroDataIsCsrByBytesButDenseForMatrixProducts() {
        assertInstanceOf(SparseBlock.class, build(BlockLayout.SMALLEST, FeaturePrecision.FLOAT64, D / 2));
        assertInstanceOf(DenseBlock.class, build(BlockLayout.FOR_MATRIX_PRODUCTS, FeaturePrecision.FLOAT64, D / 2));
        assertInstanceOf(FloatDenseBlock.class,
                build(BlockLayout.FOR_MATRIX_PRODUCTS, FeaturePrecision.FLOAT32, D / 2));
        // The default constructor keeps the byte rule.
        BlockBuilder b = new BlockBuilder(D);
        double[] row = new double[D];
        for (int j = 0; j < D / 2; j++) {
            row[2 * j] = 1.0;
        }
        b.addDenseRow(0, 1.0, row);
        assertInstanceOf(SparseBlock.class, b.build());
    }

    @Test
    void theMatrixProductRuleSwitchesAtItsDensity() {
        int atThreshold = (int) Math.ceil(BlockLayout.MATRIX_PRODUCT_DENSITY * D);
        assertInstanceOf(DenseBlock.class,
                build(BlockLayout.FOR_MATRIX_PRODUCTS, FeaturePrecision.FLOAT64, atThreshold));
        assertInstanceOf(SparseBlock.class,
                build(BlockLayout.FOR_MATRIX_PRODUCTS, FeaturePrecision.FLOAT64, atThreshold - 1));
        assertInstanceOf(FloatSparseBlock.class,
                build(BlockLayout.FOR_MATRIX_PRODUCTS, FeaturePrecision.FLOAT32, atThreshold - 1));
    }

    @Test
    void forcedLayoutsHoldTheSameRows() {
        DataBlock dense = build(BlockLayout.DENSE, FeaturePrecision.FLOAT64, 3);
        DataBlock sparse = build(BlockLayout.SPARSE, FeaturePrecision.FLOAT64, D);
        assertInstanceOf(DenseBlock.class, dense);
        assertInstanceOf(SparseBlock.class, sparse);
        DataBlock sparseOfSame = build(BlockLayout.SPARSE, FeaturePrecision.FLOAT64, 3);
        double[] w = new double[D];
        for (int j = 0; j < D; j++) {
            w[j] = j - 20.5;
        }
        for (int i = 0; i < ROWS; i++) {
            assertEquals(dense.dot(i, w, 0), sparseOfSame.dot(i, w, 0), 1e-12, "row " + i);
            assertEquals(dense.label(i), sparseOfSame.label(i));
        }
    }
}
