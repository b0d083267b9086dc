package dev.downhill.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The metrics of a small confusion matrix worked out by hand, weights, and merging. */
class ClassificationCountsTest {

    /** (actual, predicted) of nine rows; worked out below by hand. */
    private static final int[][] ROWS = {{0, 0}, {0, 0}, {0, 1}, {1, 1}, {1, 0}, {2, 2}, {2, 2}, {2, 0}, {0, 0}};

    private static ClassificationCounts count(int numClasses, int[][] rows) {
        ClassificationCounts c = new ClassificationCounts(numClasses);
        for (int[] r : rows) {
            c.add(r[0], r[1], 1.0);
        }
        return c;
    }

    @Test
    void metricsOfAThreeClassExampleWorkedOutByHand() {
        ClassificationCounts c = count(3, ROWS);
        // Actual: class 0 x4, 1 x2, 2 x3. Predicted: 0 x5, 1 x2, 2 x2. Right: 3, 1, 2.
        assertEquals(9, c.rows());
        assertEquals(9.0, c.total());
        assertEquals(6.0 / 9, c.accuracy(), 1e-15);
        assertEquals(3.0 / 5, c.precision(0), 1e-15);
        assertEquals(3.0 / 4, c.recall(0), 1e-15);
        assertEquals(2.0 / 3, c.f1(0), 1e-15);
        assertEquals(0.5, c.f1(1), 1e-15);
        assertEquals(1.0, c.precision(2), 1e-15);
        assertEquals(2.0 / 3, c.recall(2), 1e-15);
        assertEquals(4.0 / 5, c.f1(2), 1e-15);
        assertEquals((2.0 / 3 + 0.5 + 4.0 / 5) / 3, c.macroF1(), 1e-15);
        assertEquals(32.0 / 45, c.weightedPrecision(), 1e-15);
        assertEquals(6.0 / 9, c.weightedRecall(), 1e-15); // always the accuracy
        assertEquals(91.0 / 135, c.weightedF1(), 1e-15);
        double[][] expected = {{3, 1, 0}, {1, 1, 0}, {1, 0, 2}};
        for (int a = 0; a < 3; a++) {
            for (int p = 0; p < 3; p++) {
                assertEquals(expected[a][p], c.confusion(a, p), "C[" + a + "][" + p + "]");
            }
        }
    }

    @Test
    void macroF1LeavesOutClassesThatNeverOccurButCountsPredictedOnlyClasses() {
        // Class 3 neither occurs nor is predicted: the same macro-F1 as with three classes.
        assertEquals(count(3, ROWS).macroF1(), count(4, ROWS).macroF1(), 1e-15);
        // A row predicted as class 3 (actual 0): class 3 is present with F1 0 and pulls the mean down.
        int[][] more = java.util.Arrays.copyOf(ROWS, ROWS.length + 1);
        more[ROWS.length] = new int[] {0, 3};
        ClassificationCounts c = count(4, more);
        assertEquals(0.0, c.f1(3));
        // Class 0: TP 3, predicted 5, actual 5: F1 = 0.6.
        assertEquals((0.6 + 0.5 + 0.8 + 0.0) / 4, c.macroF1(), 1e-15);
    }

    @Test
    void precisionOfAClassNeverPredictedIsZeroNotNaN() {
        ClassificationCounts c = count(2, new int[][] {{1, 0}, {0, 0}});
        assertEquals(0.0, c.precision(1));
        assertEquals(0.0, c.recall(1));
        assertEquals(0.0, c.f1(1));
        assertEquals(0.5, c.accuracy());
    }

    @Test
    void aWeightOfTwoCountsLikeTheRowTwice() {
        ClassificationCounts weighted = new ClassificationCounts(3);
        for (int i = 0; i < ROWS.length; i++) {
            weighted.add(ROWS[i][0], ROWS[i][1], i == 4 || i == 6 ? 2.0 : 1.0);
        }
        int[][] repeated = java.util.Arrays.copyOf(ROWS, ROWS.length + 2);
        repeated[ROWS.length] = ROWS[4];
        repeated[ROWS.length + 1] = ROWS[6];
        ClassificationCounts twice = count(3, repeated);
        assertEquals(twice.total(), weighted.total());
        assertEquals(twice.accuracy(), weighted.accuracy(), 1e-15);
        assertEquals(twice.macroF1(), weighted.macroF1(), 1e-15);
        assertEquals(twice.weightedF1(), weighted.weightedF1(), 1e-15);
        assertEquals(twice.confusion(1, 0), weighted.confusion(1, 0));
        assertEquals(9, weighted.rows());
    }

    @Test
    void mergedPartsEqualTheWhole() {
        Random rnd = new Random(8);
        int k = 5;
        ClassificationCounts whole = new ClassificationCounts(k);
        ClassificationCounts[] parts = {new ClassificationCounts(k), new ClassificationCounts(k),
                new ClassificationCounts(k)};
        for (int i = 0; i < 500; i++) {
            int a = rnd.nextInt(k);
            int p = rnd.nextDouble() < 0.6 ? a : rnd.nextInt(k);
            whole.add(a, p, 1.0);
            parts[rnd.nextInt(parts.length)].add(a, p, 1.0);
        }
        ClassificationCounts merged = parts[0].merge(parts[1]).merge(parts[2]);
        // Integer counts: the sums are exact, so every metric is bit for bit the same.
        assertEquals(whole.rows(), merged.rows());
        for (int a = 0; a < k; a++) {
            for (int p = 0; p < k; p++) {
                assertEquals(whole.confusion(a, p), merged.confusion(a, p));
            }
        }
        assertEquals(whole.accuracy(), merged.accuracy());
        assertEquals(whole.macroF1(), merged.macroF1());
        assertEquals(whole.weightedPrecision(), merged.weightedPrecision());
        assertThrows(IllegalArgumentException.class, () -> whole.merge(new ClassificationCounts(k + 1)));
    }

    @Test
    void manyClassesKeepPerClassCountsButNoMatrix() {
        ClassificationCounts c = new ClassificationCounts(ClassificationCounts.MAX_MATRIX_CLASSES + 1);
        c.add(7, 7, 1.0);
        c.add(7, 100, 1.0);
        assertFalse(c.hasMatrix());
        assertEquals(0.5, c.accuracy());
        assertEquals(0.5, c.recall(7));
        assertThrows(IllegalStateException.class, () -> c.confusion(7, 7));
    }
}
