package dev.downhill.core.optim;

import static dev.downhill.core.optim.Close.close;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.objective.DifferentiableFunction;
import dev.downhill.core.objective.L1Penalty;
import org.junit.jupiter.api.Test;

/**
 * ISTA and monotone FISTA (growing step, function and gradient restarts) step by step on f = (1/2)(2 x1^2 + 0.5 x2^2) (grad f = (2 x1, 0.5 x2)) plus
 * h = c (|x1| + |x2|), against soft-thresholding S_tau(v) = sign(v) max(|v| - tau, 0) worked by hand.
 */
class ProximalGradientTest {

    private static L1Penalty l1(double c, int n) {
        double[] w = new double[n];
        java.util.Arrays.fill(w, c);
        return new L1Penalty(w);
    }

    @Test
    void istaTwoStepsReachTheOptimumAndThenStop() {
        CountingFunction f = new CountingFunction(new Quadratic(2.0, 0.5));
        ProximalGradient ista = ProximalGradient.ista(l1(0.5, 2), 0.4);
        OptimizerState state = ista.initialize(f, new double[] {1.0, 1.0});
        // F(1, 1) = 1.25 + 0.5 * 2 = 2.25; at x = (1, 1) both coordinates have g_j + c = (2.5, 1).
        close(2.25, ista.objective(state), "F0");
        close(Math.sqrt(2.5 * 2.5 + 1.0), ista.stationarity(state), "stationarity at the start");
        assertTrue(ista.step(f, state));
        // t = 0.4: x - t g = (1 - 0.8, 1 - 0.2) = (0.2, 0.8), threshold 0.4 * 0.5 = 0.2: z = (0, 0.6).
        // Test: f(z) = 0.5 * 0.5 * 0.36 = 0.09 <= 1.25 + (2 * -1 + 0.5 * -0.4) + (1 + 0.16) / 0.8 = 0.5. Accepted.
        assertArrayEquals(new double[] {0.0, 0.6}, state.x(), 1e-15);
        close(0.09, state.value(), "f1");
        close(new double[] {0.0, 0.3}, state.gradient(), "gradient1");
        close(0.09 + 0.3, ista.objective(state), "F1 = f + 0.5 * 0.6");
        // x1 = 0 with |g1| = 0 <= c contributes 0; x2 > 0 contributes g2 + c = 0.8.
        close(0.8, ista.stationarity(state), "stationarity1");
        assertEquals(0.8, state.scalar("proximal.step", 0), 1e-16, "next first trial: twice 0.4");
        assertEquals(2, state.evaluations());
        assertTrue(ista.step(f, state));
        // t = 0.8: x - t g = (0, 0.6 - 0.24) = (0, 0.36), threshold 0.4: z = (0, 0), the minimizer of F
        // (|g_j| = 0 <= c). Test: 0 <= 0.09 + 0.3 * -0.6 + 0.36 / 1.6 = 0.135.
        assertArrayEquals(new double[] {0.0, 0.0}, state.x(), 0.0);
        assertEquals(0.0, ista.objective(state), 0.0);
        assertEquals(0.0, ista.stationarity(state), 0.0);
        // At the minimizer p_t(x) = x: no trial moves, no progress, nothing evaluated.
        OptimizerState before = state.copy();
        assertFalse(ista.step(f, state));
        assertEquals(before, state);
        assertEquals(3, f.withGradient);
        assertEquals(0, f.valueOnly);
    }

    @Test
    void istaBacktracksOnTheCompositeTest() {
        CountingFunction f = new CountingFunction(new Quadratic(2.0, 0.5));
        ProximalGradient ista = ProximalGradient.ista(l1(0.5, 2), 2.0);
        OptimizerState state = ista.initialize(f, new double[] {1.0, 1.0});
        assertTrue(ista.step(f, state));
        // t = 2: x - t g = (-3, 0), threshold 1: z = (-2, 0); f(z) = 4 > 1.25 + (2 * -3 + 0.5 * -1) + (9 + 1) / 4 = -2.75.
        // t = 1: x - t g = (-1, 0.5), threshold 0.5: z = (-0.5, 0); f(z) = 0.25 > 1.25 - 3.5 + 3.25 / 2 = -0.625.
        // t = 0.5: x - t g = (0, 0.75), threshold 0.25: z = (0, 0.5); f(z) = 0.0625 <= 1.25 - 2.25 + 1.25 / 1 = 0.25.
        assertArrayEquals(new double[] {0.0, 0.5}, state.x(), 0.0);
        close(0.0625, state.value(), "f");
        close(new double[] {0.0, 0.25}, state.gradient(), "gradient");
        assertEquals(0.5, state.lastStepSize(), 0.0);
        assertEquals(1.0, state.scalar("proximal.step", 0), 0.0);
        assertEquals(1 + 2, f.withGradient, "initialize, first trial, accepted point");
        assertEquals(2, f.valueOnly, "the second and third trials");
        assertEquals(1 + 4, state.evaluations());
    }

