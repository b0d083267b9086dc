package dev.downhill.core.optim;

import static dev.downhill.core.optim.Close.close;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.objective.DifferentiableFunction;
import org.junit.jupiter.api.Test;

/** The Armijo search step by step on small functions, with the evaluations it may spend. */
class BacktrackingLineSearchTest {

    @Test
    void aRejectedFirstTrialIsFollowedByCheapValuesThenOneGradient() {
        // f = (1/2)(4 x1^2 + x2^2) from (1, 1): f = 2.5, g = (4, 1), ||g||^2 = 17; first trial t = 1.
        CountingFunction f = new CountingFunction(new Quadratic(4.0, 1.0));
        BacktrackingLineSearch ls = new BacktrackingLineSearch(1.0);
        OptimizerState state = ls.initialize(f, new double[] {1.0, 1.0});
        assertTrue(ls.step(f, state));
        // t = 1:   x = (1 - 4, 1 - 1) = (-3, 0), f = 18 > 2.5 - 1e-4 * 1 * 17: rejected (f and gradient).
        // t = 0.5: x = (1 - 2, 1 - 0.5) = (-1, 0.5), f = (4 + 0.25) / 2 = 2.125 <= 2.5 - 1e-4 * 0.5 * 17 = 2.49915:
        //          accepted (f alone), then f and gradient at (-1, 0.5): g = (-4, 0.5).
        assertArrayEquals(new double[] {-1.0, 0.5}, state.x(), 0.0);
        close(2.125, state.value(), "f");
        close(new double[] {-4.0, 0.5}, state.gradient(), "gradient");
        assertEquals(0.5, state.lastStepSize(), 0.0);
        assertEquals(1.0, state.scalar(BacktrackingLineSearch.NEXT_STEP, 0), 0.0, "next trial is twice 0.5");
        assertEquals(1 + 2, f.withGradient, "initialize, first trial, accepted point");
        assertEquals(1, f.valueOnly);
        assertEquals(1 + 3, state.evaluations());
        assertEquals(1, state.iteration());

        assertTrue(ls.step(f, state));
        // ||g||^2 = 16.25. t = 1: x = (-1 + 4, 0.5 - 0.5) = (3, 0), f = 18 > 2.125: rejected.
        // t = 0.5: x = (-1 + 2, 0.5 - 0.25) = (1, 0.25), f = (4 + 0.0625) / 2 = 2.03125
        //          <= 2.125 - 1e-4 * 0.5 * 16.25 = 2.1241875: accepted.
        assertArrayEquals(new double[] {1.0, 0.25}, state.x(), 0.0);
        close(2.03125, state.value(), "f");
        close(new double[] {4.0, 0.25}, state.gradient(), "gradient");
        assertEquals(1 + 4, f.withGradient);
        assertEquals(2, f.valueOnly);
        assertEquals(1 + 6, state.evaluations());
    }

    @Test
    void anAcceptedFirstTrialCostsOneEvaluationAndTheStepDoubles() {
        // f = (1/2)(x1^2 + x2^2) from (2, -1): f = 2.5, g = (2, -1), ||g||^2 = 5; first trial t = 0.5.
        CountingFunction f = new CountingFunction(new Quadratic(1.0, 1.0));
        BacktrackingLineSearch ls = new BacktrackingLineSearch(0.5);
        OptimizerState state = ls.initialize(f, new double[] {2.0, -1.0});
        assertTrue(ls.step(f, state));
        // x = (2 - 1, -1 + 0.5) = (1, -0.5), f = (1 + 0.25) / 2 = 0.625 <= 2.5 - 1e-4 * 0.5 * 5.
        assertArrayEquals(new double[] {1.0, -0.5}, state.x(), 0.0);
        close(0.625, state.value(), "f");
        assertEquals(2, f.withGradient);
        assertEquals(0, f.valueOnly);
        assertEquals(1.0, state.scalar(BacktrackingLineSearch.NEXT_STEP, 0), 0.0);
        assertTrue(ls.step(f, state));
        // t = 1: x = (1 - 1, -0.5 + 0.5) = (0, 0), f = 0: accepted; next trial 2.
        assertArrayEquals(new double[] {0.0, 0.0}, state.x(), 0.0);
        assertEquals(0.0, state.value(), 0.0);
        assertEquals(1.0, state.lastStepSize(), 0.0);
        assertEquals(2.0, state.scalar(BacktrackingLineSearch.NEXT_STEP, 0), 0.0);
        assertEquals(3, state.evaluations());
        // grad f = 0: nothing to search along, so no progress and nothing evaluated.
        OptimizerState before = state.copy();
        assertFalse(ls.step(f, state));
        assertEquals(before, state);
    }

