package dev.downhill.core.optim;

import static dev.downhill.core.optim.QuasiNewtonProblems.driverLike;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.DifferentiableFunction;
import dev.downhill.core.objective.L1Penalty;
import dev.downhill.core.objective.RegularizedObjective;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Vector-free OWL-QN against {@link OWLQN} on arrays: the same objective f + h at every iteration to 1e-10, the
 * same iterations, stop reason and exact zeros, the handles it owns released, and a restored checkpoint continuing
 * with the same bits.
 */
class VectorFreeOrthantWiseTest {

    /** {@link RemoteL1} on arrays: {@link L1Penalty}'s methods on the whole vector, fresh handles each call. */
    private record ArrayL1(ArrayVectors vectors, L1Penalty penalty) implements RemoteL1<ArrayVectors.Vec> {
        @Override
        public ArrayVectors.Vec pseudoGradient(ArrayVectors.Vec x, ArrayVectors.Vec gradient) {
            double[] out = new double[x.data().length];
            penalty.minimumNormSubgradient(x.data(), gradient.data(), out);
            return vectors.of(out);
        }

        @Override
        public ArrayVectors.Vec projectDirection(ArrayVectors.Vec d, ArrayVectors.Vec v) {
            double[] out = d.data().clone();
            penalty.projectDirection(out, v.data());
            return vectors.of(out);
        }

        @Override
        public ArrayVectors.Vec orthantPoint(ArrayVectors.Vec x, ArrayVectors.Vec d, ArrayVectors.Vec v, double t) {
            double[] out = new double[x.data().length];
            penalty.orthantPoint(x.data(), d.data(), v.data(), t, out);
            return vectors.of(out);
        }

        @Override
        public double[] valueAndChange(ArrayVectors.Vec point, ArrayVectors.Vec x, ArrayVectors.Vec v) {
            double change = 0;
            for (int j = 0; j < x.data().length; j++) {
                change += v.data()[j] * (point.data()[j] - x.data()[j]);
            }
            return new double[] {penalty.value(point.data()), change};
        }

        @Override
        public double[] valueChangeAndSlope(ArrayVectors.Vec point, ArrayVectors.Vec x, ArrayVectors.Vec v,
                                            ArrayVectors.Vec d) {
            double[] sums = valueAndChange(point, x, v);
            return new double[] {sums[0], sums[1], ArrayVectors.dot(v.data(), d.data())};
        }

        @Override
        public double value(ArrayVectors.Vec x) {
            return penalty.value(x.data());
        }
    }

    private record Run(List<Double> objectives, List<Double> stationarity, StopReason reason, double[] x,
                       long evaluations) {
    }

    private static Run arrays(L1Penalty penalty, int m, StopCriteria criteria, DifferentiableFunction f) {
        List<Double> objectives = new ArrayList<>();
        List<Double> stationarity = new ArrayList<>();
        Minimizer.Result r = new Minimizer(new OWLQN(penalty, m), criteria).minimize(f, new double[f.dimension()],
                (state, report) -> {
                    objectives.add(report.objective());
                    stationarity.add(report.stationarity());
                });
        return new Run(objectives, stationarity, r.reason(), r.state().x(), r.state().evaluations());
    }

    private static Run handles(L1Penalty penalty, int m, StopCriteria criteria, DifferentiableFunction f) {
        ArrayVectors vectors = new ArrayVectors();
        VectorFreeLBFGS<ArrayVectors.Vec> optimizer = VectorFreeLBFGS.orthantWise(vectors, m,
                new ArrayL1(vectors, penalty));
        ArrayVectors.Function remote = new ArrayVectors.Function(vectors, f);
        List<Double> objectives = new ArrayList<>();
        List<Double> stationarity = new ArrayList<>();
        VectorFreeLBFGS.State<ArrayVectors.Vec> state = optimizer.initialize(remote,
                vectors.of(new double[f.dimension()]));
        VectorFreeMinimizer.Result<ArrayVectors.Vec> r = new VectorFreeMinimizer<>(optimizer, criteria)
                .withoutBestCopy().run(remote, state, (s, report) -> {
                    objectives.add(report.objective());
                    stationarity.add(report.stationarity());
                }, null, null);
        assertEquals(r.state().evaluations(), remote.evaluations(), "every evaluation is counted");
        // x, g, the stored pairs and the pseudo-gradient: nothing else is left unreleased
        assertEquals(ArrayVectors.held(r.state()).size() + 1, vectors.live());
        double[] x = r.state().x().data().clone();
        r.state().release(vectors);
        assertEquals(0, vectors.live());
        return new Run(objectives, stationarity, r.reason(), x, r.state().evaluations());
    }

