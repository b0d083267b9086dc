package dev.downhill.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.objective.DifferentiableFunction;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every accepted step is checked against the two strong Wolfe inequalities, recomputed here from f and its
 * gradient at x and at x + t d (not from what the search reports).
 */
class WolfeLineSearchTest {
    private static final double C1 = 1e-4;
    private static final double C2 = 0.9;

    /** Counts evaluations so that the reported count can be checked. */
    private static final class Counted implements DifferentiableFunction {
        final DifferentiableFunction f;
        int evaluations;

        Counted(DifferentiableFunction f) {
            this.f = f;
        }

        @Override
        public int dimension() {
            return f.dimension();
        }

        @Override
        public double valueAndGradient(double[] x, double[] gradient) {
            evaluations++;
            return f.valueAndGradient(x, gradient);
        }
    }

    /** f(x) = (1/2) (x - m)^2 in one dimension. */
    private static DifferentiableFunction parabola(double m) {
        return new DifferentiableFunction() {
            @Override
            public int dimension() {
                return 1;
            }

            @Override
            public double valueAndGradient(double[] x, double[] g) {
                g[0] = x[0] - m;
                return 0.5 * (x[0] - m) * (x[0] - m);
            }
        };
    }

    /** f(x) = c + (1/2) (x - m)^T A (x - m) with A symmetric positive definite. */
    private static DifferentiableFunction quadratic(double[][] a, double[] m, double c) {
        return new DifferentiableFunction() {
            @Override
            public int dimension() {
                return m.length;
            }

            @Override
            public double valueAndGradient(double[] x, double[] g) {
                double v = c;
                for (int i = 0; i < m.length; i++) {
                    g[i] = 0;
                    for (int j = 0; j < m.length; j++) {
                        g[i] += a[i][j] * (x[j] - m[j]);
                    }
                    v += 0.5 * (x[i] - m[i]) * g[i];
                }
                return v;
            }
        };
    }

    /** Rosenbrock in n dimensions: sum_i (1 - x_i)^2 + 100 (x_{i+1} - x_i^2)^2. */
    static final class Rosenbrock implements DifferentiableFunction {
        private final int n;

        Rosenbrock(int n) {
            this.n = n;
        }

        @Override
        public int dimension() {
            return n;
        }

        @Override
        public double valueAndGradient(double[] x, double[] g) {
            java.util.Arrays.fill(g, 0.0);
            double v = 0;
            for (int i = 0; i + 1 < n; i++) {
                double a = 1 - x[i];
                double b = x[i + 1] - x[i] * x[i];
                v += a * a + 100 * b * b;
                g[i] += -2 * a - 400 * b * x[i];
                g[i + 1] += 200 * b;
            }
            return v;
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /**
     * Runs the search and checks: both strong Wolfe inequalities at x + t d, the reported f and gradient equal
     * f's own at that point, and the evaluation count is honest.
     */
    private static WolfeLineSearch.Result searchAndCheckWolfe(DifferentiableFunction f, double[] x, double[] d,
                                                              double initialStep) {
        Counted counted = new Counted(f);
        double[] g0 = new double[x.length];
        double f0 = f.valueAndGradient(x, g0);
        double[] xOut = new double[x.length];
        double[] gOut = new double[x.length];
        WolfeLineSearch.Result r = new WolfeLineSearch().search(counted, x, f0, g0, d, initialStep, xOut, gOut);
        assertEquals(WolfeLineSearch.Outcome.STRONG_WOLFE, r.outcome());
        assertEquals(counted.evaluations, r.evaluations());
        double t = r.step();
        double[] expected = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            expected[j] = x[j] + t * d[j];
        }
        assertArrayEquals(expected, xOut, 0.0);
        double[] g = new double[x.length];
        double ft = f.valueAndGradient(expected, g);
        assertEquals(ft, r.value(), 0.0);
        assertArrayEquals(g, gOut, 0.0);
        double slope0 = dot(g0, d);
        assertTrue(slope0 < 0);
        assertTrue(ft - f0 <= C1 * t * slope0, "sufficient decrease fails: " + (ft - f0) + " > " + C1 * t * slope0);
        assertTrue(Math.abs(dot(g, d)) <= C2 * Math.abs(slope0),
                "curvature fails: |" + dot(g, d) + "| > " + C2 * Math.abs(slope0));
        return r;
    }