    @Test
    void nonFiniteTrialsAreRejected() {
        // f = x^2 / 2, but NaN for |x| > 2. From x = 1 (f = 0.5, g = 1) with t = 4:
        // t = 4: x = -3, NaN: rejected. t = 2: x = -1, f = 0.5 > 0.5 - 1e-4 * 2: rejected. t = 1: x = 0, f = 0: accepted.
        DifferentiableFunction partial = new DifferentiableFunction() {
            @Override
            public int dimension() {
                return 1;
            }

            @Override
            public double valueAndGradient(double[] x, double[] g) {
                g[0] = Math.abs(x[0]) > 2 ? Double.NaN : x[0];
                return Math.abs(x[0]) > 2 ? Double.NaN : 0.5 * x[0] * x[0];
            }
        };
        CountingFunction f = new CountingFunction(partial);
        BacktrackingLineSearch ls = new BacktrackingLineSearch(4.0);
        OptimizerState state = ls.initialize(f, new double[] {1.0});
        assertTrue(ls.step(f, state));
        assertEquals(0.0, state.x()[0], 0.0);
        assertEquals(0.0, state.value(), 0.0);
        assertEquals(1.0, state.lastStepSize(), 0.0);
        assertEquals(3, f.withGradient, "initialize, first trial, accepted point");
        assertEquals(2, f.valueOnly);
    }

    /** f = 1 everywhere with a gradient of 1: nothing ever decreases f. */
    private static final DifferentiableFunction FLAT_WITH_FALSE_GRADIENT = new DifferentiableFunction() {
        @Override
        public int dimension() {
            return 1;
        }

        @Override
        public double valueAndGradient(double[] x, double[] g) {
            g[0] = 1.0;
            return 1.0;
        }
    };

    @Test
    void noDecreaseWithin60HalvingsReturnsFalseWithTheStateUnchanged() {
        // From x = 0 the trials -1, -1/2, ..., -2^-60 never round to 0: 61 trials (1 with gradient, 60 f alone).
        CountingFunction f = new CountingFunction(FLAT_WITH_FALSE_GRADIENT);
        BacktrackingLineSearch ls = new BacktrackingLineSearch(1.0);
        OptimizerState state = ls.initialize(f, new double[] {0.0});
        OptimizerState before = state.copy();
        assertFalse(ls.step(f, state));
        assertEquals(2, f.withGradient);
        assertEquals(60, f.valueOnly);
        assertEquals(1 + 61, state.evaluations(), "the evaluations spent are recorded");
        before.addEvaluations(61);
        assertEquals(before, state, "x, f, gradient, iteration and next step unchanged");
    }

    @Test
    void aStepBelowTheRoundingOfXEndsTheSearch() {
        // From x = 1: 1 - 2^-k differs from 1 for k = 0..53 (1 - 2^-53 is the double below 1), and
        // 1 - 2^-54 rounds to 1 (a tie, to even), so the search stops after 54 trials.
        CountingFunction f = new CountingFunction(FLAT_WITH_FALSE_GRADIENT);
        BacktrackingLineSearch ls = new BacktrackingLineSearch(1.0);
        OptimizerState state = ls.initialize(f, new double[] {1.0});
        assertFalse(ls.step(f, state));
        assertEquals(1.0, state.x()[0], 0.0);
        assertEquals(2, f.withGradient);
        assertEquals(53, f.valueOnly);
        assertEquals(1 + 54, state.evaluations());
    }

    @Test
    void theInitialStepMustBePositiveAndFinite() {
        for (double t : new double[] {0.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new BacktrackingLineSearch(t));
            assertTrue(e.getMessage().contains(String.valueOf(t)), e.getMessage());
        }
        assertEquals("gd-linesearch", new BacktrackingLineSearch(1.0).name());
        assertEquals(1e-4, BacktrackingLineSearch.SUFFICIENT_DECREASE, 0.0);
        assertEquals(0.5, BacktrackingLineSearch.SHRINK, 0.0);
    }
}
