package dev.downhill.core.optim;

import static dev.downhill.core.optim.Close.close;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Two steps of AdaGrad, RMSProp, Adam and AdamW on f = (1/2)(2 x1^2 + 0.5 x2^2) from (1, 1), so
 * grad f(x) = (2 x1, 0.5 x2). The expected values are the update formulas worked coordinate by coordinate
 * with the numbers written in (decimal results in the comments).
 */
class AdaptiveRulesTest {

    @Test
    void adaGradTwoSteps() {
        Quadratic f = new Quadratic(2.0, 0.5);
        AdaGrad rule = new AdaGrad(new ConstantSchedule(0.1), 0.5);
        OptimizerState state = rule.initialize(f, new double[] {1.0, 1.0});
        rule.step(f, state);
        // g = (2, 0.5), G = (4, 0.25), x = (1 - 0.1 * 2 / (0.5 + 2), 1 - 0.1 * 0.5 / (0.5 + 0.5)) = (0.92, 0.95).
        close(new double[] {4.0, 0.25}, state.vector("adagrad.sumSquares"), "G1");
        close(new double[] {0.92, 0.95}, state.x(), "x1");
        rule.step(f, state);
        // g = (1.84, 0.475), G = (4 + 3.3856, 0.25 + 0.225625) = (7.3856, 0.475625),
        // x = (0.92 - 0.1 * 1.84 / (0.5 + sqrt(7.3856)), 0.95 - 0.1 * 0.475 / (0.5 + sqrt(0.475625)))
        //   = (0.8628153383873716, 0.9100724818512239).
        close(new double[] {7.3856, 0.475625}, state.vector("adagrad.sumSquares"), "G2");
        double x1 = 0.92 - 0.1 * 1.84 / (0.5 + Math.sqrt(7.3856));
        double x2 = 0.95 - 0.1 * 0.475 / (0.5 + Math.sqrt(0.475625));
        close(new double[] {x1, x2}, state.x(), "x2");
        close(0.5 * (2 * x1 * x1 + 0.5 * x2 * x2), state.value(), "f");
        close(new double[] {2 * x1, 0.5 * x2}, state.gradient(), "gradient");
        assertEquals(2, state.iteration());
        assertEquals(3, state.evaluations());
    }

    @Test
    void rmsPropTwoStepsOnADecayingSchedule() {
        Quadratic f = new Quadratic(2.0, 0.5);
        RMSProp rule = new RMSProp(new InverseSqrtSchedule(0.1));
        OptimizerState state = rule.initialize(f, new double[] {1.0, 1.0});
        rule.step(f, state);
        // eta_1 = 0.1, g = (2, 0.5), E = 0.1 g^2 = (0.4, 0.025),
        // x = (1 - 0.1 * 2 / (sqrt(0.4) + 1e-8), 1 - 0.1 * 0.5 / (sqrt(0.025) + 1e-8)) = (0.683772238983162, 0.6837722539831608).
        double a1 = 1 - 0.1 * 2 / (Math.sqrt(0.4) + 1e-8);
        double a2 = 1 - 0.1 * 0.5 / (Math.sqrt(0.025) + 1e-8);
        close(new double[] {0.4, 0.025}, state.vector("rmsprop.meanSquare"), "E1");
        close(new double[] {a1, a2}, state.x(), "x1");
        rule.step(f, state);
        // eta_2 = 0.1 / sqrt(2), g = (2 a1, 0.5 a2) = (1.367544477966324, 0.3418861269915804),
        // E = 0.9 E + 0.1 g^2 = (0.5470177899216186, 0.034188612382930306),
        // x = a - eta_2 g / (sqrt(E) + 1e-8) = (0.5530270457565907, 0.553027064172305).
        double g1 = 2 * a1;
        double g2 = 0.5 * a2;
        double e1 = 0.9 * 0.4 + 0.1 * g1 * g1;
        double e2 = 0.9 * 0.025 + 0.1 * g2 * g2;
        double eta = 0.1 / Math.sqrt(2);
        close(new double[] {e1, e2}, state.vector("rmsprop.meanSquare"), "E2");
        close(new double[] {a1 - eta * g1 / (Math.sqrt(e1) + 1e-8), a2 - eta * g2 / (Math.sqrt(e2) + 1e-8)},
                state.x(), "x2");
        close(0.5530270457565907, state.x()[0], "x2 decimal");
        assertEquals(eta, state.lastStepSize(), 1e-17);
    }

