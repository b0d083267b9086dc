package dev.downhill.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.linalg.Vectors;
import dev.downhill.core.objective.DifferentiableFunction;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MinimizerTest {

    /** Records what the listener is told. */
    private static final class Recorder implements IterationListener {
        final List<Long> iterations = new ArrayList<>();
        final List<Double> values = new ArrayList<>();

        @Override
        public void iterationDone(OptimizerState state, IterationReport report) {
            // The reported norm must be that of the gradient now in the state.
            assertEquals(Vectors.norm2(state.gradient()), report.stationarity(), 0.0);
            assertEquals(state.value(), report.objective(), 0.0);
            assertTrue(report.nanos() >= 0);
            iterations.add(state.iteration());
            values.add(state.value());
        }
    }

    @Test
    void stopsWithGradientToleranceWhenConverged() {
        Quadratic f = new Quadratic(2.0, 0.5, 1.0);
        double tolerance = 1e-8;
        Recorder recorder = new Recorder();
        Minimizer.Result result = new Minimizer(new GradientDescent(1.0 / 2.0), 10_000, tolerance)
                .minimize(f, new double[] {1.0, -2.0, 3.0}, recorder);
        assertEquals(StopReason.GRADIENT_TOLERANCE, result.reason());
        assertTrue(result.gradientNorm() <= tolerance);
        assertEquals(Vectors.norm2(result.state().gradient()), result.gradientNorm(), 0.0);
        // |x_j| = |g_j| / a_j <= tolerance / min a_j.
        for (double xj : result.state().x()) {
            assertTrue(Math.abs(xj) <= tolerance / 0.5, "x_j = " + xj);
        }
        assertTrue(result.state().iteration() > 1 && result.state().iteration() < 10_000);
        assertEquals(result.state().iteration(), recorder.iterations.size());
        assertEquals(result.state().iteration() + 1, result.state().evaluations());
    }

    @Test
    void stopsWithMaxIterationsAtTheLimitAndCallsListenerEachTime() {
        Quadratic f = new Quadratic(2.0, 0.5);
        Recorder recorder = new Recorder();
        int max = 7;
        Minimizer.Result result = new Minimizer(new GradientDescent(0.1), max, 0.0)
                .minimize(f, new double[] {1.0, 1.0}, recorder);
        assertEquals(StopReason.MAX_ITERATIONS, result.reason());
        assertEquals(max, result.state().iteration());
        assertEquals(max, recorder.iterations.size());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), recorder.iterations);
        assertEquals(max + 1, result.state().evaluations());
        assertEquals(max + 1, f.evaluations);
    }

    @Test
    void zeroMaxIterationsTakesNoStep() {
        Quadratic f = new Quadratic(1.0);
        Recorder recorder = new Recorder();
        Minimizer.Result result = new Minimizer(new GradientDescent(0.1), 0, 1e-6)
                .minimize(f, new double[] {5.0}, recorder);
        assertEquals(StopReason.MAX_ITERATIONS, result.reason());
        assertEquals(0, recorder.iterations.size());
        assertArrayEquals(new double[] {5.0}, result.state().x(), 0.0);
    }

    @Test
    void stopsWithDivergedWhenFunctionReturnsNaN() {
        // Behaves like a quadratic for the first three evaluations, then returns NaN.
        Quadratic inner = new Quadratic(1.0, 1.0);
        DifferentiableFunction f = new DifferentiableFunction() {
            int calls;

            @Override
            public int dimension() {
                return 2;
            }

            @Override
            public double valueAndGradient(double[] x, double[] g) {
                double v = inner.valueAndGradient(x, g);
                return ++calls > 3 ? Double.NaN : v;
            }
        };
        Recorder recorder = new Recorder();
        Minimizer.Result result = new Minimizer(new GradientDescent(0.1), 100, 1e-12)
                .minimize(f, new double[] {1.0, 1.0}, recorder);
        assertEquals(StopReason.DIVERGED, result.reason());
        assertEquals("diverged", result.reason().label());
        // Evaluation 1 is initialize; evaluations 2, 3, 4 are iterations 1, 2, 3, and the 4th is NaN.
        assertEquals(3L, result.state().iteration());
        assertTrue(Double.isNaN(result.state().value()));
        assertEquals(3, recorder.iterations.size());
    }

    @Test
    void stopsWithDivergedWhenTheStepIsFarTooLarge() {
        // Step 1000 on f = x^2/2 multiplies x by -999 each iteration until it overflows.
        Quadratic f = new Quadratic(1.0);
        Minimizer.Result result = new Minimizer(new GradientDescent(1000.0), 10_000, 1e-8)
                .minimize(f, new double[] {1.0}, new Recorder());
        assertEquals(StopReason.DIVERGED, result.reason());
        assertTrue(result.state().iteration() < 10_000);
        assertFalse(Double.isFinite(result.state().value()) && Double.isFinite(result.gradientNorm()));
    }

    @Test
    void takesNoStepWhenTheStartAlreadyMeetsTheTolerance() {
        Quadratic f = new Quadratic(2.0, 3.0);
        Recorder recorder = new Recorder();
        double[] start = {1e-9, -1e-9}; // gradient norm ~3.6e-9
        Minimizer.Result result = new Minimizer(new GradientDescent(0.1), 100, 1e-8)
                .minimize(f, start.clone(), recorder);
        assertEquals(StopReason.GRADIENT_TOLERANCE, result.reason());
        assertEquals(0L, result.state().iteration());
        assertEquals(1L, result.state().evaluations());
        assertEquals(1, f.evaluations);
        assertTrue(recorder.iterations.isEmpty());
        assertArrayEquals(start, result.state().x(), 0.0);
    }

    @Test
    void continuingFromACopiedStateGivesTheSameResultAsOneRun() {
        // The checkpoint promise: 4 iterations, copy, 5 more equals 9 in one go.
        Quadratic f = new Quadratic(2.0, 0.5, 1.5);
        double[] start = {1.0, -1.0, 2.0};
        Minimizer.Result straight = new Minimizer(new GradientDescent(0.3), 9, 0.0).minimize(f, start.clone(), new Recorder());
        Minimizer.Result firstPart = new Minimizer(new GradientDescent(0.3), 4, 0.0).minimize(f, start.clone(), new Recorder());
        OptimizerState checkpoint = firstPart.state().copy();
        Minimizer.Result resumed = new Minimizer(new GradientDescent(0.3), 9, 0.0).run(f, checkpoint, new Recorder());
        assertEquals(straight.state(), resumed.state());
        assertEquals(9L, resumed.state().iteration());
    }

    @Test
    void invalidSettingsAreRejected() {
        GradientDescent gd = new GradientDescent(0.1);
        assertThrows(IllegalArgumentException.class, () -> new Minimizer(gd, -1, 1e-6));
        assertThrows(IllegalArgumentException.class, () -> new Minimizer(gd, 10, -1e-6));
        assertThrows(IllegalArgumentException.class, () -> new Minimizer(gd, 10, Double.NaN));
    }
}
