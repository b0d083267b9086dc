package dev.downhill.core.optim;

import static dev.downhill.core.optim.Close.close;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Two steps of heavy-ball and Nesterov momentum on f = (1/2)(2 x1^2 + 0.5 x2^2) from (1, 1), so
 * grad f(x) = (2 x1, 0.5 x2), with eta = 0.1 and mu = 0.9, against the arithmetic written out here.
 */
class MomentumRulesTest {

    @Test
    void heavyBallTwoSteps() {
        Quadratic f = new Quadratic(2.0, 0.5);
        Momentum rule = new Momentum(new ConstantSchedule(0.1));
        OptimizerState state = rule.initialize(f, new double[] {1.0, 1.0});
        rule.step(f, state);
        // g = (2, 0.5); v = 0.9 * 0 - 0.1 g = (-0.2, -0.05); x = (0.8, 0.95).
        close(new double[] {-0.2, -0.05}, state.vector("momentum.v"), "v1");
        close(new double[] {0.8, 0.95}, state.x(), "x1");
        rule.step(f, state);
        // g = (1.6, 0.475); v = (0.9 * -0.2 - 0.16, 0.9 * -0.05 - 0.0475) = (-0.34, -0.0925);
        // x = (0.8 - 0.34, 0.95 - 0.0925) = (0.46, 0.8575).
        close(new double[] {-0.34, -0.0925}, state.vector("momentum.v"), "v2");
        close(new double[] {0.46, 0.8575}, state.x(), "x2");
        // f = (2 * 0.2116 + 0.5 * 0.73530625) / 2 = 0.3954265625, g = (0.92, 0.42875).
        close(0.3954265625, state.value(), "f");
        close(new double[] {0.92, 0.42875}, state.gradient(), "gradient");
        assertEquals(2, state.iteration());
        assertEquals(3, state.evaluations());
        assertEquals(2, f.evaluations - 1, "one evaluation per step");
        assertEquals(0.1, state.lastStepSize(), 0.0);
    }

    @Test
    void heavyBallFollowsTheSchedule() {
        // 1-d f = x^2 / 2 from 1 with eta_t = 0.5 * 0.5^(t-1), mu = 0.5:
        // t = 1: g = 1, v = -0.5, x = 0.5.  t = 2: g = 0.5, eta = 0.25, v = -0.25 - 0.125 = -0.375, x = 0.125.
        Quadratic f = new Quadratic(1.0);
        Momentum rule = new Momentum(new ExponentialDecaySchedule(0.5, 0.5), 0.5);
        OptimizerState state = rule.initialize(f, new double[] {1.0});
        rule.step(f, state);
        rule.step(f, state);
        close(0.125, state.x()[0], "x2");
        close(-0.375, state.vector("momentum.v")[0], "v2");
        assertEquals(0.25, state.lastStepSize(), 0.0);
    }

    @Test
    void nesterovTwoStepsInTheLookAheadVariable() {
        Quadratic f = new Quadratic(2.0, 0.5);
        Nesterov rule = new Nesterov(new ConstantSchedule(0.1));
        OptimizerState state = rule.initialize(f, new double[] {1.0, 1.0});
        rule.step(f, state);
        // y0 = x0 = (1, 1), g(y0) = (2, 0.5); v1 = -0.1 g = (-0.2, -0.05);
        // y1 = y0 + 0.9 v1 - 0.1 g = (1 - 0.18 - 0.2, 1 - 0.045 - 0.05) = (0.62, 0.905).
        // Sutskever's form agrees: x1 = x0 + v1 = (0.8, 0.95), y1 = x1 + 0.9 v1 = (0.62, 0.905).
        close(new double[] {-0.2, -0.05}, state.vector("nesterov.v"), "v1");
        close(new double[] {0.62, 0.905}, state.x(), "y1");
        rule.step(f, state);
        // g(y1) = (1.24, 0.4525); v2 = (0.9 * -0.2 - 0.124, 0.9 * -0.05 - 0.04525) = (-0.304, -0.09025);
        // y2 = y1 + 0.9 v2 - 0.1 g = (0.62 - 0.2736 - 0.124, 0.905 - 0.081225 - 0.04525) = (0.2224, 0.778525).
        // Sutskever's form: x2 = x1 + v2 = (0.496, 0.85975), y2 = x2 + 0.9 v2 = (0.2224, 0.778525).
        close(new double[] {-0.304, -0.09025}, state.vector("nesterov.v"), "v2");
        close(new double[] {0.2224, 0.778525}, state.x(), "y2");
        // f(y2) = (2 * 0.04946176 + 0.5 * 0.606101175625) / 2 = (0.09892352 + 0.3030505878125) / 2
        //       = 0.20098705390625, g = (0.4448, 0.3892625).
        close(0.20098705390625, state.value(), "f");
        close(new double[] {0.4448, 0.3892625}, state.gradient(), "gradient");
        assertEquals(3, state.evaluations());
    }

    @Test
    void defaultsAndBadParameters() {
        assertEquals(0.9, new Momentum(new ConstantSchedule(1.0)).momentum(), 0.0);
        assertEquals(0.9, new Nesterov(new ConstantSchedule(1.0)).momentum(), 0.0);
        assertEquals("momentum", new Momentum(new ConstantSchedule(1.0)).name());
        assertEquals("nesterov", new Nesterov(new ConstantSchedule(1.0)).name());
        for (double mu : new double[] {-0.1, 1.0, 1.5, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Momentum(new ConstantSchedule(1.0), mu));
            assertTrue(e.getMessage().contains(String.valueOf(mu)), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new Nesterov(new ConstantSchedule(1.0), mu));
        }
        assertThrows(IllegalArgumentException.class, () -> new Momentum(null));
        assertThrows(IllegalArgumentException.class, () -> new Nesterov(null));
    }
}