    @Test
    void unitStepIsAcceptedAtOnceWhenItSatisfiesBothConditions() {
        // Exact minimizer at t = 1 of a quadratic along d = x* - x.
        WolfeLineSearch.Result r = searchAndCheckWolfe(parabola(2.0), new double[] {0.5}, new double[] {1.5}, 1.0);
        assertEquals(1, r.evaluations());
        assertEquals(1.0, r.step(), 0.0);
    }

    @Test
    void unitStepTooLongIsShortened() {
        // Minimum at t = 0.01: phi(1) is far above phi(0), so the search must zoom into (0, 1).
        WolfeLineSearch.Result r = searchAndCheckWolfe(parabola(0.01), new double[] {0.0}, new double[] {1.0}, 1.0);
        assertTrue(r.step() < 0.02 && r.evaluations() > 1, "t = " + r.step());
    }

    @Test
    void unitStepTooShortIsLengthened() {
        // Minimum at t = 100: at t = 1 phi' = -99, steeper than 0.9 |phi'(0)| = 90, so the search must extrapolate.
        WolfeLineSearch.Result r = searchAndCheckWolfe(parabola(100.0), new double[] {0.0}, new double[] {1.0}, 1.0);
        assertTrue(r.step() > 10 && r.evaluations() > 1, "t = " + r.step());
        // Far too short: 1e6 away.
        r = searchAndCheckWolfe(parabola(1e6), new double[] {0.0}, new double[] {1.0}, 1.0);
        assertTrue(r.step() > 1e5, "t = " + r.step());
    }

    @Test
    void overflowingTrialIsTreatedAsTooLong() {
        // f(x) = exp(x) - 2x, minimized at log 2; exp(1000) overflows to infinity.
        DifferentiableFunction f = new DifferentiableFunction() {
            @Override
            public int dimension() {
                return 1;
            }

            @Override
            public double valueAndGradient(double[] x, double[] g) {
                g[0] = Math.exp(x[0]) - 2;
                return Math.exp(x[0]) - 2 * x[0];
            }
        };
        WolfeLineSearch.Result r = searchAndCheckWolfe(f, new double[] {0.0}, new double[] {1.0}, 1000.0);
        assertTrue(r.step() < 2, "t = " + r.step());
    }

