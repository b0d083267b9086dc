package dev.downhill.core.optim;

import static dev.downhill.core.optim.QuasiNewtonProblems.driverLike;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.linalg.Vectors;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.DifferentiableFunction;
import dev.downhill.core.objective.L1Penalty;
import dev.downhill.core.objective.RegularizedObjective;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OWLQNTest {

    private static void assertConvergedStop(Minimizer.Result r) {
        assertTrue(r.reason() == StopReason.GRADIENT_TOLERANCE || r.reason() == StopReason.OBJECTIVE_TOLERANCE
                || r.reason() == StopReason.NO_PROGRESS, "stopped with " + r.reason() + ": " + r.detail());
    }

    /** v by the definition, written out: the minimum-norm subgradient of f + sum_j c_j |x_j|. */
    private static double[] pseudoGradientByHand(double[] x, double[] g, double[] c) {
        double[] v = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            if (x[j] != 0) {
                v[j] = g[j] + c[j] * Math.signum(x[j]);
            } else if (g[j] + c[j] < 0) {
                v[j] = g[j] + c[j];
            } else if (g[j] - c[j] > 0) {
                v[j] = g[j] - c[j];
            }
        }
        return v;
    }

    /**
     * A quadratic with coupled coordinates and its L1 weights (last coordinate unpenalized). The minimizer of
     * f + h is about (1.0786, -2.0636, 0, 1.6191) with |g_2| = 0.13 < c_2 there; from START, coordinate 0 must
     * cross zero and coordinate 2 must reach it.
     */
    private static final LBFGSTest.DenseQuadratic COUPLED = new LBFGSTest.DenseQuadratic(
            new double[][] {{4, 1.8, 0.5, 0}, {1.8, 2, 0.2, 0.3}, {0.5, 0.2, 2, -0.9}, {0, 0.3, -0.9, 1}},
            new double[] {1, -2, -1.2, 1});
    private static final double[] COUPLED_WEIGHTS = {0.4, 0.3, 0.6, 0.0};
    private static final double[] START = {-0.5, -0.3, 0.8, 0.2};

    @Test
    void directionIsMinusHTimesThePseudoGradientProjectedOntoItsSigns() {
        OWLQN owlqn = new OWLQN(new L1Penalty(COUPLED_WEIGHTS), 1);
        OptimizerState state = owlqn.initialize(COUPLED, START);
        double[] d = new double[4];
        // No history: d = -v.
        double[] v0 = pseudoGradientByHand(state.x(), state.gradient(), COUPLED_WEIGHTS);
        owlqn.direction(state, d);
        for (int j = 0; j < 4; j++) {
            assertEquals(-v0[j], d[j], 0.0);
        }
        int projected = 0;
        for (int k = 0; k < 4; k++) {
            double[] x = state.x().clone();
            double[] g = state.gradient().clone();
            assertTrue(owlqn.step(COUPLED, state));
            double[] s = new double[4];
            double[] y = new double[4];
            for (int j = 0; j < 4; j++) {
                s[j] = state.x()[j] - x[j];
                y[j] = state.gradient()[j] - g[j];
            }
            // One pair: H = BFGS update of gamma I by (s, y), gamma = s.y / y.y.
            double gamma = Vectors.dot(s, y) / Vectors.dot(y, y);
            double[][] h = new double[4][4];
            for (int j = 0; j < 4; j++) {
                h[j][j] = gamma;
            }
            h = LBFGSTest.bfgsUpdate(h, s, y);
            double[] v = pseudoGradientByHand(state.x(), state.gradient(), COUPLED_WEIGHTS);
            double[] expected = LBFGSTest.times(h, v);
            for (int j = 0; j < 4; j++) {
                expected[j] = -expected[j];
                if (COUPLED_WEIGHTS[j] > 0 && expected[j] * v[j] >= 0) {
                    expected[j] = 0;
                    projected++;
                }
            }
            owlqn.direction(state, d);
            double scale = 0;
            for (double e : expected) {
                scale = Math.max(scale, Math.abs(e));
            }
            for (int j = 0; j < 4; j++) {
                assertEquals(expected[j], d[j], 1e-14 * scale, "step " + k + ", component " + j);
            }
        }
        assertTrue(projected > 0, "the example must exercise the projection");
    }

    @Test
    void iteratesNeverLeaveTheirOrthantAndTheObjectiveNeverRises() {
        L1Penalty penalty = new L1Penalty(COUPLED_WEIGHTS);
        OWLQN owlqn = new OWLQN(penalty);
        OptimizerState state = owlqn.initialize(COUPLED, START);
        for (int k = 0; k < 30; k++) {
            double[] x = state.x().clone();
            double[] v = pseudoGradientByHand(x, state.gradient(), COUPLED_WEIGHTS);
            double before = owlqn.objective(state);
            if (!owlqn.step(COUPLED, state)) {
                break;
            }
            assertTrue(owlqn.objective(state) <= before, "F rose at step " + k);
            assertEquals(state.value() + penalty.value(state.x()), owlqn.objective(state), 0.0);
            for (int j = 0; j < 3; j++) {
                double orthant = x[j] != 0 ? Math.signum(x[j]) : -Math.signum(v[j]);
                assertTrue(state.x()[j] == 0 || Math.signum(state.x()[j]) == orthant,
                        "coordinate " + j + " left its orthant at step " + k);
            }
        }
        // F (about -3.6) resolves ||v|| only to about sqrt(1e-15 |F| L) ~ 1e-7: below that no decrease is visible.
        assertTrue(owlqn.stationarity(state) < 1e-7, "stationarity " + owlqn.stationarity(state));
        assertEquals(0.0, state.x()[2], 0.0);
        assertTrue(state.x()[0] > 1 && state.x()[1] < -2, java.util.Arrays.toString(state.x()));
        assertEquals(penalty.stationarity(state.x(), state.gradient()), owlqn.stationarity(state), 0.0);
    }

    /** Sylvester's Hadamard matrix entry (i, j) of order 2^k: (-1)^popcount(i and j). */
    private static double hadamard(int i, int j) {
        return Integer.bitCount(i & j) % 2 == 0 ? 1.0 : -1.0;
    }

    @Test
    void lassoWithAnOrthogonalDesignMatchesSoftThresholding() {
        // Columns 1..6 of a 16 x 16 Hadamard matrix, scaled: zero-mean and orthogonal, so X^T X / N = diag(s_j^2)
        // and the intercept decouples. Then b = mean(y) and w_j = S(z_j, lambda) / s_j^2, z_j = x_j . y / N.
        int n = 16;
        int d = 6;
        double[] scale = {1, 0.5, 2, 1, 1.5, 0.7};
        double[] wTrue = {1.5, 0, -0.8, 0.05, 0, 2};
        double lambda = 0.3;
        Random rnd = new Random(21);
        double[] x = new double[n * d];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = 0.5 + 0.3 * rnd.nextGaussian();
            for (int j = 0; j < d; j++) {
                x[i * d + j] = scale[j] * hadamard(i, j + 1);
                y[i] += wTrue[j] * x[i * d + j];
            }
        }
        double[] exact = new double[d + 1];
        int zeros = 0;
        for (int j = 0; j < d; j++) {
            double z = 0;
            double norm = 0;
            for (int i = 0; i < n; i++) {
                z += x[i * d + j] * y[i] / n;
                norm += x[i * d + j] * x[i * d + j] / n;
            }
            assertEquals(scale[j] * scale[j], norm, 1e-15);
            exact[j] = Math.signum(z) * Math.max(Math.abs(z) - lambda, 0) / norm;
            zeros += exact[j] == 0 ? 1 : 0;
        }
        for (int i = 0; i < n; i++) {
            exact[d] += y[i] / n;
        }
        assertTrue(zeros >= 2 && zeros <= 4, "zeros in the exact solution: " + zeros);

        QuasiNewtonProblems.Data p = new QuasiNewtonProblems.Data(n, d, x, y);
        LinearModel model = new LinearModel(d, 1);
        RegularizedObjective f = p.objective(Objective.LEAST_SQUARES, 0, 0.0);
        OWLQN owlqn = new OWLQN(L1Penalty.of(lambda, model));
        Minimizer.Result r = new Minimizer(owlqn, driverLike(500)).minimize(f, new double[d + 1], (s, report) -> { });
        assertConvergedStop(r);
        assertArrayEquals(exact, r.state().x(), 1e-8);
        for (int j = 0; j < d; j++) {
            if (exact[j] == 0) {
                assertEquals(0.0, r.state().x()[j], 0.0, "coordinate " + j + " must be exactly 0");
            }
        }
        double fStar = f.value(exact) + owlqn.penalty().value(exact);
        assertEquals(fStar, r.objective(), 1e-12 * fStar);
    }

    /** The KKT conditions of min f + sum_j c_j |x_j| at x, with grad f recomputed: returns the number of zeros. */
    private static int assertKkt(DifferentiableFunction f, L1Penalty penalty, double[] x, double tolerance) {
        double[] g = new double[x.length];
        f.valueAndGradient(x, g);
        int zeros = 0;
        for (int j = 0; j < x.length; j++) {
            double c = penalty.weight(j);
            if (x[j] == 0 && c > 0) {
                zeros++;
                assertTrue(Math.abs(g[j]) <= c, "zero coordinate " + j + ": |g| = " + Math.abs(g[j]) + " > c = " + c);
            } else {
                assertEquals(0.0, g[j] + c * Math.signum(x[j]), tolerance, "coordinate " + j);
            }
        }
        double[] v = new double[x.length];
        penalty.minimumNormSubgradient(x, g, v);
        assertTrue(Vectors.norm2(v) <= tolerance * Math.sqrt(x.length), "||v|| = " + Vectors.norm2(v));
        return zeros;
    }

    @Test
    void logisticWithL1SatisfiesTheKktConditions() {
        QuasiNewtonProblems.Data p = QuasiNewtonProblems.binary(22, 500, 12);
        RegularizedObjective f = p.objective(Objective.LOGISTIC, 2, 0.0);
        L1Penalty penalty = L1Penalty.of(0.05, new LinearModel(12, 1));
        OWLQN owlqn = new OWLQN(penalty);
        Minimizer.Result r = new Minimizer(owlqn, driverLike(1000)).minimize(f, new double[13], (s, report) -> { });
        assertConvergedStop(r);
        int zeros = assertKkt(f, penalty, r.state().x(), 1e-7);
        assertTrue(zeros >= 2 && zeros <= 10, "zeros: " + zeros);
        assertTrue(r.state().x()[12] != 0, "the intercept is not penalized");
    }

    @Test
    void softmaxWithL1AndL2SatisfiesTheKktConditions() {
        QuasiNewtonProblems.Data p = QuasiNewtonProblems.multiclass(23, 600, 6, 3);
        RegularizedObjective f = p.objective(Objective.SOFTMAX, 3, 0.01);
        L1Penalty penalty = L1Penalty.of(0.03, new LinearModel(6, 3));
        OWLQN owlqn = new OWLQN(penalty);
        Minimizer.Result r = new Minimizer(owlqn, driverLike(1000)).minimize(f, new double[21], (s, report) -> { });
        assertConvergedStop(r);
        int zeros = assertKkt(f, penalty, r.state().x(), 1e-7);
        assertTrue(zeros >= 1 && zeros < 18, "zeros: " + zeros);
    }

    @Test
    void withoutPenaltyItReachesTheLeastSquaresSolution() {
        QuasiNewtonProblems.Data p = QuasiNewtonProblems.regression(24, 300, new double[] {1, 2, 0.5, 1});
        RegularizedObjective f = p.objective(Objective.LEAST_SQUARES, 0, 0.01);
        double[] exact = QuasiNewtonProblems.leastSquaresSolution(p, 0.01);
        Minimizer.Result r = new Minimizer(new OWLQN(new L1Penalty(new double[5])), driverLike(500))
                .minimize(f, new double[5], (s, report) -> { });
        assertConvergedStop(r);
        assertArrayEquals(exact, r.state().x(), 1e-7);
    }

    @Test
    void atTheOptimumStepReportsNoProgressAndLeavesThePointAlone() {
        OWLQN owlqn = new OWLQN(new L1Penalty(COUPLED_WEIGHTS));
        Minimizer.Result r = new Minimizer(owlqn, StopCriteria.iterations(200))
                .minimize(COUPLED, START, (s, report) -> { });
        assertEquals(StopReason.NO_PROGRESS, r.reason());
        OptimizerState before = r.state().copy();
        OptimizerState after = r.state().copy();
        assertFalse(owlqn.step(COUPLED, after));
        assertArrayEquals(before.x(), after.x(), 0.0);
        assertArrayEquals(before.gradient(), after.gradient(), 0.0);
        assertEquals(before.value(), after.value(), 0.0);
        assertTrue(owlqn.stationarity(after) < 1e-7, "stationarity " + owlqn.stationarity(after));
        assertEquals(0.0, after.x()[2], 0.0);
    }

    @Test
    void stateRoundTripContinuesBitForBit() throws IOException {
        QuasiNewtonProblems.Data p = QuasiNewtonProblems.binary(25, 300, 8);
        RegularizedObjective f = p.objective(Objective.LOGISTIC, 2, 0.0);
        L1Penalty penalty = L1Penalty.of(0.02, new LinearModel(8, 1));
        LBFGSTest.assertRoundTripContinuesIdentically(() -> new OWLQN(penalty, 3), f, new double[9], 4);
        OptimizerState s = new OWLQN(penalty, 3).initialize(f, new double[9]);
        for (int i = 0; i < 8; i++) {
            new OWLQN(penalty, 3).step(f, s);
        }
        assertTrue(s.vector("owlqn.s0") != null && s.vector("lbfgs.s0") == null);
    }

    @Test
    void penaltyMustFitTheFunction() {
        OWLQN owlqn = new OWLQN(new L1Penalty(new double[3]));
        assertThrows(IllegalArgumentException.class, () -> owlqn.initialize(COUPLED, new double[4]));
        assertEquals("owlqn", owlqn.name());
        assertEquals(List.of(10), List.of(owlqn.history()));
    }
}
