package dev.downhill.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.objective.L1Penalty;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The checkpoint promise for every rule: k iterations, the state written to bytes and read back, k more
 * with a fresh optimizer object, equals 2k iterations in one go, bit for bit (OptimizerState.equals), on a
 * logistic problem (full f for the deterministic rules, seeded mini-batches for the stochastic ones).
 */
class StateRoundTripTest {
    private static final int K = 9;
    private static final LinearProblems.Problem P = LinearProblems.logistic(31, 120, 4, 0.05);

    private static byte[] write(OptimizerState s) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            s.writeTo(out);
        }
        return bytes.toByteArray();
    }

    private static OptimizerState read(byte[] b) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
            return OptimizerState.readFrom(in, 1 << 20);
        }
    }

    private static OptimizerState run(Optimizer rule, FunctionSequence fs, OptimizerState state, long until) {
        Minimizer m = new Minimizer(rule, StopCriteria.iterations(until));
        Minimizer.Result r = m.run(fs, state, (s, rep) -> { }, null);
        assertEquals(StopReason.MAX_ITERATIONS, r.reason(), rule.name());
        return r.state();
    }

    /** Returns the resumed state after checking it against the uninterrupted run. */
    private static OptimizerState roundTrip(Supplier<Optimizer> make, FunctionSequence fs) throws IOException {
        double[] x0 = {0.3, -0.2, 0.1, 0.4, -0.1};
        Optimizer one = make.get();
        OptimizerState straight = run(one, fs, one.initialize(fs.at(0), x0), 2 * K);

        Optimizer first = make.get();
        OptimizerState half = run(first, fs, first.initialize(fs.at(0), x0), K);
        byte[] bytes = write(half);
        OptimizerState restored = read(bytes);
        assertEquals(half, restored, "the codec keeps every field");
        OptimizerState resumed = run(make.get(), fs, restored, 2 * K);

        String name = one.name();
        assertEquals(straight, resumed, name + ": resumed run differs from the uninterrupted one");
        assertEquals(2 * K, resumed.iteration());
        assertNotEquals(java.util.Arrays.toString(half.x()), java.util.Arrays.toString(resumed.x()), name + " moved");
        return resumed;
    }

    private static boolean hasStateNamed(OptimizerState s, String prefix) {
        return s.vectors().keySet().stream().anyMatch(k -> k.startsWith(prefix + "."))
                || s.scalars().keySet().stream().anyMatch(k -> k.startsWith(prefix + "."));
    }

    @Test
    void deterministicRules() throws IOException {
        FunctionSequence full = FunctionSequence.of(P.f);
        double step = P.inverseLipschitz();
        L1Penalty l1 = L1Penalty.of(0.02, P.model);
        roundTrip(() -> new GradientDescent(step), full);
        // 20/L: the first iterations must backtrack, so the carried step matters.
        OptimizerState ls = roundTrip(() -> new BacktrackingLineSearch(20 * step), full);
        assertTrue(ls.evaluations() > 2 * K + 1, "the search backtracked");
        assertTrue(hasStateNamed(ls, "gd-linesearch"));
        OptimizerState ista = roundTrip(() -> ProximalGradient.ista(l1, 20 * step), full);
        assertTrue(hasStateNamed(ista, "proximal"));
        OptimizerState fista = roundTrip(() -> ProximalGradient.fista(l1, 20 * step), full);
        assertTrue(hasStateNamed(fista, "fista"));
        assertTrue(fista.scalar("fista.t", 1) > 1);
    }

    @Test
    void stochasticRules() throws IOException {
        FunctionSequence batches = P.miniBatches(8, 32);
        double[] probe = {1, 1, 1, 1, 1};
        assertNotEquals(batches.at(3).value(probe), batches.at(4).value(probe), "batches differ");
        StepSchedule decaying = new WarmupSchedule(new InverseSqrtSchedule(0.1), 3);
        roundTrip(() -> new GradientDescent(decaying), batches);
        assertTrue(hasStateNamed(roundTrip(() -> new Momentum(decaying), batches), "momentum"));
        assertTrue(hasStateNamed(roundTrip(() -> new Nesterov(decaying), batches), "nesterov"));
        assertTrue(hasStateNamed(roundTrip(() -> new AdaGrad(new ConstantSchedule(0.1)), batches), "adagrad"));
        assertTrue(hasStateNamed(roundTrip(() -> new RMSProp(new StepDecaySchedule(0.01, 0.5, 4)), batches), "rmsprop"));
        assertTrue(hasStateNamed(roundTrip(() -> new Adam(new ExponentialDecaySchedule(0.05, 0.97)), batches), "adam"));
        assertTrue(hasStateNamed(roundTrip(() -> new AdamW(decaying, P.model::isPenalized), batches), "adamw"));
        L1Penalty l1 = L1Penalty.of(0.01, P.model);
        roundTrip(() -> new Momentum(decaying, 0.9, l1), batches);
        roundTrip(() -> new AdaGrad(new ConstantSchedule(0.1), 1e-10, l1), batches);
        roundTrip(() -> new Adam(decaying, 0.9, 0.999, 1e-8, l1), batches);
    }
}
