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
 * ISTA and monotone FISTA step by step on f = (1/2)(2 x1^2 + 0.5 x2^2) (grad f = (2 x1, 0.5 x2)) plus
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
    void fistaThreeStepsWithMomentum() {
        CountingFunction f = new CountingFunction(new Quadratic(2.0, 0.5));
        ProximalGradient fista = ProximalGradient.fista(l1(0.1, 2), 0.4);
        OptimizerState state = fista.initialize(f, new double[] {1.0, 1.0});
        assertTrue(fista.step(f, state));
        // y1 = x0 = (1, 1), t1 = 1. x0 - 0.4 g = (0.2, 0.8), threshold 0.04: z1 = (0.16, 0.76).
        // f(z1) = (2 * 0.0256 + 0.5 * 0.5776) / 2 = 0.17 <= 1.25 - 1.8 + (0.7056 + 0.0576) / 0.8 = 0.404;
        // F(z1) = 0.17 + 0.1 * 0.92 = 0.262 <= F(x0) = 1.45, so x1 = z1.
        // t2 = (1 + sqrt(5)) / 2; y2 = x1 + (t1 / t2)(z1 - x1) + ((t1 - 1) / t2)(x1 - x0) = x1.
        close(new double[] {0.16, 0.76}, state.x(), "x1");
        close(0.17, state.value(), "f1");
        double t2 = (1 + Math.sqrt(5)) / 2;
        close(t2, state.scalar("fista.t", 0), "t2");
        close(new double[] {0.16, 0.76}, state.vector("fista.y"), "y2");
        assertEquals(2, f.withGradient);
        assertTrue(fista.step(f, state));
        // y2 = x1, so no evaluation at y. g = (0.32, 0.38); y2 - 0.4 g = (0.032, 0.608), threshold 0.04: z2 = (0, 0.568).
        // f(z2) = 0.25 * 0.322624 = 0.080656 <= 0.17 + (0.32 * -0.16 + 0.38 * -0.192) + (0.0256 + 0.036864) / 0.8 = 0.12392;
        // F(z2) = 0.080656 + 0.0568 = 0.137456 <= F(x1) = 0.262, so x2 = z2.
        close(new double[] {0.0, 0.568}, state.x(), "x2");
        close(0.080656, state.value(), "f2");
        close(0.137456, fista.objective(state), "F2");
        assertEquals(3, f.withGradient);
        // t3 = (1 + sqrt(1 + 4 t2^2)) / 2, y3 = x2 + ((t2 - 1) / t3)(x2 - x1) = (-0.045080564020051325, 0.5139033231759383).
        double t3 = (1 + Math.sqrt(1 + 4 * t2 * t2)) / 2;
        double beta = (t2 - 1) / t3;
        double[] y3 = {0.0 + beta * (0.0 - 0.16), 0.568 + beta * (0.568 - 0.76)};
        close(t3, state.scalar("fista.t", 0), "t3");
        close(y3, state.vector("fista.y"), "y3");
        close(-0.045080564020051325, y3[0], "y3 decimal");
        assertTrue(fista.step(f, state));
        // One evaluation at y3, then y3 - 0.4 g(y3) = (0.2 y3[0], 0.8 y3[1]) = (-0.0090161..., 0.4111226...),
        // threshold 0.04: z3 = (0, 0.8 y3[1] - 0.04) = (0, 0.37112265854075066), and F(z3) < F(x2), so x3 = z3.
        close(new double[] {0.0, 0.8 * y3[1] - 0.04}, state.x(), "x3");
        close(0.37112265854075066, state.x()[1], "x3 decimal");
        assertEquals(5, f.withGradient, "step 3: at y3 and at z3");
        assertEquals(0, f.valueOnly);
        assertEquals(5, state.evaluations());
        double t4 = (1 + Math.sqrt(1 + 4 * t3 * t3)) / 2;
        close(t4, state.scalar("fista.t", 0), "t4");
        // y4 = x3 + ((t3 - 1) / t4)(x3 - x2).
        double x3 = 0.8 * y3[1] - 0.04;
        close(new double[] {0.0, x3 + (t3 - 1) / t4 * (x3 - 0.568)}, state.vector("fista.y"), "y4");
        assertEquals(0.4, state.scalar("fista.step", 0), 0.0, "FISTA's step never grows");
    }

    @Test
    void fistaKeepsThePreviousIterateWhenZWouldRaiseTheObjective() {
        // On f = (x1^2 + 0.05 x2^2) / 2, h = 0.01 (|x1| + |x2|), step 1 from (1, 1), the momentum overshoots in x2
        // and iteration 13 is the first whose z has a larger F than x_12 (found by running it).
        DifferentiableFunction f = new Quadratic(1.0, 0.05);
        ProximalGradient fista = ProximalGradient.fista(l1(0.01, 2), 1.0);
        OptimizerState state = fista.initialize(f, new double[] {1.0, 1.0});
        for (int k = 0; k < 12; k++) {
            double before = fista.objective(state);
            assertTrue(fista.step(f, state));
            assertTrue(fista.objective(state) <= before, "F never rises");
        }
        double[] x = state.x().clone();
        double[] y = state.vector("fista.y").clone();
        double tk = state.scalar("fista.t", 0);
        double fx = fista.objective(state);
        assertTrue(fista.step(f, state));
        // By hand from (x, y, t_k): the step 1 passes the test at once on this 1-smooth f;
        // z = S_0.01(y - g(y)) with g(y) = (y1, 0.05 y2): z1 = S_0.01(0) = 0, z2 = S_0.01(0.95 y2).
        double v2 = y[1] - 0.05 * y[1];
        double z2 = v2 > 0.01 ? v2 - 0.01 : v2 < -0.01 ? v2 + 0.01 : 0.0;
        double fz = 0.5 * 0.05 * z2 * z2 + 0.01 * Math.abs(z2);
        assertTrue(fz > fx, "the premise: F(z) = " + fz + " > F(x) = " + fx);
        assertArrayEquals(x, state.x(), 0.0, "x_13 = x_12");
        assertEquals(13, state.iteration());
        // y_14 = x_12 + (t_13 / t_14)(z - x_12).
        double tNext = (1 + Math.sqrt(1 + 4 * tk * tk)) / 2;
        close(tNext, state.scalar("fista.t", 0), "t14");
        close(new double[] {x[0] + tk / tNext * (0.0 - x[0]), x[1] + tk / tNext * (z2 - x[1])},
                state.vector("fista.y"), "y14");
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
        close((1 + Math.sqrt(5)) / 2, state.scalar("fista.t", 0), "t after a restart: (1 + sqrt(1 + 4)) / 2");
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
