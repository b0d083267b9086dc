package dev.downhill.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Each schedule's step at a few t against values worked out by hand, and its argument checks. */
class StepScheduleTest {

    private static void close(double expected, double actual) {
        assertEquals(expected, actual, 1e-15 * Math.abs(expected));
    }

    @Test
    void constantIsTheSameEveryIteration() {
        StepSchedule s = new ConstantSchedule(0.3);
        for (long t : new long[] {1, 2, 17, 1_000_000_000L}) {
            assertEquals(0.3, s.step(t), 0.0);
        }
        assertEquals(new ConstantSchedule(0.3), StepSchedule.constant(0.3));
    }

    @Test
    void inverseSqrtDividesBySqrtT() {
        StepSchedule s = new InverseSqrtSchedule(0.6);
        close(0.6, s.step(1));
        close(0.3, s.step(4)); // 0.6 / 2
        close(0.2, s.step(9)); // 0.6 / 3
        close(0.006, s.step(10_000)); // 0.6 / 100
        close(0.6 / 1.4142135623730951, s.step(2)); // sqrt(2) = 1.4142135623730951
    }

    @Test
    void exponentialDecayMultipliesByGammaEachIteration() {
        StepSchedule s = new ExponentialDecaySchedule(2.0, 0.5);
        close(2.0, s.step(1)); // gamma^0
        close(1.0, s.step(2)); // 2 * 0.5
        close(0.25, s.step(4)); // 2 * 0.5^3
        close(2.0 / 1024, s.step(11)); // 2 * 0.5^10
        StepSchedule slow = new ExponentialDecaySchedule(1.0, 0.9);
        close(0.81, slow.step(3)); // 0.9^2
        close(0.6561, slow.step(5)); // 0.9^4 = 0.81^2
        assertEquals(0.7, new ExponentialDecaySchedule(0.7, 1.0).step(1000), 0.0);
    }

    @Test
    void stepDecayDropsAfterEachBlock() {
        StepSchedule s = new StepDecaySchedule(1.0, 0.1, 3);
        // floor((t-1)/3): t = 1..3 -> 0, 4..6 -> 1, 7..9 -> 2.
        close(1.0, s.step(1));
        close(1.0, s.step(3));
        close(0.1, s.step(4));
        close(0.1, s.step(6));
        close(0.01, s.step(7));
        close(0.001, s.step(10));
        StepSchedule everyIteration = new StepDecaySchedule(3.0, 0.5, 1);
        close(3.0, everyIteration.step(1));
        close(0.75, everyIteration.step(3)); // 3 * 0.5^2
    }

    @Test
    void warmupRampsLinearlyThenFollowsTheInnerSchedule() {
        StepSchedule w = new WarmupSchedule(new ConstantSchedule(0.8), 4);
        close(0.2, w.step(1)); // 0.8 * 1/4
        close(0.4, w.step(2)); // 0.8 * 2/4
        close(0.6, w.step(3)); // 0.8 * 3/4
        close(0.8, w.step(4)); // 0.8 * 4/4
        close(0.8, w.step(5));
        close(0.8, w.step(100));
        // Around a decaying schedule, the ramp multiplies the inner step of the same t.
        StepSchedule wd = new WarmupSchedule(new InverseSqrtSchedule(1.0), 4);
        close(0.25, wd.step(1)); // (1/sqrt(1)) * 1/4
        close(0.5 / 1.4142135623730951, wd.step(2)); // (1/sqrt(2)) * 2/4
        close(1.0 / 2.0, wd.step(4)); // (1/sqrt(4)) * 4/4
        close(1.0 / 3.0, wd.step(9)); // past the ramp: 1/sqrt(9)
        // W = 1: no ramp at all.
        close(0.8, new WarmupSchedule(new ConstantSchedule(0.8), 1).step(1));
    }

    private static void rejects(Executable e, String named) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(named), ex.getMessage() + " should name " + named);
    }

    @Test
    void badParametersAreRejectedWithTheValueNamed() {
        rejects(() -> new ConstantSchedule(0.0), "0.0");
        rejects(() -> new ConstantSchedule(-1.5), "-1.5");
        rejects(() -> new ConstantSchedule(Double.NaN), "NaN");
        rejects(() -> new ConstantSchedule(Double.POSITIVE_INFINITY), "Infinity");
        rejects(() -> StepSchedule.constant(-2.0), "-2.0");
        rejects(() -> new InverseSqrtSchedule(-0.25), "-0.25");
        rejects(() -> new ExponentialDecaySchedule(-1.0, 0.5), "-1.0");
        rejects(() -> new ExponentialDecaySchedule(1.0, 0.0), "gamma");
        rejects(() -> new ExponentialDecaySchedule(1.0, 1.5), "1.5");
        rejects(() -> new ExponentialDecaySchedule(1.0, Double.NaN), "NaN");
        rejects(() -> new StepDecaySchedule(1.0, 0.5, 0), "0");
        rejects(() -> new StepDecaySchedule(1.0, -0.5, 10), "-0.5");
        rejects(() -> new StepDecaySchedule(0.0, 0.5, 10), "eta");
        rejects(() -> new WarmupSchedule(new ConstantSchedule(1.0), 0), "W");
        rejects(() -> new WarmupSchedule(new ConstantSchedule(1.0), -3), "-3");
        rejects(() -> new WarmupSchedule(null, 10), "null");
        // Iterations count from 1.
        rejects(() -> new ConstantSchedule(1.0).step(0), "t");
        rejects(() -> new InverseSqrtSchedule(1.0).step(-1), "-1");
        rejects(() -> new WarmupSchedule(new ConstantSchedule(1.0), 5).step(0), "0");
    }
}
