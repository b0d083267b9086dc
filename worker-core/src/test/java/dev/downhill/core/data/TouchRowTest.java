package dev.downhill.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * touchRow, the dense kernels' software prefetch, reads the first value of every 64-byte stretch of the row
 * (every 8th double, every 16th float) and nothing of other rows; CSR blocks read nothing.
 */
class TouchRowTest {
    private static final int D = 37;

    private static DataBlock block(FeaturePrecision precision, BlockLayout layout, double[][] rows) {
        BlockBuilder builder = new BlockBuilder(D, precision, layout);
        for (double[] row : rows) {
            builder.addDenseRow(1.0, 1.0, row);
        }
        return builder.build();
    }

    private static double[][] rows(int n) {
        Random rnd = new Random(5);
        double[][] rows = new double[n][D];
        for (double[] row : rows) {
            for (int j = 0; j < D; j++) {
                row[j] = (float) rnd.nextGaussian(); // exact in both precisions
            }
        }
        return rows;
    }

    @Test
    void denseRowsReadOneValuePerCacheLine() {
        double[][] rows = rows(3);
        DataBlock doubles = block(FeaturePrecision.FLOAT64, BlockLayout.DENSE, rows);
        DataBlock floats = block(FeaturePrecision.FLOAT32, BlockLayout.DENSE, rows);
        assertInstanceOf(DenseBlock.class, doubles);
        assertInstanceOf(FloatDenseBlock.class, floats);
        for (int i = 0; i < rows.length; i++) {
            double every8 = 0.0;
            for (int j = 0; j < D; j += 8) {
                every8 += rows[i][j];
            }
            double every16 = 0.0;
            for (int j = 0; j < D; j += 16) {
                every16 += rows[i][j];
            }
            assertEquals(every8, doubles.touchRow(i), 0.0, "row " + i);
            assertEquals(every16, floats.touchRow(i), 0.0, "row " + i);
        }
    }

    @Test
    void sparseRowsReadNothing() {
        DataBlock sparse = block(FeaturePrecision.FLOAT64, BlockLayout.SPARSE, rows(2));
        assertInstanceOf(SparseBlock.class, sparse);
        assertEquals(0.0, sparse.touchRow(1), 0.0);
    }
}
