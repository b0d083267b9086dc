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
}