    private static void assertSameRun(Run expected, Run actual, String what) {
        assertEquals(expected.reason(), actual.reason(), what);
        assertEquals(expected.objectives().size(), actual.objectives().size(), what + ": iterations");
        assertEquals(expected.evaluations(), actual.evaluations(), what + ": evaluations");
        double worst = 0;
        for (int k = 0; k < expected.objectives().size(); k++) {
            double e = expected.objectives().get(k);
            double relative = Math.abs(actual.objectives().get(k) - e) / Math.abs(e);
            worst = Math.max(worst, relative);
            assertTrue(relative <= 1e-10, what + ", iteration " + (k + 1) + ": " + actual.objectives().get(k)
                    + " vs " + e);
            double se = expected.stationarity().get(k);
            assertEquals(se, actual.stationarity().get(k), 1e-8 * Math.max(se, 1e-3), what + ": ||v||");
        }
        int zeros = 0;
        for (int j = 0; j < expected.x().length; j++) {
            assertEquals(expected.x()[j] == 0, actual.x()[j] == 0, what + ": coordinate " + j + " zero in one run");
            zeros += expected.x()[j] == 0 ? 1 : 0;
            assertEquals(expected.x()[j], actual.x()[j], 1e-8 * (1 + Math.abs(expected.x()[j])), what);
        }
        assertTrue(zeros > 0, what + ": the penalty zeroes some weights");
        System.out.printf("%s: %s after %d iterations (%d evaluations) both, %d exact zeros both, largest relative"
                + " objective difference %.2e%n", what, actual.reason().label(), actual.objectives().size(),
                actual.evaluations(), zeros, worst);
    }

    @Test
    void l1LogisticRunsAsOwlqnWithEveryHistorySize() {
        QuasiNewtonProblems.Data p = QuasiNewtonProblems.binary(22, 500, 12);
        RegularizedObjective f = p.objective(Objective.LOGISTIC, 2, 0.0);
        L1Penalty penalty = L1Penalty.of(0.05, new LinearModel(12, 1));
        for (int m : new int[] {1, 3, LBFGS.DEFAULT_HISTORY}) {
            assertSameRun(arrays(penalty, m, driverLike(1000), f), handles(penalty, m, driverLike(1000), f),
                    "logistic + L1, m = " + m);
        }
    }

    @Test
    void softmaxWithL1AndL2RunsAsOwlqn() {
        QuasiNewtonProblems.Data p = QuasiNewtonProblems.multiclass(23, 600, 6, 3);
        RegularizedObjective f = p.objective(Objective.SOFTMAX, 3, 0.01);
        L1Penalty penalty = L1Penalty.of(0.03, new LinearModel(6, 3));
        assertSameRun(arrays(penalty, 10, driverLike(1000), f), handles(penalty, 10, driverLike(1000), f),
                "softmax + L1 + L2");
    }

    @Test
    void aRestoredCheckpointContinuesWithTheSameBits() throws IOException {
        QuasiNewtonProblems.Data p = QuasiNewtonProblems.binary(7, 300, 5);
        RegularizedObjective f = p.objective(Objective.LOGISTIC, 2, 0.01);
        ArrayVectors vectors = new ArrayVectors();
        L1Penalty penalty = L1Penalty.of(0.02, new LinearModel(5, 1));
        VectorFreeLBFGS<ArrayVectors.Vec> optimizer = VectorFreeLBFGS.orthantWise(vectors, 3,
                new ArrayL1(vectors, penalty));
        ArrayVectors.Function remote = new ArrayVectors.Function(vectors, f);
        VectorFreeLBFGS.State<ArrayVectors.Vec> straight = optimizer.initialize(remote,
                vectors.of(new double[f.dimension()]));
        VectorFreeLBFGS.State<ArrayVectors.Vec> interrupted = optimizer.initialize(remote,
                vectors.of(new double[f.dimension()]));
        int steps = 0;
        for (int k = 0; k < 12; k++) {
            if (k == 4) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                interrupted.small().writeTo(new DataOutputStream(bytes));
                OptimizerState small = OptimizerState.readFrom(new DataInputStream(
                        new ByteArrayInputStream(bytes.toByteArray())), 1 << 20);
                interrupted = optimizer.restore(small, vectors.of(interrupted.x().data()),
                        vectors.of(interrupted.gradient().data()),
                        VectorFreeLBFGSTest.copies(vectors, interrupted.sBySlot()),
                        VectorFreeLBFGSTest.copies(vectors, interrupted.yBySlot()));
            }
            boolean moved = optimizer.step(remote, straight);
            assertEquals(moved, optimizer.step(remote, interrupted));
            if (!moved) {
                break;
            }
            steps++;
            assertArrayEquals(straight.x().data(), interrupted.x().data(), 0.0);
            assertEquals(straight.objective(), interrupted.objective(), 0.0);
            assertEquals(straight.stationarity(), interrupted.stationarity(), 0.0);
        }
        assertTrue(steps >= 6, steps + " steps");
        // with no pair stored, only the penalty tells the two checkpoints apart: each optimizer refuses the other's
        OptimizerState withL1 = optimizer.initialize(remote, vectors.of(new double[f.dimension()])).small();
        VectorFreeLBFGS<ArrayVectors.Vec> plain = new VectorFreeLBFGS<>(vectors, 3);
        OptimizerState withoutL1 = plain.initialize(remote, vectors.of(new double[f.dimension()])).small();
        List<ArrayVectors.Vec> none = new ArrayList<>(java.util.Collections.nCopies(3, null));
        ArrayVectors.Vec x = vectors.of(new double[f.dimension()]);
        assertThrows(IllegalArgumentException.class, () -> plain.restore(withL1, x, x, none, none));
        assertThrows(IllegalArgumentException.class, () -> optimizer.restore(withoutL1, x, x, none, none));
    }
}