    @Test
    void quadraticsInSeveralDimensionsAlongRandomDescentDirections() {
        Random rnd = new Random(1);
        for (int trial = 0; trial < 30; trial++) {
            int n = 2 + rnd.nextInt(8);
            // A = B B^T + 0.01 I with entries of B spread over three orders of magnitude.
            double[][] b = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    b[i][j] = rnd.nextGaussian() * Math.pow(10, rnd.nextInt(3) - 1);
                }
            }
            double[][] a = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    for (int k = 0; k < n; k++) {
                        a[i][j] += b[i][k] * b[j][k];
                    }
                }
                a[i][i] += 0.01;
            }
            double[] m = new double[n];
            double[] x = new double[n];
            for (int i = 0; i < n; i++) {
                m[i] = rnd.nextGaussian();
                x[i] = rnd.nextGaussian();
            }
            DifferentiableFunction f = quadratic(a, m, rnd.nextGaussian());
            double[] g = new double[n];
            f.valueAndGradient(x, g);
            // A descent direction: -g rotated a little by noise, scaled by a random power of ten.
            double[] d = new double[n];
            double scale = Math.pow(10, rnd.nextInt(7) - 3);
            for (int i = 0; i < n; i++) {
                d[i] = scale * (-g[i] + 0.3 * rnd.nextGaussian() * Math.abs(g[i]));
            }
            if (dot(d, g) >= 0) {
                continue;
            }
            searchAndCheckWolfe(f, x, d, 1.0);
        }
    }

    /**
     * phi over arrays written here, independently of the search's own: it records which trial is current and which
     * kept, so the {@link WolfeLineSearch.LineFunction} contract can be checked.
     */
    private static final class RecordingLine implements WolfeLineSearch.LineFunction {
        final DifferentiableFunction f;
        final double[] x;
        final double[] d;
        double current = Double.NaN;
        double kept = Double.NaN;
        int evaluations;

        RecordingLine(DifferentiableFunction f, double[] x, double[] d) {
            this.f = f;
            this.x = x;
            this.d = d;
        }

        @Override
        public Sample evaluate(double t) {
            evaluations++;
            current = t;
            double[] xt = new double[x.length];
            for (int j = 0; j < x.length; j++) {
                xt[j] = x[j] + t * d[j];
            }
            double[] g = new double[x.length];
            double value = f.valueAndGradient(xt, g);
            return new Sample(value, dot(g, d));
        }

        @Override
        public void keepCurrent() {
            kept = current;
        }

        @Override
        public void restoreBest(double t) {
            assertEquals(kept, t, 0.0, "the search gives up at the point it kept");
            current = kept;
        }

        @Override
        public boolean changesNothing(double t, double width) {
            for (int j = 0; j < x.length; j++) {
                if (Math.abs(width * d[j]) > Math.ulp(1.0) * Math.abs(x[j] + t * d[j])) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * The search on phi ({@link WolfeLineSearch.LineFunction}, what vector-free L-BFGS drives) and on arrays are one
     * search: the same outcome, step, value and evaluations, bit for bit, through extrapolation, zoom and give-up;
     * and on acceptance the line's current point is the returned step.
     */
    @Test
    void theSearchOnPhiIsTheSearchOnArrays() {
        Random rnd = new Random(7);
        WolfeLineSearch[] searches = {new WolfeLineSearch(), new WolfeLineSearch(1e-4, 0.9, 2),
            new WolfeLineSearch(0.3, 0.4, 3), new WolfeLineSearch(0.45, 0.5, 20)};
        Rosenbrock rosenbrock = new Rosenbrock(4);
        int[] outcomes = new int[WolfeLineSearch.Outcome.values().length];
        for (int trial = 0; trial < 200; trial++) {
            int n = 4;
            double[] x = new double[n];
            double[] d = new double[n];
            for (int j = 0; j < n; j++) {
                x[j] = 1.5 * rnd.nextGaussian();
            }
            double[] g = new double[n];
            double value = rosenbrock.valueAndGradient(x, g);
            double scale = Math.pow(10, rnd.nextInt(9) - 5);
            for (int j = 0; j < n; j++) {
                d[j] = scale * (-g[j] + 0.5 * rnd.nextGaussian() * Math.abs(g[j]));
            }
            WolfeLineSearch search = searches[trial % searches.length];
            double initial = Math.pow(10, rnd.nextInt(5) - 2);
            double[] xOut = new double[n];
            double[] gOut = new double[n];
            WolfeLineSearch.Result onArrays = search.search(rosenbrock, x, value, g, d, initial, xOut, gOut);
            RecordingLine line = new RecordingLine(rosenbrock, x, d);
            WolfeLineSearch.Result onPhi = search.search(line, value, dot(g, d), initial);
            assertEquals(onArrays, onPhi, "trial " + trial);
            assertEquals(onPhi.evaluations(), line.evaluations);
            if (onPhi.accepted()) {
                assertEquals(onPhi.step(), line.current, 0.0, "the current point is the accepted step");
                for (int j = 0; j < n; j++) {
                    assertEquals(x[j] + onPhi.step() * d[j], xOut[j], 0.0);
                }
            }
            outcomes[onPhi.outcome().ordinal()]++;
        }
        for (WolfeLineSearch.Outcome o : WolfeLineSearch.Outcome.values()) {
            assertTrue(outcomes[o.ordinal()] > 0, "no search ended in " + o);
        }
    }

    @Test
    void rosenbrockAlongTheSteepestDescentAndNewtonLikeDirections() {
        Rosenbrock f = new Rosenbrock(2);
        double[] x = {-1.2, 1.0};
        double[] g = new double[2];
        f.valueAndGradient(x, g);
        // -g has length ~233, so t = 1 lands far up the valley wall.
        WolfeLineSearch.Result r = searchAndCheckWolfe(f, x, new double[] {-g[0], -g[1]}, 1.0);
        assertTrue(r.step() < 0.01, "t = " + r.step());
        // Newton direction at (-1.2, 1): -H^{-1} g with H = [[1330, 480], [480, 200]].
        double h11 = 2 - 400 * (x[1] - 3 * x[0] * x[0]);
        double h12 = -400 * x[0];
        double h22 = 200;
        double det = h11 * h22 - h12 * h12;
        double[] newton = {-(h22 * g[0] - h12 * g[1]) / det, -(-h12 * g[0] + h11 * g[1]) / det};
        searchAndCheckWolfe(f, x, newton, 1.0);
        // 10-d from a random start, along -g scaled to unit length: too short or too long depending on the point.
        Rosenbrock f10 = new Rosenbrock(10);
        Random rnd = new Random(2);
        for (int trial = 0; trial < 10; trial++) {
            double[] x10 = new double[10];
            for (int i = 0; i < 10; i++) {
                x10[i] = rnd.nextGaussian();
            }
            double[] g10 = new double[10];
            f10.valueAndGradient(x10, g10);
            double norm = Math.sqrt(dot(g10, g10));
            double[] d10 = new double[10];
            for (int i = 0; i < 10; i++) {
                d10[i] = -g10[i] / norm;
            }
            searchAndCheckWolfe(f10, x10, d10, 1.0);
        }
    }

    @Test
    void ascentDirectionIsRejectedWithoutEvaluating() {
        Counted f = new Counted(parabola(1.0));
        double[] x = {0.0};
        double[] g = {-1.0};
        double[] xOut = new double[1];
        double[] gOut = new double[1];
        WolfeLineSearch.Result r = new WolfeLineSearch().search(f, x, 0.5, g, new double[] {-1.0}, 1.0, xOut, gOut);
        assertEquals(WolfeLineSearch.Outcome.NOT_A_DESCENT_DIRECTION, r.outcome());
        assertFalse(r.accepted());
        assertEquals(0, r.evaluations());
        assertEquals(0, f.evaluations);
        // A direction orthogonal to the gradient is no descent direction either.
        r = new WolfeLineSearch().search(new Counted(new Rosenbrock(2)), new double[] {0, 0}, 1.0,
                new double[] {-2, 0}, new double[] {0, 1}, 1.0, new double[2], new double[2]);
        assertEquals(WolfeLineSearch.Outcome.NOT_A_DESCENT_DIRECTION, r.outcome());
    }

    @Test
    void nearTheMinimumTheDerivativeDecidesWhereFCannot() {
        // f = 1 + (1/2) ||x - m||^2 at a point 1e-10 from m: the possible decrease, 5e-21, is far below ulp(1),
        // but phi' still has all its digits (the approximate Wolfe condition).
        double[][] a = {{1, 0}, {0, 1}};
        double[] m = {0.3, -0.7};
        Counted f = new Counted(quadratic(a, m, 1.0));
        double[] x = {0.3 + 1e-10, -0.7};
        double[] g = new double[2];
        double f0 = f.valueAndGradient(x, g);
        f.evaluations = 0;
        double[] d = {-g[0], -g[1]};
        double[] xOut = new double[2];
        WolfeLineSearch.Result r = new WolfeLineSearch().search(f, x, f0, g, d, 1.0, xOut, new double[2]);
        assertEquals(WolfeLineSearch.Outcome.STRONG_WOLFE, r.outcome());
        assertEquals(1, r.evaluations());
        assertEquals(f0, r.value(), 0.0, "f cannot tell the points apart");
        assertEquals(m[0], xOut[0], 1e-16);
        // Along a direction far too long the zoom still stops quickly: once the bracket can change f by less
        // than its rounding it gives up, leaving the point alone.
        d = new double[] {-1e6 * g[0], -1e6 * g[1]};
        f.evaluations = 0;
        r = new WolfeLineSearch().search(f, x, f0, g, d, 1.0, xOut, new double[2]);
        assertEquals(WolfeLineSearch.Outcome.NO_DECREASE, r.outcome());
        assertTrue(r.evaluations() <= 10, "evaluations: " + r.evaluations());
    }

    @Test
    void aStepUphillThatFCannotSeeIsStillRefused() {
        // The caller's gradient points the wrong way (as rounding can make it at the optimum): d goes uphill by
        // 1e-20, invisible in f = 1 + ..., but phi' > 0 says so, and the search reports no decrease.
        double[][] a = {{1, 0}, {0, 1}};
        double[] m = {0.3, -0.7};
        Counted f = new Counted(quadratic(a, m, 1.0));
        double[] x = {0.3 + 1e-10, -0.7};
        double f0 = f.value(x);
        f.evaluations = 0;
        double[] claimed = {-1e-10, 0};
        double[] d = {1e-10, 0};
        WolfeLineSearch.Result r = new WolfeLineSearch().search(f, x, f0, claimed, d, 1.0, new double[2],
                new double[2]);
        assertEquals(WolfeLineSearch.Outcome.NO_DECREASE, r.outcome());
        assertEquals(f.evaluations, r.evaluations());
        assertTrue(r.evaluations() <= 10, "evaluations: " + r.evaluations());
    }

    @Test
    void outOfTrialsItReturnsTheBestPointWithSufficientDecreaseAndItsGradient() {
        // Budgets 1..4 on a far minimum and on an overshooting direction: whatever is returned must be a point
        // with sufficient decrease whose reported value and gradient are f's own there.
        DifferentiableFunction[] fs = {parabola(1e6), new Rosenbrock(2)};
        double[][] xs = {{0.0}, {-1.2, 1.0}};
        double[][] ds = {{1.0}, {0.9, 0.3}};
        for (int k = 0; k < fs.length; k++) {
            for (int budget = 1; budget <= 4; budget++) {
                DifferentiableFunction f = fs[k];
                double[] x = xs[k];
                double[] g0 = new double[x.length];
                double f0 = f.valueAndGradient(x, g0);
                double[] xOut = new double[x.length];
                double[] gOut = new double[x.length];
                WolfeLineSearch.Result r = new WolfeLineSearch(C1, C2, budget)
                        .search(f, x, f0, g0, ds[k], 1.0, xOut, gOut);
                assertTrue(r.evaluations() <= budget);
                if (!r.accepted()) {
                    assertEquals(WolfeLineSearch.Outcome.NO_DECREASE, r.outcome());
                    continue;
                }
                double[] g = new double[x.length];
                double[] expected = new double[x.length];
                for (int j = 0; j < x.length; j++) {
                    expected[j] = x[j] + r.step() * ds[k][j];
                }
                assertArrayEquals(expected, xOut, 0.0);
                assertEquals(f.valueAndGradient(expected, g), r.value(), 0.0);
                assertArrayEquals(g, gOut, 0.0);
                assertTrue(r.value() - f0 <= C1 * r.step() * dot(g0, ds[k]));
            }
        }
    }

    @Test
    void constantsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new WolfeLineSearch(0.5, 0.4, 10));
        assertThrows(IllegalArgumentException.class, () -> new WolfeLineSearch(0.0, 0.9, 10));
        assertThrows(IllegalArgumentException.class, () -> new WolfeLineSearch(1e-4, 1.0, 10));
        assertThrows(IllegalArgumentException.class, () -> new WolfeLineSearch(1e-4, 0.9, 0));
        assertThrows(IllegalArgumentException.class, () -> new WolfeLineSearch().search(parabola(1), new double[1], 0.5,
                new double[] {-1}, new double[] {1}, 0.0, new double[1], new double[1]));
    }
}