    @Test
    void adamTwoSteps() {
        Quadratic f = new Quadratic(2.0, 0.5);
        Adam rule = new Adam(new ConstantSchedule(0.1));
        OptimizerState state = rule.initialize(f, new double[] {1.0, 1.0});
        rule.step(f, state);
        // t = 1: m = 0.1 g = (0.2, 0.05), v = 0.001 g^2 = (0.004, 0.00025); the bias correction gives
        // mhat = g, vhat = g^2, so x = 1 - 0.1 g / (|g| + 1e-8) = (0.9000000005, 0.900000002).
        double a1 = 1 - 0.1 * 2 / (2 + 1e-8);
        double a2 = 1 - 0.1 * 0.5 / (0.5 + 1e-8);
        close(new double[] {0.2, 0.05}, state.vector("adam.m"), "m1");
        close(new double[] {0.004, 0.00025}, state.vector("adam.v"), "v1");
        close(new double[] {a1, a2}, state.x(), "x1");
        close(0.9000000005, state.x()[0], "x1 decimal");
        assertEquals(1.0, state.scalar("adam.t", 0), 0.0);
        rule.step(f, state);
        // t = 2: g = (2 a1, 0.5 a2) = (1.800000001, 0.450000001), m = 0.9 m + 0.1 g = (0.3600000001, 0.0900000001),
        // v = 0.999 v + 0.001 g^2 = (0.0072360000036, 0.0004522500009), mhat = m / (1 - 0.81), vhat = v / (1 - 0.998001),
        // x = a - 0.1 mhat / (sqrt(vhat) + 1e-8) = (0.8004122286917927, 0.8004122317534283).
        double[] a = {a1, a2};
        double[] g = {2 * a1, 0.5 * a2};
        double[] m1 = {0.2, 0.05};
        double[] v1 = {0.004, 0.00025};
        double[] expected = new double[2];
        for (int j = 0; j < 2; j++) {
            double m = 0.9 * m1[j] + 0.1 * g[j];
            double v = 0.999 * v1[j] + 0.001 * g[j] * g[j];
            expected[j] = a[j] - 0.1 * (m / 0.19) / (Math.sqrt(v / 0.001999) + 1e-8);
        }
        close(expected, state.x(), "x2");
        close(new double[] {0.8004122286917927, 0.8004122317534283}, state.x(), "x2 decimal");
        assertEquals(2.0, state.scalar("adam.t", 0), 0.0);
        assertEquals(3, state.evaluations());
    }

    @Test
    void adamWDecaysOnlyTheMaskedCoordinates() {
        Quadratic f = new Quadratic(2.0, 0.5);
        boolean[] decayed = {true, false};
        AdamW rule = new AdamW(new ConstantSchedule(0.1), j -> decayed[j]);
        OptimizerState state = rule.initialize(f, new double[] {1.0, 1.0});
        rule.step(f, state);
        // As Adam, plus 0.1 * 0.01 * x on coordinate 1 only:
        // x = (1 - 0.1 (2 / (2 + 1e-8) + 0.01 * 1), 1 - 0.1 * 0.5 / (0.5 + 1e-8)) = (0.8990000005, 0.900000002).
        double a1 = 1 - 0.1 * (2 / (2 + 1e-8) + 0.01 * 1);
        double a2 = 1 - 0.1 * 0.5 / (0.5 + 1e-8);
        close(new double[] {a1, a2}, state.x(), "x1");
        rule.step(f, state);
        // t = 2: g = (2 a1, 0.5 a2) = (1.798000001, 0.450000001), m = (0.3598000001, 0.0900000001),
        // v = (0.007228804003596, 0.0004522500009); x1 = a1 - 0.1 (mhat / (sqrt(vhat) + 1e-8) + 0.01 a1)
        // = 0.7985190271685215, x2 as Adam's = 0.8004122317534283.
        double g1 = 2 * a1;
        double m = 0.9 * 0.2 + 0.1 * g1;
        double v = 0.999 * 0.004 + 0.001 * g1 * g1;
        double x1 = a1 - 0.1 * ((m / 0.19) / (Math.sqrt(v / 0.001999) + 1e-8) + 0.01 * a1);
        close(x1, state.x()[0], "x2[0]");
        close(0.7985190271685215, state.x()[0], "x2[0] decimal");
        close(0.8004122317534283, state.x()[1], "x2[1] undecayed, as Adam");
        assertEquals(2.0, state.scalar("adamw.t", 0), 0.0);
    }

