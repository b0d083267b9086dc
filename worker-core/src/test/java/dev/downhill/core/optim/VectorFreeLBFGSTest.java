package dev.downhill.core.optim;

import static dev.downhill.core.optim.QuasiNewtonProblems.driverLike;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Vector-free L-BFGS (Chen, Dai &amp; Xiao 2014) against the two-loop {@link LBFGS}: the same directions to
 * rounding, and the same minimization (objective at every iteration, iterations, stop reason) to 1e-10.
 */
class VectorFreeLBFGSTest {

    /** f = 0.5 x'Ax + b'x with a symmetric A that may be indefinite (then some pairs fail the curvature test). */
    private static DifferentiableFunction quadratic(Random rnd, int n, boolean indefinite) {
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double v = 0.3 * rnd.nextGaussian();
                a[i][j] = v;
                a[j][i] = v;
            }
            a[i][i] += (indefinite && i % 2 == 0 ? -1.0 : 1.0) * (2.0 + i);
        }
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            b[i] = rnd.nextGaussian();
        }
        return new DifferentiableFunction() {
            @Override
            public int dimension() {
                return n;
            }

            @Override
            public double valueAndGradient(double[] x, double[] g) {
                double f = 0;
                for (int i = 0; i < n; i++) {
                    double ax = ArrayVectors.dot(a[i], x);
                    g[i] = ax + b[i];
                    f += x[i] * (0.5 * ax + b[i]);
                }
                return f;
            }
        };
    }

    private static double relativeDifference(double[] actual, double[] expected) {
        double diff = 0;
        double norm = 0;
        for (int j = 0; j < expected.length; j++) {
            diff += (actual[j] - expected[j]) * (actual[j] - expected[j]);
            norm += expected[j] * expected[j];
        }
        return Math.sqrt(diff / norm);
    }

    @Test
    void directionsEqualTheTwoLoopRecursionsWithWrapAroundAndRejectedPairs() {
        double worst = 0;
        int rejected = 0;
        for (int m = 1; m <= 10; m++) {
            for (boolean indefinite : new boolean[] {false, true}) {
                Random rnd = new Random(100 * m + (indefinite ? 1 : 0));
                int n = 25;
                DifferentiableFunction f = quadratic(rnd, n, indefinite);
                ArrayVectors vectors = new ArrayVectors();
                VectorFreeLBFGS<ArrayVectors.Vec> vf = new VectorFreeLBFGS<>(vectors, m);
                LBFGS lbfgs = new LBFGS(m);
                LbfgsHistory history = new LbfgsHistory(LBFGS.PREFIX, m);
                double[] x0 = new double[n];
                for (int j = 0; j < n; j++) {
                    x0[j] = rnd.nextGaussian();
                }
                OptimizerState arrays = lbfgs.initialize(f, x0);
                ArrayVectors.Function remote = new ArrayVectors.Function(vectors, f);
                VectorFreeLBFGS.State<ArrayVectors.Vec> handles = vf.initialize(remote, vectors.of(x0));
                for (int k = 0; k < 3 * m + 4; k++) {
                    double[] expected = new double[n];
                    lbfgs.direction(arrays, expected);
                    ArrayVectors.Vec d = vf.direction(handles);
                    double difference = relativeDifference(d.data(), expected);
                    worst = Math.max(worst, difference);
                    assertTrue(difference <= 1e-12, "m = " + m + ", step " + k + ": relative difference "
                            + difference);
                    vectors.release(d);
                    // A random step (not a descent step), so that pairs vary and, with indefinite A, some fail.
                    double[] xNew = arrays.x().clone();
                    for (int j = 0; j < n; j++) {
                        xNew[j] += 0.5 * rnd.nextGaussian();
                    }
                    double[] gNew = new double[n];
                    double value = f.valueAndGradient(xNew, gNew);
                    double[] s = new double[n];
                    double[] y = new double[n];
                    for (int j = 0; j < n; j++) {
                        s[j] = xNew[j] - arrays.x()[j];
                        y[j] = gNew[j] - arrays.gradient()[j];
                    }
                    rejected += LbfgsHistory.storesPair(ArrayVectors.dot(s, y), ArrayVectors.dot(s, s),
                            ArrayVectors.dot(y, y)) ? 0 : 1;
                    history.moveTo(arrays, xNew, gNew, value, 1.0);
                    vf.moveTo(handles, vectors.of(xNew), vectors.of(gNew), value, 1.0);
                    assertEquals(history.size(arrays), handles.pairs(), "the same pairs are stored");
                    assertEquals(arrays.scalar(LBFGS.PREFIX + "newest", 0),
                            handles.small().scalar(VectorFreeLBFGS.NEWEST, -2));
                    assertEquals(Math.sqrt(ArrayVectors.dot(gNew, gNew)), handles.gradientNorm());
                }
                assertEquals(ArrayVectors.held(handles).size(), vectors.live(), "only the state's handles live");
            }
        }
        assertTrue(rejected > 0, "some pairs failed the curvature test");
        System.out.printf("vector-free vs two-loop directions, m = 1..10: largest relative difference %.2e, %d pairs"
                + " rejected%n", worst, rejected);
    }

    @Test
    void directionsEqualTheTwoLoopOnesAlongAnIllConditionedRun() {
        // The iterates of a real L-BFGS run (condition about 1e9), fed to both histories: pairs from line-search
        // steps, history full and wrapping. Compared until the array run first resets its history.
        QuasiNewtonProblems.Data p = QuasiNewtonProblems.regression(5, 400, new double[] {1, 1e-2, 3e-3, 1, 1e2});
        DifferentiableFunction f = p.objective(Objective.LEAST_SQUARES, 0, 1e-6);
        for (int m : new int[] {3, 10}) {
            LBFGS lbfgs = new LBFGS(m);
            OptimizerState arrays = lbfgs.initialize(f, new double[f.dimension()]);
            ArrayVectors vectors = new ArrayVectors();
            VectorFreeLBFGS<ArrayVectors.Vec> vf = new VectorFreeLBFGS<>(vectors, m);
            VectorFreeLBFGS.State<ArrayVectors.Vec> handles = vf.initialize(new ArrayVectors.Function(vectors, f),
                    vectors.of(new double[f.dimension()]));
            double worst = 0;
            int compared = 0;
            while (compared < 200) {
                double[] expected = new double[f.dimension()];
                lbfgs.direction(arrays, expected);
                ArrayVectors.Vec d = vf.direction(handles);
                worst = Math.max(worst, relativeDifference(d.data(), expected));
                compared++;
                vectors.release(d);
                int before = (int) arrays.scalar(LBFGS.PREFIX + "pairs", 0);
                if (!lbfgs.step(f, arrays) || (before > 0 && arrays.scalar(LBFGS.PREFIX + "pairs", 0) <= 1)) {
                    break; // no progress, or a reset the handle history was not told about
                }
                vf.moveTo(handles, vectors.of(arrays.x()), vectors.of(arrays.gradient()), arrays.value(),
                        arrays.lastStepSize());
            }
            assertTrue(compared >= 60, "compared " + compared + " directions");
            assertTrue(worst <= 1e-11, "m = " + m + ": relative difference " + worst);
            System.out.printf("ill-conditioned least squares, m = %d: %d directions compared, largest relative"
                    + " difference %.2e%n", m, compared, worst);
        }
    }

    /** Objectives per iteration of a run, and its end. */
    private record Trace(List<Double> objectives, long iterations, long evaluations, StopReason reason,
                         double objective) {
    }

    private static Trace arrays(Optimizer optimizer, StopCriteria criteria, DifferentiableFunction f) {
        List<Double> objectives = new ArrayList<>();
        Minimizer.Result r = new Minimizer(optimizer, criteria).minimize(f, new double[f.dimension()],
                (state, report) -> objectives.add(report.objective()));
        return new Trace(objectives, r.state().iteration(), r.state().evaluations(), r.reason(), r.objective());
    }

    private static Trace handles(VectorFreeLBFGS<ArrayVectors.Vec> optimizer, ArrayVectors vectors,
                                 StopCriteria criteria, DifferentiableFunction f) {
        List<Double> objectives = new ArrayList<>();
        ArrayVectors.Function remote = new ArrayVectors.Function(vectors, f);
        VectorFreeLBFGS.State<ArrayVectors.Vec> state = optimizer.initialize(remote,
                vectors.of(new double[f.dimension()]));
        VectorFreeMinimizer.Result<ArrayVectors.Vec> r = new VectorFreeMinimizer<>(optimizer, criteria).run(remote,
                state, (s, report) -> objectives.add(report.objective()), null, null);
        assertEquals(r.state().evaluations(), remote.evaluations(), "every evaluation is counted");
        assertNotNull(r.best());
        assertEquals(ArrayVectors.held(r.state()).size() + 1, vectors.live(), "the state's handles and the best");
        return new Trace(objectives, r.state().iteration(), r.state().evaluations(), r.reason(), r.objective());
    }

    private static double assertSameRun(Trace expected, Trace actual) {
        assertEquals(expected.reason(), actual.reason());
        assertEquals(expected.iterations(), actual.iterations());
        assertEquals(expected.objectives().size(), actual.objectives().size());
        double worst = 0;
        for (int k = 0; k < expected.objectives().size(); k++) {
            double e = expected.objectives().get(k);
            double a = actual.objectives().get(k);
            double relative = Math.abs(a - e) / Math.abs(e);
            worst = Math.max(worst, relative);
            assertTrue(relative <= 1e-10, "iteration " + (k + 1) + ": " + a + " vs " + e);
        }
        return worst;
    }

    @Test
    void minimizesLogisticRegressionAsTheTwoLoopMinimizerDoes() {
        QuasiNewtonProblems.Data p = QuasiNewtonProblems.binary(12, 500, 6);
        RegularizedObjective f = p.objective(Objective.LOGISTIC, 2, 0.01);
        for (int m : new int[] {1, 2, 5, LBFGS.DEFAULT_HISTORY}) {
            Trace expected = arrays(new LBFGS(m), driverLike(1000), f);
            ArrayVectors vectors = new ArrayVectors();
            Trace actual = handles(new VectorFreeLBFGS<>(vectors, m), vectors, driverLike(1000), f);
            double worst = assertSameRun(expected, actual);
            assertEquals(expected.evaluations(), actual.evaluations());
            assertTrue(m == LBFGS.DEFAULT_HISTORY || expected.iterations() > 2 * m, "the history wrapped around");
            System.out.printf("logistic, m = %d: %s after %d iterations (%d evaluations) both; largest relative"
                    + " objective difference %.2e%n", m, actual.reason().label(), actual.iterations(),
                    actual.evaluations(), worst);
        }
    }

    @Test
    void minimizesSoftmaxWithAGivenFirstTrialAsTheTwoLoopMinimizerDoes() {
        QuasiNewtonProblems.Data p = QuasiNewtonProblems.multiclass(13, 500, 5, 4);
        RegularizedObjective f = p.objective(Objective.SOFTMAX, 4, 0.01);
        StopCriteria criteria = StopCriteria.iterations(40).withGradientTolerance(1e-9);
        Trace expected = arrays(LBFGS.withFirstTrial(4, 2.0), criteria, f);
        ArrayVectors vectors = new ArrayVectors();
        Trace actual = handles(VectorFreeLBFGS.withFirstTrial(vectors, 4, 2.0), vectors, criteria, f);
        double worst = assertSameRun(expected, actual);
        assertEquals(expected.evaluations(), actual.evaluations());
        System.out.printf("softmax, first trial 2: %s after %d iterations both; largest relative objective"
                + " difference %.2e%n", actual.reason().label(), actual.iterations(), worst);
    }

    @Test
    void theFirstStepEqualsTheArrayStepBitForBitThroughZoomAndGiveUp() {
        // With no history d = -g exactly, so both searches see the same phi: every branch of the shared core
        // (extrapolation, zoom, give-up at the best point, no decrease) must give the same bits on handles.
        QuasiNewtonProblems.Data p = QuasiNewtonProblems.regression(5, 400, new double[] {1, 1e-2, 3e-3, 1, 1e2});
        DifferentiableFunction[] functions = {p.objective(Objective.LEAST_SQUARES, 0, 0.0),
            QuasiNewtonProblems.binary(12, 500, 6).objective(Objective.LOGISTIC, 2, 0.01)};
        WolfeLineSearch[] searches = {new WolfeLineSearch(), new WolfeLineSearch(1e-4, 0.9, 2),
            new WolfeLineSearch(0.3, 0.4, 3), new WolfeLineSearch(0.45, 0.5, 20)};
        int outcomes = 0;
        for (DifferentiableFunction f : functions) {
            for (WolfeLineSearch search : searches) {
                for (double firstTrial : new double[] {Double.NaN, 1e-6, 3.0, 1e4}) {
                    LBFGS arrays = Double.isNaN(firstTrial) ? new LBFGS(3, search)
                            : LBFGS.withFirstTrial(3, firstTrial);
                    ArrayVectors vectors = new ArrayVectors();
                    VectorFreeLBFGS<ArrayVectors.Vec> handles = Double.isNaN(firstTrial)
                            ? new VectorFreeLBFGS<>(vectors, 3, search)
                            : VectorFreeLBFGS.withFirstTrial(vectors, 3, firstTrial);
                    OptimizerState a = arrays.initialize(f, new double[f.dimension()]);
                    ArrayVectors.Function remote = new ArrayVectors.Function(vectors, f);
                    VectorFreeLBFGS.State<ArrayVectors.Vec> h = handles.initialize(remote,
                            vectors.of(new double[f.dimension()]));
                    boolean moved = arrays.step(f, a);
                    assertEquals(moved, handles.step(remote, h));
                    outcomes += moved ? 1 : 0;
                    assertArrayEquals(a.x(), h.x().data(), 0.0);
                    assertArrayEquals(a.gradient(), h.gradient().data(), 0.0);
                    assertEquals(a.value(), h.value(), 0.0);
                    assertEquals(a.lastStepSize(), h.lastStepSize(), 0.0);
                    assertEquals(a.evaluations(), h.evaluations());
                    assertEquals(ArrayVectors.held(h).size(), vectors.live(), "no handle leaks from the search");
                }
            }
        }
        assertTrue(outcomes > 0 && outcomes < functions.length * searches.length * 4, "both outcomes occur");
    }

    @Test
    void restrictedLineSearchesRunAsTheTwoLoopMinimizerDoes() {
        // Few trials and tight constants, so searches end in the zoom or give up more often than by default.
        QuasiNewtonProblems.Data p = QuasiNewtonProblems.binary(12, 500, 6);
        RegularizedObjective f = p.objective(Objective.LOGISTIC, 2, 0.01);
        for (WolfeLineSearch search : new WolfeLineSearch[] {new WolfeLineSearch(1e-4, 0.9, 2),
            new WolfeLineSearch(0.3, 0.4, 3)}) {
            StopCriteria criteria = StopCriteria.iterations(300).withGradientTolerance(1e-12);
            Trace expected = arrays(new LBFGS(4, search), criteria, f);
            ArrayVectors vectors = new ArrayVectors();
            Trace actual = handles(new VectorFreeLBFGS<>(vectors, 4, search), vectors, criteria, f);
            double worst = assertSameRun(expected, actual);
            System.out.printf("logistic, c1 = %s, c2 = %s, %d trials: %s after %d iterations (%d and %d evaluations);"
                    + " largest relative objective difference %.2e%n", search.sufficientDecrease(),
                    search.curvature(), search.maxEvaluations(), actual.reason().label(), actual.iterations(),
                    expected.evaluations(), actual.evaluations(), worst);
        }
    }

    @Test
    void validationAndEarlyStoppingKeepTheSameBestIterate() {
        // Few rows for many features, so the training optimum overfits and the validation loss turns up midway.
        QuasiNewtonProblems.Data all = QuasiNewtonProblems.binary(21, 300, 30);
        QuasiNewtonProblems.Data train = rows(all, 0, 60);
        QuasiNewtonProblems.Data held = rows(all, 60, 300);
        RegularizedObjective f = train.objective(Objective.LOGISTIC, 2, 1e-4);
        RegularizedObjective validation = held.objective(Objective.LOGISTIC, 2, 0.0);
        StopCriteria criteria = StopCriteria.iterations(200).withPatience(4);
        List<Double> expectedLosses = new ArrayList<>();
        Minimizer.Result expected = new Minimizer(new LBFGS(5), criteria).run(FunctionSequence.of(f),
                new LBFGS(5).initialize(f, new double[f.dimension()]),
                (state, report) -> expectedLosses.add(report.validationLoss()), validation::value);

        ArrayVectors vectors = new ArrayVectors();
        VectorFreeLBFGS<ArrayVectors.Vec> optimizer = new VectorFreeLBFGS<>(vectors, 5);
        ArrayVectors.Function remote = new ArrayVectors.Function(vectors, f);
        List<Double> losses = new ArrayList<>();
        VectorFreeMinimizer.Result<ArrayVectors.Vec> actual = new VectorFreeMinimizer<>(optimizer, criteria).run(
                remote, optimizer.initialize(remote, vectors.of(new double[f.dimension()])),
                (state, report) -> losses.add(report.validationLoss()), x -> validation.value(x.data()), null);

        assertEquals(StopReason.EARLY_STOPPING, expected.reason());
        assertTrue(expected.best().iteration() > 2, "the best iterate is not the start");
        assertEquals(expected.reason(), actual.reason());
        assertEquals(expected.detail(), actual.detail());
        assertEquals(expected.state().iteration(), actual.state().iteration());
        assertEquals(expectedLosses.size(), losses.size());
        for (int k = 0; k < losses.size(); k++) {
            assertEquals(expectedLosses.get(k), losses.get(k), 1e-10 * expectedLosses.get(k));
        }
        Minimizer.Best best = expected.best();
        assertEquals(best.iteration(), actual.bestFigures().iteration());
        assertEquals(best.validationLoss(), actual.bestFigures().validationLoss(), 1e-10 * best.validationLoss());
        double bestDifference = relativeDifference(actual.best().data(), best.x());
        System.out.printf("early stopping after %d iterations, best at %d both; best x relative difference %.2e%n",
                expected.state().iteration(), best.iteration(), bestDifference);
        assertTrue(bestDifference < 1e-10, "best x relative difference " + bestDifference);
        vectors.release(actual.best());
        actual.state().release(vectors);
        assertEquals(0, vectors.live(), "every handle released");
    }

    private static QuasiNewtonProblems.Data rows(QuasiNewtonProblems.Data p, int from, int to) {
        return new QuasiNewtonProblems.Data(to - from, p.d(), java.util.Arrays.copyOfRange(p.x(), from * p.d(),
                to * p.d()), java.util.Arrays.copyOfRange(p.y(), from, to));
    }

    @Test
    void eachTrialIsOneEvaluationWithItsProductsAndTheMoveNoPass() {
        // On sharded vectors every RemoteVectors.dots call is a Spark job: the slope g . d comes from the Gram
        // matrix, a trial's evaluation takes the products a move to it needs, and an accepted trial reuses them.
        // Left to RemoteFunction's default, the products are one dots call per trial, with the same bits.
        QuasiNewtonProblems.Data p = QuasiNewtonProblems.binary(5, 400, 8);
        RegularizedObjective f = p.objective(Objective.LOGISTIC, 2, 0.01);
        ArrayVectors inPass = new ArrayVectors();
        ArrayVectors byDefault = new ArrayVectors();
        VectorFreeLBFGS<ArrayVectors.Vec> optimizer = VectorFreeLBFGS.withFirstTrial(inPass, 4, 1.0);
        VectorFreeLBFGS<ArrayVectors.Vec> reference = VectorFreeLBFGS.withFirstTrial(byDefault, 4, 1.0);
        ArrayVectors.Function remote = new ArrayVectors.Function(inPass, f);
        ArrayVectors.Function remoteByDefault = ArrayVectors.Function.productsByDefault(byDefault, f);
        VectorFreeLBFGS.State<ArrayVectors.Vec> state = optimizer.initialize(remote,
                inPass.of(new double[f.dimension()]));
        VectorFreeLBFGS.State<ArrayVectors.Vec> expected = reference.initialize(remoteByDefault,
                byDefault.of(new double[f.dimension()]));
        assertEquals(1, remote.evaluations());
        assertEquals(0, inPass.dotsCalls(), "initialize: g . g in the evaluation");
        assertEquals(1, byDefault.dotsCalls(), "initialize by default: one dots call for g . g");
        for (int k = 0; k < 15; k++) {
            assertTrue(optimizer.step(remote, state));
            assertTrue(reference.step(remoteByDefault, expected));
            assertEquals(0, inPass.dotsCalls(), "no slice pass after " + (k + 1) + " iterations");
            assertEquals(remoteByDefault.evaluations(), byDefault.dotsCalls(), "by default one dots call a trial");
            assertEquals(remoteByDefault.evaluations(), remote.evaluations());
            assertArrayEquals(expected.x().data(), state.x().data(), 0.0);
            assertArrayEquals(expected.gradient().data(), state.gradient().data(), 0.0);
            assertEquals(expected.value(), state.value(), 0.0);
        }
        assertTrue(remote.evaluations() > 15, "some search took more than one trial: " + remote.evaluations());
        assertEquals(ArrayVectors.held(state).size(), inPass.live(), "no handle leaks from the searches");
        assertEquals(ArrayVectors.held(expected).size(), byDefault.live(), "no handle leaks by default either");
    }

    @Test
    void withoutBestCopyTheRunIsTheSameAndKeepsOnlyTheStatesHandles() {
        QuasiNewtonProblems.Data p = QuasiNewtonProblems.binary(9, 300, 6);
        RegularizedObjective f = p.objective(Objective.LOGISTIC, 2, 0.01);
        StopCriteria criteria = StopCriteria.iterations(12);
        List<VectorFreeMinimizer.Result<ArrayVectors.Vec>> results = new ArrayList<>();
        List<ArrayVectors> stores = new ArrayList<>();
        for (boolean copies : new boolean[] {true, false}) {
            ArrayVectors vectors = new ArrayVectors();
            VectorFreeLBFGS<ArrayVectors.Vec> optimizer = new VectorFreeLBFGS<>(vectors, 4);
            ArrayVectors.Function remote = new ArrayVectors.Function(vectors, f);
            VectorFreeMinimizer<ArrayVectors.Vec> minimizer = new VectorFreeMinimizer<>(optimizer, criteria);
            results.add((copies ? minimizer : minimizer.withoutBestCopy()).run(remote,
                    optimizer.initialize(remote, vectors.of(new double[f.dimension()])), (s, r) -> { }, null, null));
            stores.add(vectors);
        }
        VectorFreeMinimizer.Result<ArrayVectors.Vec> copied = results.get(0);
        VectorFreeMinimizer.Result<ArrayVectors.Vec> plain = results.get(1);
        assertArrayEquals(copied.state().x().data(), plain.state().x().data(), 0.0);
        assertNotNull(copied.best());
        assertArrayEquals(copied.best().data(), plain.state().x().data(), 0.0, "the best iterate is the last");
        assertNull(plain.best());
        assertEquals(12, plain.bestFigures().iteration());
        assertEquals(copied.bestFigures().objective(), plain.bestFigures().objective(), 0.0);
        assertEquals(ArrayVectors.held(plain.state()).size(), stores.get(1).live(), "no copy kept");
    }

    @Test
    void aRestoredCheckpointContinuesWithTheSameBits() throws IOException {
        QuasiNewtonProblems.Data p = QuasiNewtonProblems.binary(7, 300, 5);
        RegularizedObjective f = p.objective(Objective.LOGISTIC, 2, 0.01);
        ArrayVectors vectors = new ArrayVectors();
        VectorFreeLBFGS<ArrayVectors.Vec> optimizer = new VectorFreeLBFGS<>(vectors, 3);
        ArrayVectors.Function remote = new ArrayVectors.Function(vectors, f);
        VectorFreeLBFGS.State<ArrayVectors.Vec> straight = optimizer.initialize(remote,
                vectors.of(new double[f.dimension()]));
        VectorFreeLBFGS.State<ArrayVectors.Vec> interrupted = optimizer.initialize(remote,
                vectors.of(new double[f.dimension()]));
        for (int k = 0; k < 12; k++) {
            assertTrue(optimizer.step(remote, straight));
            if (k == 6) {
                // Checkpoint: the small state through its codec, the handles' data copied; then restore.
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                interrupted.small().writeTo(new DataOutputStream(bytes));
                OptimizerState small = OptimizerState.readFrom(new DataInputStream(
                        new ByteArrayInputStream(bytes.toByteArray())), 1 << 20);
                interrupted = optimizer.restore(small, vectors.of(interrupted.x().data()),
                        vectors.of(interrupted.gradient().data()), copies(vectors, interrupted.sBySlot()),
                        copies(vectors, interrupted.yBySlot()));
            }
            assertTrue(optimizer.step(remote, interrupted));
            assertArrayEquals(straight.x().data(), interrupted.x().data(), 0.0);
            assertEquals(straight.value(), interrupted.value(), 0.0);
        }
    }

    /** Fresh handles holding copies of the slots' vectors (null stays null): a checkpoint's read-back. */
    static List<ArrayVectors.Vec> copies(ArrayVectors vectors, List<ArrayVectors.Vec> bySlot) {
        List<ArrayVectors.Vec> out = new ArrayList<>();
        for (ArrayVectors.Vec v : bySlot) {
            out.add(v == null ? null : vectors.of(v.data()));
        }
        return out;
    }
}
