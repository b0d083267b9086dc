package dev.downhill.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.linalg.Vectors;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each stop criterion, on f = x^2/2 with GD step t: x_k = (1 - t)^k x_0, so every figure is known in closed form. */
class StopCriteriaTest {
    private static final IterationListener NONE = (s, r) -> { };

    @Test
    void relativeGradientToleranceIsRelativeToTheStart() {
        // ||g_k|| = 0.5^k * 8 with t = 0.5; rel-tol 1e-3: first k with 0.5^k <= 1e-3 is k = 10.
        Minimizer m = new Minimizer(new GradientDescent(0.5),
                StopCriteria.iterations(100).withRelativeGradientTolerance(1e-3));
        Minimizer.Result r = m.minimize(new Quadratic(1.0), new double[] {8.0}, NONE);
        assertEquals(StopReason.GRADIENT_TOLERANCE, r.reason());
        assertEquals(10, r.state().iteration());
        // Scaling the start scales nothing: the same 10 iterations from x0 = 8000.
        Minimizer.Result big = m.minimize(new Quadratic(1.0), new double[] {8000.0}, NONE);
        assertEquals(10, big.state().iteration());
    }

    @Test
    void objectiveToleranceWaitsForTheWindow() {
        // f_k = 0.5 * 0.81^k * x0^2 with t = 0.1; relative change over w iterations: (f_{k-w} - f_k)/f_k =
        // 0.81^-w - 1, constant. With w = 2 that is 0.5241...; tolerance 0.6 stops as soon as the window is full.
        Minimizer m = new Minimizer(new GradientDescent(0.1),
                StopCriteria.iterations(100).withObjectiveTolerance(0.6, 2));
        Minimizer.Result r = m.minimize(new Quadratic(1.0), new double[] {1.0}, NONE);
        assertEquals(StopReason.OBJECTIVE_TOLERANCE, r.reason());
        assertEquals(2, r.state().iteration());
        // Below the constant change (0.5) it never stops for this reason.
        Minimizer strict = new Minimizer(new GradientDescent(0.1),
                StopCriteria.iterations(30).withObjectiveTolerance(0.5, 2));
        assertEquals(StopReason.MAX_ITERATIONS, strict.minimize(new Quadratic(1.0), new double[] {1.0}, NONE).reason());
    }

    @Test
    void earlyStoppingKeepsTheIterateWithTheBestValidationLoss() {
        // Validation loss (x - 0.3)^2: GD from x0 = 1 with t = 0.5 gives x_k = 0.5^k, closest to 0.3 at k = 2
        // (0.25); after `patience` = 3 worse iterations (k = 3, 4, 5) it stops at k = 5 and the best is k = 2.
        Validator v = x -> (x[0] - 0.3) * (x[0] - 0.3);
        List<Double> seen = new ArrayList<>();
        Minimizer m = new Minimizer(new GradientDescent(0.5), StopCriteria.iterations(100).withPatience(3));
        Minimizer.Result r = m.run(FunctionSequence.of(new Quadratic(1.0)),
                m.start(new Quadratic(1.0), new double[] {1.0}), (s, rep) -> seen.add(rep.validationLoss()), v);
        assertEquals(StopReason.EARLY_STOPPING, r.reason());
        assertEquals(5, r.state().iteration());
        assertEquals(2, r.best().iteration());
        assertArrayEquals(new double[] {0.25}, r.best().x(), 0.0);
        assertEquals(0.0025, r.best().validationLoss(), 1e-17);
        // Reported after iterations 1..5: (0.5 - 0.3)^2, (0.25 - 0.3)^2, (0.125 - 0.3)^2, ...
        double[] expected = {0.04, 0.0025, 0.030625, 0.05640625, 0.0722265625};
        assertEquals(5, seen.size());
        for (int i = 0; i < 5; i++) {
            assertEquals(expected[i], seen.get(i), 1e-15);
        }
    }

    @Test
    void timeBudgetStopsBetweenIterations() {
        // A function that takes 30 ms per evaluation and a budget of 0.1 s: a few iterations, then the budget.
        Quadratic q = new Quadratic(1.0);
        dev.downhill.core.objective.DifferentiableFunction slow = new dev.downhill.core.objective.DifferentiableFunction() {
            @Override
            public int dimension() {
                return 1;
            }

            @Override
            public double valueAndGradient(double[] x, double[] g) {
                try {
                    Thread.sleep(30);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return q.valueAndGradient(x, g);
            }
        };
        Minimizer m = new Minimizer(new GradientDescent(0.01), StopCriteria.iterations(1_000_000).withTimeBudget(0.1));
        Minimizer.Result r = m.minimize(slow, new double[] {1.0}, NONE);
        assertEquals(StopReason.TIME_BUDGET, r.reason());
        assertTrue(r.state().iteration() >= 1 && r.state().iteration() < 1000, "iterations " + r.state().iteration());
    }

    @Test
    void stopDecisionsSurviveACheckpoint() throws IOException {
        // Early stopping across a save/restore: the bookkeeping travels in the state's "stop." entries.
        Validator v = x -> (x[0] - 0.3) * (x[0] - 0.3);
        StopCriteria c = StopCriteria.iterations(100).withPatience(3).withObjectiveTolerance(1e-30, 4);
        Minimizer whole = new Minimizer(new GradientDescent(0.5), c);
        Minimizer.Result straight = whole.run(FunctionSequence.of(new Quadratic(1.0)),
                whole.start(new Quadratic(1.0), new double[] {1.0}), NONE, v);

        Minimizer firstPart = new Minimizer(new GradientDescent(0.5), c.withMaxIterations(3));
        Minimizer.Result part = firstPart.run(FunctionSequence.of(new Quadratic(1.0)),
                firstPart.start(new Quadratic(1.0), new double[] {1.0}), NONE, v);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        part.state().writeTo(new DataOutputStream(bytes));
        OptimizerState restored = OptimizerState.readFrom(
                new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), 1000);
        Minimizer.Result resumed = whole.run(FunctionSequence.of(new Quadratic(1.0)), restored, NONE, v);
        assertEquals(straight.reason(), resumed.reason());
        assertEquals(straight.state(), resumed.state());
        assertEquals(straight.best().iteration(), resumed.best().iteration());
    }

    @Test
    void reportsTheStationarityTheOptimizerDefines() {
        List<Double> reported = new ArrayList<>();
        Minimizer m = new Minimizer(new GradientDescent(0.5), StopCriteria.iterations(3));
        m.minimize(new Quadratic(1.0, 4.0), new double[] {1.0, 1.0}, (s, r) -> {
            reported.add(r.stationarity());
            assertEquals(Vectors.norm2(s.gradient()), r.stationarity(), 0.0);
        });
        assertEquals(3, reported.size());
    }

    @Test
    void badCriteriaAreRejected() {
        StopCriteria c = new StopCriteria();
        assertThrows(IllegalArgumentException.class, () -> c.withPatience(0));
        assertThrows(IllegalArgumentException.class, () -> c.withObjectiveTolerance(1e-9, 0));
        assertThrows(IllegalArgumentException.class, () -> c.withTimeBudget(0));
        assertThrows(IllegalArgumentException.class, () -> c.withRelativeGradientTolerance(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> c.withMaxIterations(-1));
    }
}