    @Test
    void adamWWithoutDecayIsAdam() {
        Quadratic f = new Quadratic(2.0, 0.5, 3.0);
        AdamW adamW = new AdamW(new InverseSqrtSchedule(0.05), 0.8, 0.99, 1e-6, 0.0, j -> true);
        Adam adam = new Adam(new InverseSqrtSchedule(0.05), 0.8, 0.99, 1e-6);
        OptimizerState a = adam.initialize(f, new double[] {1.0, -2.0, 0.5});
        OptimizerState b = adamW.initialize(f, new double[] {1.0, -2.0, 0.5});
        for (int k = 0; k < 5; k++) {
            adam.step(f, a);
            adamW.step(f, b);
        }
        assertEquals(java.util.Arrays.toString(a.x()), java.util.Arrays.toString(b.x()));
        assertEquals(a.value(), b.value(), 0.0);
    }

    @Test
    void defaultsAreThePapers() {
        StepSchedule s = new ConstantSchedule(0.001);
        assertEquals(1e-10, new AdaGrad(s).delta(), 0.0);
        assertEquals(0.9, new RMSProp(s).decay(), 0.0);
        assertEquals(1e-8, new RMSProp(s).epsilon(), 0.0);
        Adam adam = new Adam(s);
        assertEquals(0.9, adam.beta1(), 0.0);
        assertEquals(0.999, adam.beta2(), 0.0);
        assertEquals(1e-8, adam.epsilon(), 0.0);
        assertEquals(0.001, Adam.PAPER_LEARNING_RATE, 0.0);
        AdamW adamW = new AdamW(s, j -> true);
        assertEquals(0.9, adamW.beta1(), 0.0);
        assertEquals(0.999, adamW.beta2(), 0.0);
        assertEquals(1e-8, adamW.epsilon(), 0.0);
        assertEquals(0.01, adamW.weightDecay(), 0.0);
        assertEquals("adagrad", new AdaGrad(s).name());
        assertEquals("rmsprop", new RMSProp(s).name());
        assertEquals("adam", adam.name());
        assertEquals("adamw", adamW.name());
    }

    private static void rejects(Executable e, String named) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(named), ex.getMessage() + " should name " + named);
    }

    @Test
    void badParametersAreRejectedWithTheValueNamed() {
        StepSchedule s = new ConstantSchedule(0.1);
        rejects(() -> new AdaGrad(s, 0.0), "0.0");
        rejects(() -> new AdaGrad(s, -1e-8), "-1.0E-8");
        rejects(() -> new AdaGrad(null), "null");
        rejects(() -> new RMSProp(s, 1.0, 1e-8), "1.0");
        rejects(() -> new RMSProp(s, 0.9, Double.NaN), "NaN");
        rejects(() -> new Adam(s, 1.0, 0.999, 1e-8), "beta1");
        rejects(() -> new Adam(s, 0.9, -0.5, 1e-8), "-0.5");
        rejects(() -> new Adam(s, 0.9, 0.999, 0.0), "epsilon");
        rejects(() -> new AdamW(s, 0.9, 0.999, 1e-8, -0.01, j -> true), "-0.01");
        rejects(() -> new AdamW(s, 0.9, 0.999, 1e-8, Double.POSITIVE_INFINITY, j -> true), "Infinity");
        rejects(() -> new AdamW(s, null), "null");
    }
}
