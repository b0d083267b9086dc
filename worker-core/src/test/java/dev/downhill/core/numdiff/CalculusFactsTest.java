package dev.downhill.core.numdiff;

import static dev.downhill.core.TestData.relativeError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.objective.DifferentiableFunction;
import dev.downhill.core.optim.GradientDescent;
import dev.downhill.core.optim.OptimizerState;
import java.util.function.DoubleUnaryOperator;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/** The facts of calculus that gradient descent rests on, checked with the project's own tools. */
class CalculusFactsTest {

    /** f(w) = (w - 4)^2 with f'(w) = 2 (w - 4). */
    private static final DifferentiableFunction SHIFTED_SQUARE = new DifferentiableFunction() {
        @Override
        public int dimension() {
            return 1;
        }

        @Override
        public double valueAndGradient(double[] x, double[] gradient) {
            double r = x[0] - 4.0;
            gradient[0] = 2.0 * r;
            return r * r;
        }
    };

    @Test
    void derivativeOfShiftedSquareAtSixIsFour() {
        double[] g = new double[1];
        SHIFTED_SQUARE.valueAndGradient(new double[] {6.0}, g);
        assertEquals(4.0, g[0], 0.0);
        // For a quadratic the central difference has no truncation error, only rounding.
        double numeric = FiniteDifferences.central(w -> (w - 4) * (w - 4), 6.0, 1e-3);
        assertEquals(4.0, numeric, 1e-10);
    }

    @Test
    void oneDescentStepFromSixMovesTowardFourAndLowersF() {
        double t = 0.1;
        GradientDescent gd = new GradientDescent(t);
        OptimizerState state = gd.initialize(SHIFTED_SQUARE, new double[] {6.0});
        double before = state.value();
        gd.step(SHIFTED_SQUARE, state);
        double w = state.x()[0];
        assertEquals(6.0 - t * 4.0, w, 1e-15);
        assertTrue(w < 6.0 && w > 4.0, "w = " + w);
        assertTrue(state.value() < before, state.value() + " >= " + before);
        assertEquals((w - 4) * (w - 4), state.value(), 1e-15);
    }

    @Test
    void forwardDifferenceOfSquareAtThreeIsSixPointZeroZeroZeroOne() {
        // ((3 + h)^2 - 9) / h = 6 + h exactly in real arithmetic: the forward difference is off by h.
        double h = 1e-4;
        double forward = FiniteDifferences.forward(x -> x * x, 3.0, h);
        assertEquals(6.0001, forward, 1e-9);
        assertEquals(h, forward - 6.0, 1e-9);
    }

    private static double centralError(DoubleUnaryOperator f, double exact, double x, double h) {
        return Math.abs(FiniteDifferences.central(f, x, h) - exact);
    }

    @Test
    void centralDifferenceErrorShrinksAboutHundredfoldWhenStepShrinksTenfold() {
        // Error h^2 f'''/6: second order in h.
        double sinRatio = centralError(Math::sin, Math.cos(1.0), 1.0, 1e-2) / centralError(Math::sin, Math.cos(1.0), 1.0, 1e-3);
        double expRatio = centralError(Math::exp, Math.exp(1.0), 1.0, 1e-2) / centralError(Math::exp, Math.exp(1.0), 1.0, 1e-3);
        assertTrue(sinRatio > 80 && sinRatio < 120, "sin ratio " + sinRatio);
        assertTrue(expRatio > 80 && expRatio < 120, "exp ratio " + expRatio);
    }

    @Test
    void chainRuleOnCompositeMatchesProductOfInnerAndOuterDerivatives() {
        DoubleUnaryOperator inner = x -> x * x + 1.0;
        DoubleUnaryOperator outer = Math::sin;
        DoubleUnaryOperator composite = inner.andThen(outer); // h(x) = sin(x^2 + 1)
        for (double x : new double[] {-1.3, -0.4, 0.7, 1.1, 2.1}) {
            double step = FiniteDifferences.centralStep(x);
            double numeric = FiniteDifferences.central(composite, x, step);
            // h'(x) = cos(x^2 + 1) * 2x
            double chain = Math.cos(x * x + 1.0) * 2.0 * x;
            assertTrue(relativeError(chain, numeric) <= 1e-7, "x = " + x + ": " + numeric + " vs " + chain);
            // The same product with both factors taken numerically.
            double u = inner.applyAsDouble(x);
            double outerPrime = FiniteDifferences.central(outer, u, FiniteDifferences.centralStep(u));
            double innerPrime = FiniteDifferences.central(inner, x, step);
            assertTrue(relativeError(outerPrime * innerPrime, numeric) <= 1e-7, "x = " + x);
        }
    }

