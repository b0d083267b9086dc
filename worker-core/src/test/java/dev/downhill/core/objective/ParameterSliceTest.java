package dev.downhill.core.objective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.linalg.Kernels;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The slice arithmetic of sharded vectors: its fixed orders, and its error against exact sums. */
class ParameterSliceTest {
    private static double[] random(Random r, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextGaussian() * Math.exp(4 * r.nextGaussian()); // magnitudes over many decades
        }
        return x;
    }

    private static double exactDot(double[] x, double[] y) {
        BigDecimal s = BigDecimal.ZERO;
        for (int i = 0; i < x.length; i++) {
            s = s.add(new BigDecimal(x[i]).multiply(new BigDecimal(y[i])));
        }
        return s.round(MathContext.DECIMAL64).doubleValue();
    }

    /** One dot product alone: a single pair. */
    private static double dot(double[] x, double[] y) {
        return ParameterSlice.dots(new double[][] {x, y}, new int[][] {{0, 1}})[0];
    }

    /** Lengths around the chunk size and the kernel's 16- and 4-entry steps. */
    private static final int[] LENGTHS = {0, 1, 3, 17, ParameterSlice.CHUNK - 1, ParameterSlice.CHUNK,
        ParameterSlice.CHUNK + 5, 3 * ParameterSlice.CHUNK + 1234};

    @Test
    void dotIsTheChunksKernelSumsAddedLeftToRightAndNearTheExactSum() {
        Random r = new Random(1);
        for (int n : LENGTHS) {
            double[] x = random(r, n);
            double[] y = random(r, n);
            double expected = 0.0;
            double absolute = 0.0;
            for (int start = 0; start < n; start += ParameterSlice.CHUNK) {
                expected += Kernels.dot(x, start, y, start, Math.min(ParameterSlice.CHUNK, n - start));
            }
            for (int i = 0; i < n; i++) {
                absolute += Math.abs(x[i] * y[i]);
            }
            double dot = dot(x, y);
            assertEquals(expected, dot, 0.0, "n = " + n);
            // a recursive sum's bound: (n + 2) eps sum |x_i y_i| (Higham, Accuracy and Stability, 2nd ed., 3.1)
            double bound = (n + 2) * Math.ulp(1.0) * absolute;
            assertTrue(Math.abs(dot - exactDot(x, y)) <= bound, "n = " + n + ": error above " + bound);
        }
        assertThrows(IllegalArgumentException.class, () -> dot(new double[3], new double[4]));
    }

    @Test
    void dotsInOnePassHaveEachPairsBitsAlone() {
        Random r = new Random(2);
        for (int n : LENGTHS) {
            double[][] x = {random(r, n), random(r, n), random(r, n), random(r, n)};
            int[][] pairs = {{0, 1}, {1, 0}, {2, 2}, {3, 1}, {0, 3}, {2, 0}};
            double[] dots = ParameterSlice.dots(x, pairs);
            for (int k = 0; k < pairs.length; k++) {
                assertEquals(dot(x[pairs[k][0]], x[pairs[k][1]]), dots[k], 0.0,
                        "n = " + n + ", pair " + k);
            }
        }
        assertThrows(IllegalArgumentException.class,
                () -> ParameterSlice.dots(new double[][] {new double[3], new double[4]}, new int[][] {{0, 1}}));
    }

    @Test
    void linearCombinationAddsEachEntrysTermsInOrder() {
        Random r = new Random(3);
        double[] c = {0.5, -1.25, 3.0, 1e-3, -7.0};
        for (int n : LENGTHS) {
            double[][] x = new double[c.length][];
            for (int k = 0; k < c.length; k++) {
                x[k] = random(r, n);
            }
            double[] expected = new double[n];
            for (int i = 0; i < n; i++) {
                double v = c[0] * x[0][i];
                for (int k = 1; k < c.length; k++) {
                    v += c[k] * x[k][i];
                }
                expected[i] = v;
            }
            assertArrayEquals(expected, ParameterSlice.linearCombination(c, x), 0.0, "n = " + n);
        }
    }

    /** Terms formed where they are read have the bits of forming them first (a pair kept as its two iterates). */
    @Test
    void termsHaveTheBitsOfFormingThemFirst() {
        Random r = new Random(4);
        for (int n : LENGTHS) {
            double[][] stored = {random(r, n), random(r, n), random(r, n), random(r, n)};
            ParameterSlice.Term[] terms = {
                ParameterSlice.Term.stored(2),
                new ParameterSlice.Term(new double[] {1.0, -1.0}, new int[] {0, 1}),
                new ParameterSlice.Term(new double[] {0.5, -2.0, 3.0}, new int[] {3, 0, 2}),
                ParameterSlice.Term.stored(1),
            };
            double[][] formed = new double[terms.length][];
            for (int t = 0; t < terms.length; t++) {
                ParameterSlice.Term term = terms[t];
                if (term.coefficients() == null) {
                    formed[t] = stored[term.inputs()[0]];
                } else {
                    double[][] in = new double[term.inputs().length][];
                    for (int k = 0; k < in.length; k++) {
                        in[k] = stored[term.inputs()[k]];
                    }
                    formed[t] = ParameterSlice.linearCombination(term.coefficients(), in);
                }
            }
            int[][] pairs = {{0, 1}, {1, 1}, {2, 3}, {1, 2}, {3, 0}};
            assertArrayEquals(ParameterSlice.dots(formed, pairs), ParameterSlice.dots(stored, terms, pairs), 0.0,
                    "n = " + n);
            double[] c = {0.25, -1.5, 2.0, 1e-3};
            assertArrayEquals(ParameterSlice.linearCombination(c, formed),
                    ParameterSlice.linearCombination(c, stored, terms), 0.0, "n = " + n);
        }
        assertThrows(IllegalArgumentException.class,
                () -> new ParameterSlice.Term(new double[] {1.0}, new int[] {0, 1}));
    }
}
