package dev.downhill.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.objective.DifferentiableFunction;
import org.junit.jupiter.api.Test;

/** The Minimizer's divergence rules: runs of real rises stop it; rounding-sized rises never do. */
class DivergenceTest {

    /** f(x) = x^2 / 2: gradient descent with step t multiplies x by (1 - t), so t > 2 makes |x| grow. */
    private static final DifferentiableFunction HALF_SQUARE = new DifferentiableFunction() {
        @Override
        public int dimension() {
            return 1;
        }

        @Override
        public double valueAndGradient(double[] x, double[] g) {
            g[0] = x[0];
            return 0.5 * x[0] * x[0];
        }
    };

    @Test
    void aRunOfRisesStopsAsDivergedAndKeepsTheBestIterate() {
        // Step 3: x -> -2x, so f grows fourfold every iteration; the start is the best point seen.
        Minimizer.Result r = new Minimizer(new GradientDescent(3.0), 1000, 0.0, 5)
                .minimize(HALF_SQUARE, new double[] {1.0}, (s, report) -> { });
        assertEquals(StopReason.DIVERGED, r.reason());
        assertEquals(5, r.state().iteration());
        assertTrue(r.detail().contains("rose 5 iterations in a row"), r.detail());
        assertEquals(0, r.best().iteration());
        assertEquals(1.0, r.best().x()[0]);
        assertEquals(0.5, r.best().objective());
    }

    @Test
    void riseCountStartsAgainAfterADecrease() {
        // f alternates: up, up, down, up, up, down ... never 3 rises in a row.
        double[] values = {10, 11, 12, 5, 6, 7, 3, 4, 5, 1, 2, 3, 0.5};
        DifferentiableFunction scripted = new DifferentiableFunction() {
            int call;

            @Override
            public int dimension() {
                return 1;
            }

            @Override
            public double valueAndGradient(double[] x, double[] g) {
                g[0] = 1;
                return values[Math.min(call++, values.length - 1)];
            }
        };
        Minimizer.Result r = new Minimizer(new GradientDescent(1e-3), values.length - 1, 0.0, 3)
                .minimize(scripted, new double[] {0}, (s, report) -> { });
        assertEquals(StopReason.MAX_ITERATIONS, r.reason());
        assertEquals(0.5, r.best().objective());
    }

    @Test
    void risesAtRoundingLevelAreNotRises() {
        // At the optimum f wobbles by an ulp or so; thousands of such "rises" must never look like divergence.
        DifferentiableFunction flat = new DifferentiableFunction() {
            int call;

            @Override
            public int dimension() {
                return 1;
            }

            @Override
            public double valueAndGradient(double[] x, double[] g) {
                g[0] = 1e-3;
                return 0.25 + Math.ulp(0.25) * (call++ % 7);
            }
        };
        Minimizer.Result r = new Minimizer(new GradientDescent(1e-9), 5000, 0.0, 2)
                .minimize(flat, new double[] {0}, (s, report) -> { });
        assertEquals(StopReason.MAX_ITERATIONS, r.reason());
    }

    @Test
    void aNonFiniteObjectiveStopsAtOnce() {
        Minimizer.Result r = new Minimizer(new GradientDescent(1e300), 1000, 0.0, 10)
                .minimize(HALF_SQUARE, new double[] {1e10}, (s, report) -> { });
        assertEquals(StopReason.DIVERGED, r.reason());
        assertEquals(1, r.state().iteration());
        assertTrue(r.detail().contains("objective became Infinity"), r.detail());
        assertEquals(0, r.best().iteration());
    }
}