    /** f(x, y, z) = x^2 y + sin z + y z^3. */
    private static final ToDoubleFunction<double[]> THREE_VARIABLES =
            p -> p[0] * p[0] * p[1] + Math.sin(p[2]) + p[1] * p[2] * p[2] * p[2];

    private static double[] threeVariableGradient(double[] p) {
        double x = p[0];
        double y = p[1];
        double z = p[2];
        return new double[] {2 * x * y, x * x + z * z * z, Math.cos(z) + 3 * y * z * z};
    }

    private static final double[][] POINTS = {{1.0, 2.0, 0.5}, {-0.7, 1.3, -1.2}, {2.5, -0.3, 0.9}, {0.2, 0.4, 2.0}};

    @Test
    void gradientOfThreeVariableFunctionIsItsVectorOfPartials() {
        for (double[] p : POINTS) {
            double[] at = p.clone();
            double[] numeric = FiniteDifferences.centralGradient(THREE_VARIABLES, at);
            assertArrayEquals(p, at, 0.0, "centralGradient must restore x");
            double[] partials = threeVariableGradient(p);
            for (int j = 0; j < 3; j++) {
                assertTrue(relativeError(partials[j], numeric[j]) <= 1e-7,
                        "d/dx" + j + " at " + java.util.Arrays.toString(p) + ": " + numeric[j] + " vs " + partials[j]);
            }
        }
    }

    @Test
    void directionalDerivativeEqualsGradientDotUnitDirection() {
        double[] direction = {2.0, 3.0, -1.0};
        double norm = Math.sqrt(14.0);
        for (double[] p : POINTS) {
            double[] g = threeVariableGradient(p);
            double expected = (2.0 * g[0] + 3.0 * g[1] - 1.0 * g[2]) / norm;
            double numeric = FiniteDifferences.directionalDerivative(THREE_VARIABLES, p, direction);
            assertTrue(relativeError(expected, numeric) <= 1e-7, numeric + " vs " + expected);
            // The direction is normalized inside: a longer vector along the same line gives the same value.
            double scaled = FiniteDifferences.directionalDerivative(THREE_VARIABLES, p, new double[] {20.0, 30.0, -10.0});
            assertTrue(relativeError(expected, scaled) <= 1e-7, scaled + " vs " + expected);
        }
    }

    /** f(x) = (1/2) (x - m)^T A (x - m) with A symmetric positive definite: minimized at m. */
    private static final double[][] A = {{4.0, 1.0, 0.5}, {1.0, 3.0, -0.2}, {0.5, -0.2, 2.0}};
    private static final double[] MINIMIZER = {1.5, -0.5, 2.0};

    private static double quadratic(double[] x) {
        double s = 0.0;
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                s += (x[i] - MINIMIZER[i]) * A[i][j] * (x[j] - MINIMIZER[j]);
            }
        }
        return 0.5 * s;
    }

    private static double[] quadraticGradient(double[] x) {
        double[] g = new double[3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                g[i] += A[i][j] * (x[j] - MINIMIZER[j]);
            }
        }
        return g;
    }

    @Test
    void gradientIsZeroAtTheMinimumOfAConvexQuadratic() {
        assertArrayEquals(new double[3], quadraticGradient(MINIMIZER.clone()), 0.0);
        double[] numeric = FiniteDifferences.centralGradient(CalculusFactsTest::quadratic, MINIMIZER.clone());
        // f is symmetric about m, so f(m + h e_j) and f(m - h e_j) agree up to rounding.
        for (double g : numeric) {
            assertEquals(0.0, g, 1e-9);
        }
        // Away from the minimum the gradient is far from zero, so the check above is not vacuous.
        double[] away = {0.0, 0.0, 0.0};
        double[] awayGradient = FiniteDifferences.centralGradient(CalculusFactsTest::quadratic, away);
        assertTrue(Math.abs(awayGradient[0]) > 1.0, "gradient away from the minimum " + awayGradient[0]);
    }

    @Test
    void smallStepAlongNegativeGradientLowersF() {
        for (double[] p : POINTS) {
            double[] g = threeVariableGradient(p);
            double[] stepped = new double[3];
            double[] q = new double[3];
            double[] qg = quadraticGradient(p);
            for (int j = 0; j < 3; j++) {
                stepped[j] = p[j] - 1e-3 * g[j];
                q[j] = p[j] - 1e-3 * qg[j];
            }
            assertTrue(THREE_VARIABLES.applyAsDouble(stepped) < THREE_VARIABLES.applyAsDouble(p));
            assertTrue(quadratic(q) < quadratic(p));
            // First order: f drops by about t ||grad f||^2.
            double drop = THREE_VARIABLES.applyAsDouble(p) - THREE_VARIABLES.applyAsDouble(stepped);
            double predicted = 1e-3 * (g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
            assertEquals(predicted, drop, 0.05 * predicted);
        }
    }
}
