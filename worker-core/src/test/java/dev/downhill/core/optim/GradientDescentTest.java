package dev.downhill.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class GradientDescentTest {

    @Test
    void initializeEvaluatesOnceAtTheStart() {
        Quadratic f = new Quadratic(3.0, 0.5);
        OptimizerState state = new GradientDescent(0.1).initialize(f, new double[] {1.0, 1.0});
        assertEquals(1, f.evaluations);
        assertEquals(1L, state.evaluations());
        assertEquals(0L, state.iteration());
        assertEquals(0.5 * (3.0 + 0.5), state.value(), 1e-15);
        assertArrayEquals(new double[] {3.0, 0.5}, state.gradient(), 0.0);
    }

    @Test
    void oneStepOnQuadraticMatchesTheHandComputedStep() {
        double a = 3.0;
        double b = 0.5;
        double t = 0.1;
        Quadratic f = new Quadratic(a, b);
        GradientDescent gd = new GradientDescent(t);
        OptimizerState state = gd.initialize(f, new double[] {1.0, 1.0});
        gd.step(f, state);
        // x - t grad f(x) with grad f(1, 1) = (a, b).
        double x1 = 1 - t * a;
        double x2 = 1 - t * b;
        assertArrayEquals(new double[] {x1, x2}, state.x(), 1e-15);
        assertEquals(0.5 * (a * x1 * x1 + b * x2 * x2), state.value(), 1e-15);
        assertArrayEquals(new double[] {a * x1, b * x2}, state.gradient(), 1e-15);
        assertEquals(1L, state.iteration());
        assertEquals(2L, state.evaluations());
        assertEquals(2, f.evaluations, "one evaluation per step");
        assertEquals(t, state.lastStepSize(), 0.0);
    }

    @Test
    void withAScheduleEachIterationUsesItsOwnStep() {
        // f = (1/2)(2 x1^2 + 0.5 x2^2) from (1, 1), steps eta_1 = 0.4 and eta_2 = 0.4 / sqrt(2).
        Quadratic f = new Quadratic(2.0, 0.5);
        GradientDescent gd = new GradientDescent(new InverseSqrtSchedule(0.4));
        OptimizerState state = gd.initialize(f, new double[] {1.0, 1.0});
        gd.step(f, state);
        // grad f(1, 1) = (2, 0.5): x1 = 1 - 0.4 * 2 = 0.2, x2 = 1 - 0.4 * 0.5 = 0.8.
        assertArrayEquals(new double[] {0.2, 0.8}, state.x(), 1e-15);
        assertEquals(0.4, state.lastStepSize(), 0.0);
        gd.step(f, state);
        // grad f(0.2, 0.8) = (0.4, 0.4), eta_2 = 0.4 / sqrt(2) = 0.28284271247461906:
        // x1 = 0.2 - 0.28284271247461906 * 0.4 = 0.08686291501015238, x2 = 0.8 - 0.11313708498984762 = 0.6868629150101524.
        assertArrayEquals(new double[] {0.08686291501015238, 0.6868629150101524}, state.x(), 1e-15);
        assertEquals(0.28284271247461906, state.lastStepSize(), 1e-16);
        assertEquals(0.5 * (2 * 0.08686291501015238 * 0.08686291501015238
                + 0.5 * 0.6868629150101524 * 0.6868629150101524), state.value(), 1e-15);
        assertEquals(2L, state.iteration());
        assertEquals(3L, state.evaluations());
    }

    @Test
    void stepSizeMustBePositiveAndFinite() {
        for (double t : new double[] {0.0, -0.1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class, () -> new GradientDescent(t));
        }
        assertEquals("gd", new GradientDescent(1.0).name());
        assertEquals(0.25, new GradientDescent(0.25).stepSize(), 0.0);
        assertThrows(IllegalArgumentException.class, () -> new GradientDescent((StepSchedule) null));
    }
}
