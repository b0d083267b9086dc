package dev.downhill.core.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.downhill.core.model.LinearModel;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The sliced inverse map u = A^{-1} theta against Standardization's whole-vector one, and back through A. */
class StandardizationSliceTest {
    @Test
    void fromUserOnSlicesMatchesTheWholeVectorMapAndInvertsToUser() {
        int d = 7;
        int k = 3;
        Random rnd = new Random(5);
        double[] mean = new double[d];
        double[] sigma = new double[d];
        for (int j = 0; j < d; j++) {
            mean[j] = rnd.nextGaussian() * 3;
            sigma[j] = 0.5 + rnd.nextDouble() * 3;
        }
        Standardization whole = new Standardization(new LinearModel(d, k), mean, sigma);
        double[] theta = rnd.doubles((d + 1) * k, -2, 2).toArray();
        double[] expected = whole.fromUser(theta);
        int[] starts = {0, 5, 14, (d + 1) * k}; // slices cutting through weight rows and the intercepts
        double[][] scaleOf = new double[starts.length - 1][];
        double[][] meanOf = new double[starts.length - 1][];
        double[] shift = new double[k];
        for (int s = 0; s + 1 < starts.length; s++) {
            int n = starts[s + 1] - starts[s];
            scaleOf[s] = new double[n];
            meanOf[s] = new double[n];
            for (int i = 0; i < n; i++) {
                int g = starts[s] + i;
                scaleOf[s][i] = g < k * d ? 1 / sigma[g % d] : 0;
                meanOf[s][i] = g < k * d ? mean[g % d] : 0;
            }
            double[] part = StandardizationSlice.userShiftPartials(Arrays.copyOfRange(theta, starts[s],
                    starts[s + 1]), meanOf[s], starts[s], d, k);
            for (int c = 0; c < k; c++) {
                shift[c] += part[c];
            }
        }
        double[] u = new double[theta.length];
        for (int s = 0; s + 1 < starts.length; s++) {
            double[] slice = StandardizationSlice.fromUser(Arrays.copyOfRange(theta, starts[s], starts[s + 1]),
                    scaleOf[s], starts[s], d, k, shift);
            System.arraycopy(slice, 0, u, starts[s], slice.length);
        }
        for (int i = 0; i < u.length; i++) {
            assertEquals(expected[i], u[i], 1e-14 * Math.max(1, Math.abs(expected[i])), "entry " + i);
        }
        // and back: theta = A u, the shifts of u summed over the slices in order
        double[] back = new double[k];
        for (int s = 0; s + 1 < starts.length; s++) {
            double[] part = StandardizationSlice.shiftPartials(Arrays.copyOfRange(u, starts[s], starts[s + 1]),
                    scaleOf[s], meanOf[s], starts[s], d, k);
            for (int c = 0; c < k; c++) {
                back[c] += part[c];
            }
        }
        for (int s = 0; s + 1 < starts.length; s++) {
            double[] slice = StandardizationSlice.toUser(Arrays.copyOfRange(u, starts[s], starts[s + 1]),
                    scaleOf[s], starts[s], d, k, back);
            for (int i = 0; i < slice.length; i++) {
                assertEquals(theta[starts[s] + i], slice[i], 1e-13, "entry " + (starts[s] + i));
            }
        }
    }

    /**
     * The Lipschitz bound from the slices' parts of scaleAndMean against Standardization.lipschitz on the same
     * moments: equal when every feature is scaled (terms of 1), to rounding with unscaled ones (a constant feature
     * and one whose variance is unreliable next to its mean).
     */
    @Test
    void lipschitzFromTheSlicesPartsIsTheWholeStandardizations() {
        int d = 7;
        int k = 2;
        double weightSum = 10;
        for (boolean unscaled : new boolean[] {false, true}) {
            Random rnd = new Random(9);
            double[] sum = new double[d];
            double[] squares = new double[d];
            double[] mean = new double[d];
            double[] sigma = new double[d];
            for (int j = 0; j < d; j++) {
                double m = rnd.nextGaussian() * 3;
                double sd = unscaled && j == 2 ? 0 : unscaled && j == 5 ? 1e-6 : 0.5 + rnd.nextDouble() * 3;
                m = unscaled && j == 5 ? 1e4 : m;
                sum[j] = m * weightSum;
                squares[j] = (sd * sd + m * m) * weightSum;
                mean[j] = sum[j] / weightSum;
                sigma[j] = Math.sqrt(Math.max(squares[j] / weightSum - mean[j] * mean[j], 0.0));
            }
            double expected = new Standardization(new LinearModel(d, k), mean, sigma).lipschitz(0.25, 1e-3);
            int[] starts = {0, 3, 9, (d + 1) * k}; // slice 1 holds the second output's row: counted once
            java.util.List<double[]> parts = new java.util.ArrayList<>();
            for (int s = 0; s + 1 < starts.length; s++) {
                int n = starts[s + 1] - starts[s];
                double[] a = new double[n];
                double[] q = new double[n];
                for (int i = 0; i < n; i++) {
                    int g = starts[s] + i;
                    a[i] = g < k * d ? sum[g % d] : 0;
                    q[i] = g < k * d ? squares[g % d] : 0;
                }
                parts.add(StandardizationSlice.scaleAndMean(a, q, weightSum, starts[s], d, k)[2]);
            }
            double actual = StandardizationSlice.lipschitz(parts, 0.25, 1e-3);
            assertEquals(expected, actual, unscaled ? 1e-15 * expected : 0.0, "unscaled features: " + unscaled);
            if (unscaled) {
                assertEquals(0.25 * (1 + (d - 2) + 1e-8 * 1e8 + 1e-8 * mean[2] * mean[2]),
                        StandardizationSlice.lipschitz(parts, 0.25, 0), 1e-9 * actual,
                        "the terms: 1 per scaled feature, 1e-8 m^2 for the others");
            }
        }
    }
}