    @Test
    void fistaThreeStepsWithMomentumAndAGrowingStep() {
        CountingFunction f = new CountingFunction(new Quadratic(2.0, 0.5));
        ProximalGradient fista = ProximalGradient.fista(l1(0.1, 2), 0.4);
        OptimizerState state = fista.initialize(f, new double[] {1.0, 1.0});
        assertTrue(fista.step(f, state));
        // y1 = x0 = (1, 1), t1 = 1, tau = 0.4. x0 - 0.4 g = (0.2, 0.8), threshold 0.04: z1 = (0.16, 0.76).
        // f(z1) = (2 * 0.0256 + 0.5 * 0.5776) / 2 = 0.17 <= 1.25 - 1.8 + (0.7056 + 0.0576) / 0.8 = 0.404;
        // F(z1) = 0.17 + 0.1 * 0.92 = 0.262 < F(x0) = 1.45, so x1 = z1 (and y1 = x0: no gradient restart).
        // t2 = (1 + sqrt(1 + 4 / 1.25)) / 2; y2 = x1 + ((t1 - 1) / t2)(x1 - x0) = x1; next trial 1.25 * 0.4.
        close(new double[] {0.16, 0.76}, state.x(), "x1");
        close(0.17, state.value(), "f1");
        double t2 = (1 + Math.sqrt(1 + 4 / 1.25)) / 2;
        close(t2, state.scalar("fista.t", 0), "t2");
        close(new double[] {0.16, 0.76}, state.vector("fista.y"), "y2");
        assertEquals(0.5, state.scalar("fista.step", 0), 0.0, "tau2 = 1.25 * 0.4");
        assertEquals(2, f.withGradient);
        assertTrue(fista.step(f, state));
        // y2 = x1, so no evaluation at y. g = (0.32, 0.38); y2 - 0.5 g = (0, 0.57), threshold 0.05: z2 = (0, 0.52).
        // f(z2) = 0.25 * 0.2704 = 0.0676 <= 0.17 + (0.32 * -0.16 + 0.38 * -0.24) + (0.0256 + 0.0576) / 1 = 0.1108;
        // F(z2) = 0.0676 + 0.052 = 0.1196 < F(x1) = 0.262, so x2 = z2.
        close(new double[] {0.0, 0.52}, state.x(), "x2");
        close(0.0676, state.value(), "f2");
        close(0.1196, fista.objective(state), "F2");
        assertEquals(3, f.withGradient);
        // t3 = (1 + sqrt(1 + 4 t2^2 / 1.25)) / 2, y3 = x2 + ((t2 - 1) / t3)(x2 - x1).
        double t3 = (1 + Math.sqrt(1 + 4 * t2 * t2 / 1.25)) / 2;
        double beta = (t2 - 1) / t3;
        double[] y3 = {0.0 + beta * (0.0 - 0.16), 0.52 + beta * (0.52 - 0.76)};
        close(t3, state.scalar("fista.t", 0), "t3");
        close(y3, state.vector("fista.y"), "y3");
        assertEquals(0.625, state.scalar("fista.step", 0), 0.0, "tau3 = 1.25 * 0.5");
        assertTrue(fista.step(f, state));
        // One evaluation at y3, then y3 - 0.625 g(y3) = (-0.25 y3[0], 0.6875 y3[1]) with y3 ~ (-0.043, 0.456):
        // threshold 0.0625 gives z3 = (0, 0.6875 y3[1] - 0.0625). With d = z3 - y3 the test on this quadratic
        // reads (2 d1^2 + 0.5 d2^2) / 2 <= |d|^2 / 1.25, true as |d1| < |d2|; F(z3) < F(x2), so x3 = z3.
        // Gradient-restart check: (y3 - z3)·(z3 - x2) = (y3[1] - z3[1])(z3[1] - 0.52) < 0 (y3[1] > z3[1] < 0.52).
        double x3 = 0.6875 * y3[1] - 0.0625;
        assertTrue(Math.abs(y3[0]) < Math.abs(x3 - y3[1]) && x3 < y3[1] && x3 < 0.52, "the premises above");
        close(new double[] {0.0, x3}, state.x(), "x3");
        assertEquals(5, f.withGradient, "step 3: at y3 and at z3");
        assertEquals(0, f.valueOnly);
        assertEquals(5, state.evaluations());
        double t4 = (1 + Math.sqrt(1 + 4 * t3 * t3 / 1.25)) / 2;
        close(t4, state.scalar("fista.t", 0), "t4");
        close(new double[] {0.0, x3 + (t3 - 1) / t4 * (x3 - 0.52)}, state.vector("fista.y"), "y4");
        assertEquals(0.78125, state.scalar("fista.step", 0), 0.0, "tau4 = 1.25 * 0.625");
    }

