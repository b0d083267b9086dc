package dev.downhill.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.objective.DifferentiableFunction;
import dev.downhill.core.objective.L1Penalty;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

/**
 * {@link ScheduledRule#update} on the slices of a split vector gives the whole-vector {@link ScheduledRule#step}'s x
 * and state vectors bit for bit (also with L1 weights and AdamW's mask, which read the global index), after
 * serialization as a sharded run sends the rule to the executors, also with each slice's own L1 weights; and
 * {@link RemoteRuleMinimizer} on array handles follows {@link Minimizer}'s iterations, stop and counters bit for
 * bit, with and without L1 and on mini-batches.
 */
class ScheduledRuleSliceTest {
    private static final LinearProblems.Problem PROBLEM = LinearProblems.logistic(5, 200, 12, 1e-3);
    /** Slices of the 13 coordinates: uneven, one of length 1. */
    private static final int[] CUTS = {0, 4, 5, 11, 13};

    static List<ScheduledRule> rules() {
        int n = PROBLEM.dimension();
        double[] c = new double[n];
        Arrays.fill(c, 0, n - 1, 1e-3); // no L1 on the intercept, so the weight's index matters
        L1Penalty l1 = new L1Penalty(c);
        StepSchedule schedule = new WarmupSchedule(new InverseSqrtSchedule(0.05), 3);
        IntPredicate decayed = (IntPredicate & Serializable) j -> j < n - 1;
        return List.of(new GradientDescent(schedule), new Momentum(schedule, 0.9), new Momentum(schedule, 0.8, l1),
                new Nesterov(schedule), new AdaGrad(schedule, 1e-10, l1), new RMSProp(schedule),
                new RMSProp(schedule, 0.9, 1e-8, l1), new Adam(schedule), new Adam(schedule, 0.9, 0.999, 1e-8, l1),
                new AdamW(schedule, 0.9, 0.999, 1e-8, 0.3, decayed));
    }

    @Test
    void theSliceUpdateIsTheStepBitForBit() throws Exception {
        DifferentiableFunction f = PROBLEM.f;
        for (ScheduledRule rule : rules()) {
            ScheduledRule shipped = roundTrip(rule);
            OptimizerState state = rule.initialize(f, new double[PROBLEM.dimension()]);
            for (int k = 0; k < 6; k++) { // moments away from 0, counts past 1
                rule.step(f, state);
            }
            OptimizerState sliced = state.copy();
            double[] before = state.x().clone();
            rule.step(f, state);

            List<String> names = rule.stateVectors();
            ScheduledRule.Update u = shipped.nextUpdate(sliced);
            double[] x = sliced.x();
            double[][] vectors = new double[names.size()][];
            for (int i = 0; i < vectors.length; i++) {
                vectors[i] = sliced.vector(names.get(i));
            }
            for (int s = 0; s + 1 < CUTS.length; s++) {
                int from = CUTS[s];
                int to = CUTS[s + 1];
                double[] xs = Arrays.copyOfRange(x, from, to);
                double[][] vs = new double[vectors.length][];
                for (int i = 0; i < vs.length; i++) {
                    vs[i] = Arrays.copyOfRange(vectors[i], from, to);
                }
                // the slice's own weights, as a sharded run builds them where the slice is
                shipped.update(xs, Arrays.copyOfRange(sliced.gradient(), from, to), vs, from, u,
                        slicePenalty(shipped.l1(), from, to));
                System.arraycopy(xs, 0, x, from, xs.length);
                for (int i = 0; i < vs.length; i++) {
                    System.arraycopy(vs[i], 0, vectors[i], from, vs[i].length);
                }
            }
            assertEquals(state.lastStepSize(), u.eta(), rule.name());
            assertFalse(Arrays.equals(before, x), rule.name() + " did not move");
            assertArrayEquals(state.x(), x, rule.name() + " x");
            for (int i = 0; i < names.size(); i++) {
                assertArrayEquals(state.vector(names.get(i)), vectors[i], rule.name() + " " + names.get(i));
            }
            assertEquals(state.scalars(), sliced.scalars(), rule.name() + " counters");
        }
    }

    /** The weights of coordinates from .. to - 1 of {@code l1} as a slice penalty; null for null. */
    static L1Penalty slicePenalty(L1Penalty l1, int from, int to) {
        if (l1 == null) {
            return null;
        }
        double[] c = new double[to - from];
        for (int i = 0; i < c.length; i++) {
            c[i] = l1.weight(from + i);
        }
        return L1Penalty.slice(c, from);
    }

    @Test
    void rulesWithoutAProximalStepRefuseAPenalty() {
        L1Penalty l1 = new L1Penalty(new double[] {0.1, 0.1});
        ScheduledRule.Update u = new ScheduledRule.Update(0.1, 1);
        for (ScheduledRule rule : List.of(new GradientDescent(new ConstantSchedule(0.1)),
                new Nesterov(new ConstantSchedule(0.1)))) {
            double[][] vectors = new double[rule.stateVectors().size()][2];
            assertThrows(IllegalArgumentException.class,
                    () -> rule.update(new double[2], new double[] {1, 2}, vectors, 0, u, l1), rule.name());
        }
    }

