package dev.downhill.core.metrics;

import static dev.downhill.core.TestData.strictRelativeError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class RegressionErrorsTest {

    private static RegressionErrors of(double[] y, double[] yhat, double[] v, int from, int to) {
        RegressionErrors e = new RegressionErrors();
        for (int i = from; i < to; i++) {
            e.add(y[i], yhat[i], v == null ? 1.0 : v[i]);
        }
        return e;
    }

    @Test
    void threeRowsWorkedOutByHand() {
        // Residuals 0.5, 0, -1: SSE 1.25, SAE 1.5; mean label 7/3, SST = 16/9 + 1/9 + 25/9 = 14/3.
        RegressionErrors e = of(new double[] {1, 2, 4}, new double[] {1.5, 2, 3}, null, 0, 3);
        assertEquals(3, e.rows());
        assertEquals(Math.sqrt(1.25 / 3), e.rmse(), 1e-15);
        assertEquals(0.5, e.mae(), 1e-15);
        assertEquals(14.0 / 3, e.totalSumOfSquares(), 1e-14);
        assertEquals(1 - 1.25 / (14.0 / 3), e.r2(), 1e-15);
    }

    @Test
    void weightTwoIsTheRowTwice() {
        RegressionErrors weighted = of(new double[] {1, 2, 4}, new double[] {1.5, 2, 3}, new double[] {2, 1, 1}, 0, 3);
        RegressionErrors twice = of(new double[] {1, 1, 2, 4}, new double[] {1.5, 1.5, 2, 3}, null, 0, 4);
        assertEquals(twice.rmse(), weighted.rmse(), 1e-15);
        assertEquals(twice.mae(), weighted.mae(), 1e-15);
        assertEquals(twice.r2(), weighted.r2(), 1e-14);
        assertEquals(4.0, weighted.weightSum());
    }

    @Test
    void constantLabelsHaveNoR2() {
        RegressionErrors e = of(new double[] {3, 3}, new double[] {2, 4}, null, 0, 2);
        assertTrue(Double.isNaN(e.r2()));
        assertEquals(1.0, e.rmse());
    }

    @Test
    void mergedPartsEqualTheWholeAndTheSpreadSurvivesALargeMean() {
        Random rnd = new Random(9);
        int n = 2000;
        double[] y = new double[n];
        double[] yhat = new double[n];
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            // Labels around 1e8 with spread 1: sum y^2 - W ybar^2 would lose every digit of SST.
            y[i] = 1e8 + rnd.nextGaussian();
            yhat[i] = y[i] + 0.3 * rnd.nextGaussian();
            v[i] = 0.5 + rnd.nextDouble();
        }
        RegressionErrors whole = of(y, yhat, v, 0, n);
        // Two-pass reference for SST.
        double w = 0;
        double mean = 0;
        for (int i = 0; i < n; i++) {
            w += v[i];
            mean += v[i] * y[i];
        }
        mean /= w;
        double sst = 0;
        for (int i = 0; i < n; i++) {
            sst += v[i] * (y[i] - mean) * (y[i] - mean);
        }
        assertTrue(strictRelativeError(sst, whole.totalSumOfSquares()) < 1e-8,
                whole.totalSumOfSquares() + " vs " + sst);
        for (int[] cuts : new int[][] {{1000}, {1, 2}, {300, 1700, 1999}}) {
            RegressionErrors merged = new RegressionErrors();
            int from = 0;
            for (int c = 0; c <= cuts.length; c++) {
                int to = c < cuts.length ? cuts[c] : n;
                merged.merge(of(y, yhat, v, from, to));
                from = to;
            }
            assertEquals(whole.rows(), merged.rows());
            assertTrue(strictRelativeError(whole.weightSum(), merged.weightSum()) < 1e-14);
            assertTrue(strictRelativeError(whole.rmse(), merged.rmse()) < 1e-13);
            assertTrue(strictRelativeError(whole.mae(), merged.mae()) < 1e-13);
            assertTrue(strictRelativeError(whole.totalSumOfSquares(), merged.totalSumOfSquares()) < 1e-8);
            assertTrue(strictRelativeError(whole.r2(), merged.r2()) < 1e-8);
        }
        // An empty part changes nothing.
        RegressionErrors copy = of(y, yhat, v, 0, n).merge(new RegressionErrors());
        assertEquals(whole.r2(), copy.r2());
    }
}