    @Test
    void fistaFunctionRestartSearchesFromXInTheSameIteration() {
        // f = x^2 / 2, h = 0, x = 1, y = -3 from an earlier momentum, t = 3, tau = 0.5 (the test passes for any
        // tau <= 1 on this 1-smooth f). z = -3 - 0.5 * -3 = -1.5: F(z) = 1.125 >= F(x) = 0.5, so the momentum
        // restarts and the search runs from x at the accepted 0.5: z = 1 - 0.5 = 0.5, f = 0.125.
        // Then t_k = 1: t = (1 + sqrt(1 + 4 / 1.25)) / 2 and y = x + 0 (x - x_prev) = 0.5; next trial 0.625.
        CountingFunction f = new CountingFunction(new Quadratic(1.0));
        ProximalGradient fista = ProximalGradient.fista(l1(0.0, 1), 1.0);
        OptimizerState state = fista.initialize(f, new double[] {1.0});
        state.putVector("fista.y", new double[] {-3.0});
        state.putScalar("fista.t", 3.0);
        state.putScalar("fista.step", 0.5);
        assertTrue(fista.step(f, state));
        assertEquals(0.5, state.x()[0], 0.0);
        assertEquals(0.125, state.value(), 0.0);
        assertEquals(0.5, state.gradient()[0], 0.0);
        close((1 + Math.sqrt(1 + 4 / 1.25)) / 2, state.scalar("fista.t", 0), "t after a restart");
        assertArrayEquals(new double[] {0.5}, state.vector("fista.y"), 0.0);
        assertEquals(0.625, state.scalar("fista.step", 0), 0.0);
        assertEquals(1, state.iteration());
        assertEquals(1 + 1 + 1 + 1, f.withGradient, "initialize, at y, first trial from y, first trial from x");
        assertEquals(0, f.valueOnly);
    }

    @Test
    void fistaGradientRestartWhenTheStepPointsAgainstTheMomentum() {
        // f = x^2 / 2, h = 0, x = 1, y = -0.5 (the momentum overshot 0), t = 3, tau = 0.5:
        // z = -0.5 - 0.5 * -0.5 = -0.25, F(z) = 0.03125 < F(x) = 0.5, so x_k = z. But
        // (y - z)(z - x) = (-0.25)(-1.25) = 0.3125 > 0: restart, y_{k+1} = x_k, t = 1; next trial 0.625.
        CountingFunction f = new CountingFunction(new Quadratic(1.0));
        ProximalGradient fista = ProximalGradient.fista(l1(0.0, 1), 1.0);
        OptimizerState state = fista.initialize(f, new double[] {1.0});
        state.putVector("fista.y", new double[] {-0.5});
        state.putScalar("fista.t", 3.0);
        state.putScalar("fista.step", 0.5);
        assertTrue(fista.step(f, state));
        assertEquals(-0.25, state.x()[0], 0.0);
        assertEquals(0.03125, state.value(), 0.0);
        assertEquals(1.0, state.scalar("fista.t", 0), 0.0);
        assertArrayEquals(new double[] {-0.25}, state.vector("fista.y"), 0.0);
        assertEquals(0.625, state.scalar("fista.step", 0), 0.0);
        assertEquals(1 + 1 + 1, f.withGradient, "initialize, at y, the accepted first trial");
        // The next iteration is a plain proximal step from x: -0.25 - 0.625 * -0.25 = -0.09375.
        assertTrue(fista.step(f, state));
        assertEquals(-0.09375, state.x()[0], 0.0);
        assertEquals(4, f.withGradient, "no evaluation at y = x");
    }

