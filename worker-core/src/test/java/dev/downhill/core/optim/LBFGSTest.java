package dev.downhill.core.optim;

import static dev.downhill.core.optim.QuasiNewtonProblems.driverLike;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.linalg.Vectors;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.objective.DifferentiableFunction;
import dev.downhill.core.objective.RegularizedObjective;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LBFGSTest {

    /** f(x) = (1/2) x^T A x - b . x with A symmetric positive definite; grad f = A x - b. */
    static final class DenseQuadratic implements DifferentiableFunction {
        final double[][] a;
        final double[] b;

        DenseQuadratic(double[][] a, double[] b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public int dimension() {
            return b.length;
        }

        @Override
        public double valueAndGradient(double[] x, double[] g) {
            double v = 0;
            for (int i = 0; i < b.length; i++) {
                g[i] = -b[i];
                for (int j = 0; j < b.length; j++) {
                    g[i] += a[i][j] * x[j];
                }
                v += 0.5 * x[i] * (g[i] - b[i]);
            }
            return v;
        }
    }

    private static double[][] multiply(double[][] p, double[][] q) {
        int n = p.length;
        double[][] r = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < n; k++) {
                    r[i][j] += p[i][k] * q[k][j];
                }
            }
        }
        return r;
    }

    /** The BFGS inverse update written out: (I - rho s y^T) H (I - rho y s^T) + rho s s^T, rho = 1 / y.s. */
    static double[][] bfgsUpdate(double[][] h, double[] s, double[] y) {
        int n = s.length;
        double rho = 1 / Vectors.dot(y, s);
        double[][] left = new double[n][n];
        double[][] right = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                left[i][j] = (i == j ? 1 : 0) - rho * s[i] * y[j];
                right[i][j] = (i == j ? 1 : 0) - rho * y[i] * s[j];
            }
        }
        double[][] r = multiply(multiply(left, h), right);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                r[i][j] += rho * s[i] * s[j];
            }
        }
        return r;
    }

    static double[] times(double[][] h, double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            for (int j = 0; j < v.length; j++) {
                r[i] += h[i][j] * v[j];
            }
        }
        return r;
    }

    private static double[] minus(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] - b[i];
        }
        return r;
    }

    /** -H g with H built by BFGS updates from gamma I (gamma from the newest pair), oldest pair first. */
    private static double[] directionByHand(List<double[]> ss, List<double[]> ys, double[] g) {
        int n = g.length;
        double[] sNew = ss.get(ss.size() - 1);
        double[] yNew = ys.get(ys.size() - 1);
        double gamma = Vectors.dot(sNew, yNew) / Vectors.dot(yNew, yNew);
        double[][] h = new double[n][n];
        for (int i = 0; i < n; i++) {
            h[i][i] = gamma;
        }
        for (int k = 0; k < ss.size(); k++) {
            h = bfgsUpdate(h, ss.get(k), ys.get(k));
        }
        double[] d = times(h, g);
        for (int i = 0; i < n; i++) {
            d[i] = -d[i];
        }
        return d;
    }

    private static void assertClose(double[] expected, double[] actual, double relative) {
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], relative * scale, "component " + i);
        }
    }

    private static final DenseQuadratic TWO_D = new DenseQuadratic(new double[][] {{3, 1}, {1, 2}},
            new double[] {1, -1});

    @Test
    void firstStepIsAlongMinusGradientWithTrialStepOneOverItsL1Norm() {
        LBFGS lbfgs = new LBFGS(1);
        double[] x0 = {2.0, 1.0};
        OptimizerState state = lbfgs.initialize(TWO_D, x0);
        double[] g0 = state.gradient().clone();
        double[] d = new double[2];
        lbfgs.direction(state, d);
        assertArrayEquals(new double[] {-g0[0], -g0[1]}, d, 0.0);
        assertTrue(lbfgs.step(TWO_D, state));
        // g0 = A x0 - b = (6, 5), ||g0||_1 = 11; t = 1/11 satisfies both Wolfe conditions here, so it is the step.
        assertArrayEquals(new double[] {6, 5}, g0, 0.0);
        assertEquals(1.0 / 11, state.lastStepSize(), 0.0);
        assertArrayEquals(new double[] {2.0 - 6.0 / 11, 1.0 - 5.0 / 11}, state.x(), 1e-15);
        assertEquals(2, state.evaluations());
        assertEquals(1, state.iteration());
    }

    @Test
    void whitenedFirstTrialIsTheUnitNewtonStep() {
        // Hessian I: -grad f with t = 1 is the Newton step and lands on the minimizer with one evaluation.
        // The default's first trial 1 / ||g||_1 = 0.1 meets the Wolfe conditions too, and stops short.
        Quadratic f = new Quadratic(1.0, 1.0, 1.0);
        LBFGS lbfgs = LBFGS.withFirstTrial(LBFGS.DEFAULT_HISTORY, 1.0);
        OptimizerState state = lbfgs.initialize(f, new double[] {3.0, -2.0, 5.0});
        int before = f.evaluations;
        assertTrue(lbfgs.step(f, state));
        assertEquals(1, f.evaluations - before);
        assertEquals(1.0, state.lastStepSize(), 0.0);
        assertArrayEquals(new double[] {0, 0, 0}, state.x(), 0.0);
        Quadratic g = new Quadratic(1.0, 1.0, 1.0);
        LBFGS plain = new LBFGS();
        OptimizerState other = plain.initialize(g, new double[] {3.0, -2.0, 5.0});
        assertTrue(plain.step(g, other));
        assertEquals(0.1, other.lastStepSize(), 0.0);
        assertArrayEquals(new double[] {2.7, -1.8, 4.5}, other.x(), 1e-15);
    }

    @Test
    void twoLoopDirectionWithOnePairIsTheBfgsUpdateOfGammaI() {
        LBFGS lbfgs = new LBFGS(1);
        OptimizerState state = lbfgs.initialize(TWO_D, new double[] {2.0, 1.0});
        double[] x0 = state.x().clone();
        double[] g0 = state.gradient().clone();
        assertTrue(lbfgs.step(TWO_D, state));
        double[] s = minus(state.x(), x0);
        double[] y = minus(state.gradient(), g0);
        double[] expected = directionByHand(List.of(s), List.of(y), state.gradient());
        double[] d = new double[2];
        lbfgs.direction(state, d);
        assertClose(expected, d, 1e-14);
        // With one pair on a 2-d quadratic, H s = s and H y = s (secant): not the steepest-descent direction.
        assertNotEquals(-state.gradient()[0] / state.gradient()[1], d[0] / d[1], 1e-3);
    }

    @Test
    void historyKeepsTheNewestMPairsInOrder() {
        // A 4-d quadratic; after 5 steps with m = 3 the direction uses pairs 3, 4, 5 only, oldest applied first.
        double[][] a = {{4, 1, 0, 0.5}, {1, 3, 0.2, 0}, {0, 0.2, 2, 0.3}, {0.5, 0, 0.3, 1}};
        DenseQuadratic f = new DenseQuadratic(a, new double[] {1, -2, 0.5, 1});
        for (int m : new int[] {1, 3, 10}) {
            LBFGS lbfgs = new LBFGS(m);
            OptimizerState state = lbfgs.initialize(f, new double[] {3, -1, 2, 0.5});
            List<double[]> ss = new ArrayList<>();
            List<double[]> ys = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                double[] x = state.x().clone();
                double[] g = state.gradient().clone();
                assertTrue(lbfgs.step(f, state));
                ss.add(minus(state.x(), x));
                ys.add(minus(state.gradient(), g));
            }
            int keep = Math.min(m, ss.size());
            double[] expected = directionByHand(ss.subList(ss.size() - keep, ss.size()),
                    ys.subList(ys.size() - keep, ys.size()), state.gradient());
            double[] d = new double[4];
            lbfgs.direction(state, d);
            assertClose(expected, d, 1e-12);
            assertEquals(keep, (int) state.scalar("lbfgs.pairs", -1));
            assertEquals(2 * keep, state.vectors().keySet().stream().filter(k -> k.startsWith("lbfgs.")).count());
        }
    }

    @Test
    void atTheOptimumStepReportsNoProgressAndLeavesThePointAlone() {
        LBFGS lbfgs = new LBFGS();
        Minimizer.Result r = new Minimizer(lbfgs, StopCriteria.iterations(200))
                .minimize(TWO_D, new double[] {2.0, 1.0}, (s, report) -> { });
        assertEquals(StopReason.NO_PROGRESS, r.reason());
        // x* = A^{-1} b = (0.6, -0.8).
        // f resolves x only to about sqrt(ulp(f) / lambda_min); superlinear steps got much closer here.
        assertEquals(0.6, r.state().x()[0], 1e-10);
        assertEquals(-0.8, r.state().x()[1], 1e-10);
        assertTrue(Vectors.norm2(r.state().gradient()) < 1e-10);
        assertTrue(r.state().iteration() < 20, "iterations: " + r.state().iteration());
        OptimizerState before = r.state().copy();
        OptimizerState after = r.state().copy();
        assertFalse(lbfgs.step(TWO_D, after));
        assertArrayEquals(before.x(), after.x(), 0.0);
        assertArrayEquals(before.gradient(), after.gradient(), 0.0);
        assertEquals(before.value(), after.value(), 0.0);
        assertEquals(before.iteration(), after.iteration());
        assertTrue(after.evaluations() > before.evaluations(), "the failed trials are counted");
        assertTrue(after.evaluations() - before.evaluations() <= 4, "few trials at rounding level");
    }

    /** Runs the minimizer and returns the result; prints nothing. */
    private static Minimizer.Result run(Optimizer optimizer, StopCriteria criteria, DifferentiableFunction f) {
        double[] x0 = new double[f.dimension()];
        return new Minimizer(optimizer, criteria).minimize(f, x0, (s, report) -> { });
    }

    private static void assertConvergedStop(Minimizer.Result r) {
        assertTrue(r.reason() == StopReason.GRADIENT_TOLERANCE || r.reason() == StopReason.OBJECTIVE_TOLERANCE
                || r.reason() == StopReason.NO_PROGRESS, "stopped with " + r.reason() + ": " + r.detail());
    }

    @Test
    void leastSquaresReachesTheNormalEquationsSolution() {
        QuasiNewtonProblems.Data p = QuasiNewtonProblems.regression(11, 400, new double[] {1, 1.5, 0.7, 1, 2, 0.5});
        for (double lambda : new double[] {0.0, 0.05}) {
            RegularizedObjective f = p.objective(Objective.LEAST_SQUARES, 0, lambda);
            double[] exact = QuasiNewtonProblems.leastSquaresSolution(p, lambda);
            double fStar = f.value(exact);
            Minimizer.Result r = run(new LBFGS(), driverLike(1000), f);
            assertConvergedStop(r);
            double reached = r.state().value();
            assertTrue(reached >= fStar * (1 - 1e-15));
            assertTrue((reached - fStar) / fStar <= 1e-10, "relative gap " + (reached - fStar) / fStar);
            assertArrayEquals(exact, r.state().x(), 1e-7);
            assertTrue(r.state().iteration() < 60, "iterations: " + r.state().iteration());
        }
    }

    @Test
    void logisticWithL2ReachesTheNewtonSolution() {
        QuasiNewtonProblems.Data p = QuasiNewtonProblems.binary(12, 500, 6);
        double lambda = 0.01;
        double[] newton = QuasiNewtonProblems.logisticNewton(p, lambda);
        for (double gj : QuasiNewtonProblems.logisticGradient(p, newton, lambda)) {
            assertEquals(0.0, gj, 1e-14, "Newton must end at a stationary point");
        }
        RegularizedObjective f = p.objective(Objective.LOGISTIC, 2, lambda);
        double fStar = f.value(newton);
        assertEquals(QuasiNewtonProblems.logisticObjective(p, newton, lambda), fStar, 1e-14 * fStar);
        Minimizer.Result r = run(new LBFGS(), driverLike(1000), f);
        assertConvergedStop(r);
        double reached = r.state().value();
        assertTrue(reached >= fStar * (1 - 1e-15));
        assertTrue((reached - fStar) / fStar <= 1e-10, "relative gap " + (reached - fStar) / fStar);
        assertArrayEquals(newton, r.state().x(), 1e-6);
    }

    @Test
    void softmaxWithL2ReachesATightStationaryPoint() {
        QuasiNewtonProblems.Data p = QuasiNewtonProblems.multiclass(13, 500, 5, 4);
        RegularizedObjective f = p.objective(Objective.SOFTMAX, 4, 0.01);
        double[] g0 = new double[f.dimension()];
        f.valueAndGradient(new double[f.dimension()], g0);
        Minimizer.Result r = run(new LBFGS(), driverLike(1000), f);
        assertConvergedStop(r);
        double[] g = new double[f.dimension()];
        f.valueAndGradient(r.state().x(), g);
        assertTrue(Vectors.norm2(g) <= 1e-7 * Vectors.norm2(g0), "||g|| / ||g0|| = " + Vectors.norm2(g) / Vectors.norm2(g0));
        assertTrue(r.state().iteration() < 200, "iterations: " + r.state().iteration());
    }

    /** The condition number of the least-squares Hessian, with a check that the eigenvalues are h's. */
    private static double conditionNumber(double[][] h) {
        double[] eig = QuasiNewtonProblems.symmetricEigenvalues(h);
        double trace = 0;
        double frobenius = 0;
        double eigSum = 0;
        double eigSquares = 0;
        for (int a = 0; a < h.length; a++) {
            trace += h[a][a];
            eigSum += eig[a];
            eigSquares += eig[a] * eig[a];
            for (int b = 0; b < h.length; b++) {
                frobenius += h[a][b] * h[a][b];
            }
        }
        // Invariants of an orthogonal similarity: the sum and the sum of squares of the eigenvalues.
        assertEquals(trace, eigSum, 1e-12 * trace, "the eigenvalues must be those of h");
        assertEquals(frobenius, eigSquares, 1e-12 * frobenius, "the eigenvalues must be those of h");
        assertTrue(eig[0] > 0);
        return eig[eig.length - 1] / eig[0];
    }

    /** Runs L-BFGS on least squares with these column scales; asserts the gap to the normal equations' f. */
    private static Minimizer.Result illConditioned(double[] columnScale, long maxIterations, String what) {
        QuasiNewtonProblems.Data p = QuasiNewtonProblems.regression(14, 600, columnScale);
        double condition = conditionNumber(QuasiNewtonProblems.leastSquaresHessian(p, 0.0));
        assertTrue(condition > 1e5 && condition < 3e5, "condition number " + condition);
        RegularizedObjective f = p.objective(Objective.LEAST_SQUARES, 0, 0.0);
        double fStar = f.value(QuasiNewtonProblems.leastSquaresSolution(p, 0.0));
        Minimizer.Result r = run(new LBFGS(), driverLike(maxIterations), f);
        assertConvergedStop(r);
        double gap = (r.state().value() - fStar) / fStar;
        assertTrue(gap <= 1e-9, "relative gap " + gap);
        System.out.printf("ill-conditioned least squares, %s (condition %.3g): %s after %d iterations, %d"
                + " evaluations, relative gap %.2e%n", what, condition, r.reason().label(), r.state().iteration(),
                r.state().evaluations(), gap);
        return r;
    }

    @Test
    void illConditionedLeastSquaresConvergesWithin300Iterations() {
        // Ten features, two of them scaled down to 5e-3 and 2e-2: condition number about 1.7e5.
        illConditioned(new double[] {1, 0.7, 1.5, 1, 0.5, 2, 1, 0.8, 5e-3, 2e-2}, 300, "two small columns");
    }

    @Test
    void gradedIllConditioningIsHarderButStillConverges() {
        // Scales 1 .. 10^-2.5 spread evenly over ten features (condition about 1.6e5): eigenvalues all over five
        // decades, with 11 parameters and m = 10. L-BFGS then converges only linearly; 452 iterations here, as
        // SciPy's L-BFGS-B (m = 10) takes 465 on the same data. The budget guards against getting much worse.
        double[] scale = new double[10];
        for (int j = 0; j < 10; j++) {
            scale[j] = Math.pow(10, -2.5 * j / 9);
        }
        illConditioned(scale, 600, "graded columns");
    }

    @Test
    void rosenbrockInTwoAndTenDimensions() {
        for (int n : new int[] {2, 10}) {
            WolfeLineSearchTest.Rosenbrock f = new WolfeLineSearchTest.Rosenbrock(n);
            double[] x0 = new double[n];
            for (int i = 0; i < n; i++) {
                x0[i] = i % 2 == 0 ? -1.2 : 1.0;
            }
            Minimizer.Result r = new Minimizer(new LBFGS(), StopCriteria.iterations(1000)
                    .withGradientTolerance(1e-10)).minimize(f, x0, (s, report) -> { });
            assertConvergedStop(r);
            for (int i = 0; i < n; i++) {
                assertEquals(1.0, r.state().x()[i], 1e-8, "x_" + i + " in " + n + "-d");
            }
            assertTrue(r.state().value() < 1e-16, "f = " + r.state().value());
        }
    }

    private static byte[] bytes(OptimizerState s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        s.writeTo(new DataOutputStream(out));
        return out.toByteArray();
    }

    private static OptimizerState read(byte[] b) throws IOException {
        return OptimizerState.readFrom(new DataInputStream(new ByteArrayInputStream(b)), 1 << 20);
    }

    /** k steps, a trip through bytes, k steps with a fresh optimizer == 2k steps in one go, bit for bit. */
    static void assertRoundTripContinuesIdentically(java.util.function.Supplier<Optimizer> make,
                                                    DifferentiableFunction f, double[] x0, int k) throws IOException {
        Optimizer first = make.get();
        OptimizerState straight = first.initialize(f, x0);
        for (int i = 0; i < 2 * k; i++) {
            assertTrue(first.step(f, straight), "step " + i);
        }
        Optimizer before = make.get();
        OptimizerState resumed = before.initialize(f, x0);
        for (int i = 0; i < k; i++) {
            assertTrue(before.step(f, resumed));
        }
        resumed = read(bytes(resumed));
        Optimizer after = make.get();
        for (int i = 0; i < k; i++) {
            assertTrue(after.step(f, resumed));
        }
        assertEquals(straight, resumed);
        assertArrayEquals(bytes(straight), bytes(resumed));
    }

    @Test
    void stateRoundTripContinuesBitForBit() throws IOException {
        QuasiNewtonProblems.Data p = QuasiNewtonProblems.binary(15, 300, 5);
        RegularizedObjective f = p.objective(Objective.LOGISTIC, 2, 0.001);
        // m = 3 and 4 + 4 steps (this problem is solved to rounding in 12): the ring buffer wraps before and after
        // the trip. Rosenbrock takes longer: 15 + 15 steps with m = 5.
        assertRoundTripContinuesIdentically(() -> new LBFGS(3), f, new double[6], 4);
        assertRoundTripContinuesIdentically(() -> new LBFGS(5), new WolfeLineSearchTest.Rosenbrock(10),
                new double[] {-1.2, 1, -1.2, 1, -1.2, 1, -1.2, 1, -1.2, 1}, 15);
        OptimizerState s = new LBFGS(3).initialize(f, new double[6]);
        for (int i = 0; i < 6; i++) {
            new LBFGS(3).step(f, s);
        }
        assertEquals(3.0, s.scalar("lbfgs.pairs", 0));
        assertTrue(s.vector("lbfgs.s2") != null && s.vector("lbfgs.s3") == null);
    }

    @Test
    void stateFromALongerHistoryStartsTheHistoryOver() {
        QuasiNewtonProblems.Data p = QuasiNewtonProblems.binary(16, 200, 4);
        RegularizedObjective f = p.objective(Objective.LOGISTIC, 2, 0.01);
        OptimizerState s = new LBFGS(10).initialize(f, new double[5]);
        for (int i = 0; i < 6; i++) {
            new LBFGS(10).step(f, s);
        }
        assertEquals(6.0, s.scalar("lbfgs.pairs", 0));
        double[] d = new double[5];
        LBFGS small = new LBFGS(3);
        small.direction(s, d);
        // The layout does not fit m = 3: the history is dropped and the direction is -g.
        for (int j = 0; j < 5; j++) {
            assertEquals(-s.gradient()[j], d[j], 0.0);
        }
        assertEquals(0.0, s.scalar("lbfgs.pairs", -1));
        assertTrue(small.step(f, s));
        assertEquals(1.0, s.scalar("lbfgs.pairs", 0));
    }
}
