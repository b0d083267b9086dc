package dev.downhill.core.numdiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.objective.DifferentiableFunction;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Error sizes of the difference quotients, pinned down against their Taylor estimates (in the style of
 * commons-math's FiniteDifferencesDifferentiatorTest), and GradientChecker on a deliberately wrong gradient.
 */
class FiniteDifferenceErrorTest {
    private static final DoubleUnaryOperator EXP = Math::exp;
    private static final double X = 1.0;
    private static final double E = Math.exp(1.0); // every derivative of exp at 1

    private static double forwardError(double h) {
        return FiniteDifferences.forward(EXP, X, h) - E;
    }

    private static double centralError(double h) {
        return FiniteDifferences.central(EXP, X, h) - E;
    }

    @Test
    void forwardDifferenceErrorIsFirstOrderInH() {
        // Taylor: (f(x+h) - f(x)) / h - f'(x) = h f''/2 + O(h^2).
        for (double h : new double[] {1e-2, 1e-3, 1e-4}) {
            assertEquals(h * E / 2, forwardError(h), 0.01 * h * E / 2, "h = " + h);
        }
        double ratio = forwardError(1e-2) / forwardError(1e-3);
        assertTrue(ratio > 9 && ratio < 11, "forward error ratio " + ratio);
    }

    @Test
    void centralDifferenceErrorIsSecondOrderInH() {
        // Taylor: (f(x+h) - f(x-h)) / (2h) - f'(x) = h^2 f'''/6 + O(h^4).
        for (double h : new double[] {1e-1, 1e-2, 1e-3}) {
            assertEquals(h * h * E / 6, centralError(h), 0.01 * h * h * E / 6, "h = " + h);
        }
        double ratio = centralError(1e-2) / centralError(1e-3);
        assertTrue(ratio > 90 && ratio < 110, "central error ratio " + ratio);
    }

    @Test
    void centralBeatsForwardAtTheSameStep() {
        for (double h : new double[] {1e-1, 1e-2, 1e-3}) {
            assertTrue(Math.abs(centralError(h)) < Math.abs(forwardError(h)) / 10, "h = " + h);
        }
    }

    @Test
    void defaultCentralStepBalancesTruncationAndRounding() {
        // At h ~ eps^(1/3) the error is ~eps^(2/3) ~ 4e-11 relative; far smaller steps are ruined by rounding.
        double h = FiniteDifferences.centralStep(X);
        assertEquals(Math.cbrt(Math.ulp(1.0)), h, 0.0);
        assertEquals(10.0 * h, FiniteDifferences.centralStep(-10.0), 1e-20);
        double atDefault = Math.abs(centralError(h));
        assertTrue(atDefault < 1e-9, "error at default step " + atDefault);
        assertTrue(Math.abs(centralError(1e-13)) > 10 * atDefault, "rounding should dominate at h = 1e-13");
        assertTrue(Math.abs(centralError(1e-2)) > 10 * atDefault, "truncation should dominate at h = 1e-2");
    }

    @Test
    void nonPositiveOrInfiniteStepIsRejected() {
        for (double h : new double[] {0.0, -1e-3, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class, () -> FiniteDifferences.central(EXP, X, h));
            assertThrows(IllegalArgumentException.class, () -> FiniteDifferences.forward(EXP, X, h));
        }
        assertThrows(IllegalArgumentException.class,
                () -> FiniteDifferences.directionalDerivative(p -> p[0], new double[] {1.0}, new double[] {0.0}));
    }

    /** f(x) = sum_j c_j x_j^2 + x_0 x_1 with its gradient, coordinate {@code wrong} scaled by {@code factor}. */
    private static DifferentiableFunction quadratic(int wrong, double factor) {
        double[] c = {1.0, 2.5, 0.7, 3.0};
        return new DifferentiableFunction() {
            @Override
            public int dimension() {
                return 4;
            }

            @Override
            public double valueAndGradient(double[] x, double[] g) {
                double v = x[0] * x[1];
                for (int j = 0; j < 4; j++) {
                    v += c[j] * x[j] * x[j];
                    g[j] = 2 * c[j] * x[j];
                }
                g[0] += x[1];
                g[1] += x[0];
                if (wrong >= 0) {
                    g[wrong] *= factor;
                }
                return v;
            }
        };
    }

    private static final double[] AT = {0.8, -1.1, 1.7, 0.4};

    @Test
    void gradientCheckerPassesACorrectGradient() {
        GradientChecker.Report report = new GradientChecker().check(quadratic(-1, 1.0), AT);
        assertTrue(report.maxRelativeError() <= 1e-7, report.toString());
    }

    @Test
    void gradientCheckerReportsAOnePercentErrorAndNamesTheCoordinate() {
        GradientChecker.Report report = new GradientChecker().check(quadratic(2, 1.01), AT);
        assertTrue(report.maxRelativeError() > 1e-3, report.toString());
        // |1.01 g - g| / (1.01 |g|) = 0.01 / 1.01.
        assertEquals(0.01 / 1.01, report.maxRelativeError(), 1e-6);
        assertEquals(2, report.worstCoordinate());
    }

    @Test
    void gradientCheckerTreatsNaNAsInfiniteError() {
        GradientChecker.Report report = new GradientChecker().check(quadratic(3, Double.NaN), AT);
        assertEquals(Double.POSITIVE_INFINITY, report.maxRelativeError());
        assertEquals(3, report.worstCoordinate());
    }

    @Test
    void gradientCheckerLeavesTheCallersPointUnchanged() {
        double[] x = AT.clone();
        new GradientChecker().check(quadratic(-1, 1.0), x);
        assertEquals(java.util.Arrays.toString(AT), java.util.Arrays.toString(x));
    }
}