    @Test
    void fistaRestartsFromXWhenTheSearchAtYFindsNothing() {
        // f = 1 with a false gradient of 1: no trial ever decreases F. With y = 1 != x = 0 the search at y
        // runs 54 trials (1 - 2^-54 rounds to 1), then the momentum restarts and the search from x = 0 runs
        // all 61 trials; then no progress, with x, f and the gradient unchanged.
        CountingFunction f = new CountingFunction(new DifferentiableFunction() {
            @Override
            public int dimension() {
                return 1;
            }

            @Override
            public double valueAndGradient(double[] x, double[] g) {
                g[0] = 1.0;
                return 1.0;
            }
        });
        ProximalGradient fista = ProximalGradient.fista(l1(0.0, 1), 1.0);
        OptimizerState state = fista.initialize(f, new double[] {0.0});
        state.putVector("fista.y", new double[] {1.0});
        state.putScalar("fista.t", 3.0);
        assertFalse(fista.step(f, state));
        assertEquals(0.0, state.x()[0], 0.0);
        assertEquals(1.0, state.value(), 0.0);
        assertEquals(1 + 1 + 1 + 1, f.withGradient, "initialize, at y, first trial from y, first trial from x");
        assertEquals(53 + 60, f.valueOnly);
        assertEquals(1 + 1 + 54 + 61, state.evaluations());
    }

    @Test
    void fistaRestartsWhenFIsNotFiniteAtY() {
        // f = x^2 / 2, NaN for |x| > 2; x = 1, y = 5 from an earlier momentum: f(y) is NaN, so the momentum
        // restarts (t = 1) and the search runs from x: t = 1 gives z = 1 - 1 = 0, f(z) = 0 <= 0.5 - 1 + 1/2.
        CountingFunction f = new CountingFunction(new DifferentiableFunction() {
            @Override
            public int dimension() {
                return 1;
            }

            @Override
            public double valueAndGradient(double[] x, double[] g) {
                boolean inside = Math.abs(x[0]) <= 2;
                g[0] = inside ? x[0] : Double.NaN;
                return inside ? 0.5 * x[0] * x[0] : Double.NaN;
            }
        });
        ProximalGradient fista = ProximalGradient.fista(l1(0.0, 1), 1.0);
        OptimizerState state = fista.initialize(f, new double[] {1.0});
        state.putVector("fista.y", new double[] {5.0});
        state.putScalar("fista.t", 4.0);
        assertTrue(fista.step(f, state));
        assertEquals(0.0, state.x()[0], 0.0);
        assertEquals(0.0, state.value(), 0.0);
        close((1 + Math.sqrt(1 + 4 / 1.25)) / 2, state.scalar("fista.t", 0), "t after a restart: (1 + sqrt(1 + 4 / 1.25)) / 2");
        assertEquals(1 + 1 + 1, state.evaluations(), "initialize, at y, one trial from x");
        assertEquals(0, f.valueOnly);
    }

    @Test
    void namesChecksAndTheObjectiveIncludesH() {
        assertEquals("proximal", ProximalGradient.ista(l1(1, 2), 1).name());
        assertEquals("fista", ProximalGradient.fista(l1(1, 2), 1).name());
        assertNotEquals(ProximalGradient.ista(l1(1, 2), 1).accelerated(), ProximalGradient.fista(l1(1, 2), 1).accelerated());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProximalGradient.ista(l1(1, 2), -0.5));
        assertTrue(e.getMessage().contains("-0.5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ProximalGradient.fista(null, 1));
        e = assertThrows(IllegalArgumentException.class,
                () -> ProximalGradient.ista(l1(1, 3), 1).initialize(new Quadratic(1, 1), new double[2]));
        assertTrue(e.getMessage().contains("3"), e.getMessage());
    }
}