    private static ScheduledRule roundTrip(ScheduledRule rule) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(rule);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (ScheduledRule) in.readObject();
        }
    }

    /** Handles that are arrays cut into the test's slices: the loop's only view of the vectors. */
    static final class ArraySlices implements RemoteRuleMinimizer.Slices<double[]> {
        final FunctionSequence fs;
        final ScheduledRule rule;
        int released;

        ArraySlices(FunctionSequence fs, ScheduledRule rule) {
            this.fs = fs;
            this.rule = rule;
        }

        /** With L1: h and the minimum-norm subgradient over the whole arrays, summed as the rule's own methods. */
        @Override
        public RemoteRuleMinimizer.Evaluation<double[]> evaluate(double[] x, long iteration) {
            double[] g = new double[x.length];
            double value = fs.at(iteration).valueAndGradient(x, g);
            L1Penalty l1 = rule.l1();
            if (l1 == null) {
                return new RemoteRuleMinimizer.Evaluation<>(value, g, dot(g, g));
            }
            double[] r = new double[x.length];
            l1.minimumNormSubgradient(x, g, r);
            return new RemoteRuleMinimizer.Evaluation<>(value, g, dot(r, r), l1.value(x));
        }

        @Override
        public RemoteRuleMinimizer.Stepped<double[]> step(double[] x, double[] gradient, List<double[]> vectors,
                                                          ScheduledRule.Update u, long iteration) {
            double[] nx = x.clone();
            List<double[]> nv = new ArrayList<>();
            for (double[] v : vectors) {
                nv.add(v.clone());
            }
            for (int s = 0; s + 1 < CUTS.length; s++) {
                int from = CUTS[s];
                int to = CUTS[s + 1];
                double[] xs = Arrays.copyOfRange(nx, from, to);
                double[][] vs = new double[nv.size()][];
                for (int i = 0; i < vs.length; i++) {
                    vs[i] = Arrays.copyOfRange(nv.get(i), from, to);
                }
                rule.update(xs, Arrays.copyOfRange(gradient, from, to), vs, from, u,
                        slicePenalty(rule.l1(), from, to));
                System.arraycopy(xs, 0, nx, from, xs.length);
                for (int i = 0; i < vs.length; i++) {
                    System.arraycopy(vs[i], 0, nv.get(i), from, vs[i].length);
                }
            }
            return new RemoteRuleMinimizer.Stepped<>(nx, nv, evaluate(nx, iteration));
        }

        @Override
        public double[] zeros() {
            return new double[fs.at(0).dimension()];
        }

        @Override
        public void release(double[] v) {
            released++;
        }

        private static double dot(double[] a, double[] b) {
            double s = 0;
            for (int i = 0; i < a.length; i++) {
                s += a[i] * b[i];
            }
            return s;
        }
    }

    @Test
    void theRemoteLoopFollowsMinimizerBitForBit() {
        StopCriteria criteria = StopCriteria.iterations(40).withGradientTolerance(1e-9).withMaxRises(3)
                .withObjectiveTolerance(1e-9, 5);
        followsMinimizer(FunctionSequence.of(PROBLEM.f), criteria);
    }

    @Test
    void onMiniBatchesTheRemoteLoopEvaluatesEachIterationsBatch() {
        // iteration k's step ends on batch k's function, as Minimizer's fs.at(k): a loop that evaluated another
        // batch (the previous one, or batch 0 throughout) would give other objectives from the first step on
        FunctionSequence batches = PROBLEM.miniBatches(40, 3);
        followsMinimizer(batches, StopCriteria.iterations(30));
    }

    private static void followsMinimizer(FunctionSequence fs, StopCriteria criteria) {
        for (ScheduledRule rule : rules()) { // with L1 too: objective f + h, stationarity of f + h
            Minimizer tree = new Minimizer(rule, criteria);
            List<Double> expected = new ArrayList<>();
            Minimizer.Result a = tree.run(fs, tree.start(fs, new double[PROBLEM.dimension()]),
                    (s, r) -> expected.add(r.objective()), null);

            ArraySlices slices = new ArraySlices(fs, rule);
            RemoteRuleMinimizer<double[]> loop = new RemoteRuleMinimizer<>(rule, criteria);
            List<Double> actual = new ArrayList<>();
            RemoteRuleMinimizer.State<double[]> start = loop.initialize(slices, new double[PROBLEM.dimension()]);
            RemoteRuleMinimizer.Result<double[]> b = loop.run(slices, start, (s, r) -> actual.add(r.objective()),
                    null, null);

            assertTrue(expected.size() >= 10, rule.name() + " ran " + expected.size());
            assertEquals(expected, actual, rule.name());
            assertEquals(a.reason(), b.reason(), rule.name());
            assertEquals(a.gradientNorm(), b.gradientNorm(), 0.0, rule.name());
            assertEquals(a.objective(), b.objective(), 0.0, rule.name());
            assertArrayEquals(a.state().x(), b.state().x(), rule.name());
            OptimizerState small = b.state().small();
            assertEquals(a.state().iteration(), small.iteration());
            assertEquals(a.state().evaluations(), small.evaluations());
            assertEquals(a.state().lastStepSize(), small.lastStepSize());
            for (String name : rule.stateVectors()) {
                assertArrayEquals(a.state().vector(name), b.state().vectors().get(rule.stateVectors().indexOf(name)),
                        rule.name() + " " + name);
            }
            // the loop released every replaced handle: x, gradient and the rule's vectors of each step
            assertEquals(small.iteration() * (2 + rule.stateVectors().size()), slices.released, rule.name());
        }
    }
}
