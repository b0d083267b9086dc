package dev.downhill.core.optim;

import static dev.downhill.core.optim.Close.close;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.loss.Objective;
import dev.downhill.core.objective.L1Penalty;
import org.junit.jupiter.api.Test;

/**
 * The optional L1 proximal step of Momentum (iPiano), AdaGrad (composite mirror descent), RMSProp, Adam and
 * AdamW (soft-thresholding in the rule's per-coordinate metric): hand-worked steps on
 * f = (1/2)(2 x1^2 + 0.5 x2^2) from (1, 1), g = (2 x1, 0.5 x2), and convergence to the soft-thresholding
 * solution of an orthogonal lasso.
 */
class L1VariantsTest {

    @Test
    void momentumWithL1IsIPiano() {
        Quadratic f = new Quadratic(2.0, 0.5);
        L1Penalty h = new L1Penalty(new double[] {0.5, 0.5});
        Momentum rule = new Momentum(new ConstantSchedule(0.1), 0.9, h);
        OptimizerState state = rule.initialize(f, new double[] {1.0, 1.0});
        rule.step(f, state);
        // x + 0.9 * 0 - 0.1 g = (0.8, 0.95), threshold 0.1 * 0.5 = 0.05: x1 = (0.75, 0.9); v1 = x1 - x0 = (-0.25, -0.1).
        close(new double[] {0.75, 0.9}, state.x(), "x1");
        close(new double[] {-0.25, -0.1}, state.vector("momentum.v"), "v1");
        rule.step(f, state);
        // g = (1.5, 0.45); x1 + 0.9 v1 - 0.1 g = (0.75 - 0.225 - 0.15, 0.9 - 0.09 - 0.045) = (0.375, 0.765),
        // threshold 0.05: x2 = (0.325, 0.715); v2 = x2 - x1 = (-0.425, -0.185).
        close(new double[] {0.325, 0.715}, state.x(), "x2");
        close(new double[] {-0.425, -0.185}, state.vector("momentum.v"), "v2");
        // F = (2 * 0.105625 + 0.5 * 0.511225) / 2 + 0.5 (0.325 + 0.715) = 0.23343125 + 0.52 = 0.75343125;
        // both coordinates positive, so the subgradient is g + c = (0.65 + 0.5, 0.3575 + 0.5) = (1.15, 0.8575).
        close(0.75343125, rule.objective(state), "F");
        close(Math.sqrt(1.15 * 1.15 + 0.8575 * 0.8575), rule.stationarity(state), "stationarity");
    }

    @Test
    void adaGradWithL1ThresholdsInItsMetric() {
        Quadratic f = new Quadratic(2.0, 0.5);
        L1Penalty h = new L1Penalty(new double[] {0.5, 10.0});
        AdaGrad rule = new AdaGrad(new ConstantSchedule(0.1), 0.5, h);
        OptimizerState state = rule.initialize(f, new double[] {1.0, 1.0});
        rule.step(f, state);
        // G = (4, 0.25), H = 0.5 + sqrt(G) = (2.5, 1); x - 0.1 g / H = (0.92, 0.95);
        // thresholds 0.1 c / H = (0.02, 1): x1 = (0.9, 0) (0.95 < 1 is cut to exactly 0).
        close(new double[] {0.9, 0.0}, state.x(), "x1");
        assertEquals(0.0, state.x()[1], 0.0);
        rule.step(f, state);
        // g = (1.8, 0), G = (7.24, 0.25), H1 = 0.5 + sqrt(7.24): x = S_{0.05 / H1}(0.9 - 0.18 / H1); x2 stays 0.
        double h1 = 0.5 + Math.sqrt(7.24);
        double x1 = 0.9 - 0.18 / h1 - 0.05 / h1;
        close(new double[] {x1, 0.0}, state.x(), "x2");
        // At x2 = 0 with g2 = 0 <= 10 the subgradient's second entry is 0; the first is 2 x1 + 0.5.
        close(2 * x1 + 0.5, rule.stationarity(state), "stationarity");
        close(0.5 * 2 * x1 * x1 + 0.5 * x1, rule.objective(state), "F");
    }

    @Test
    void rmsPropAdamAndAdamWWithL1OneStep() {
        Quadratic f = new Quadratic(2.0, 0.5);
        L1Penalty h = new L1Penalty(new double[] {0.5, 0.5});
        // RMSProp: E = 0.1 g^2 = (0.4, 0.025), s = sqrt(E) + 1e-8; x = S_{0.05 / s}(1 - 0.1 g / s).
        RMSProp rms = new RMSProp(new ConstantSchedule(0.1), 0.9, 1e-8, h);
        OptimizerState a = rms.initialize(f, new double[] {1.0, 1.0});
        rms.step(f, a);
        double s1 = Math.sqrt(0.4) + 1e-8;
        double s2 = Math.sqrt(0.025) + 1e-8;
        close(new double[] {1 - 0.2 / s1 - 0.05 / s1, 1 - 0.05 / s2 - 0.05 / s2}, a.x(), "rmsprop x1");
        // Adam: mhat = g, vhat = g^2, s = |g| + 1e-8 = (2 + 1e-8, 0.5 + 1e-8); x = S_{0.05 / s}(1 - 0.1 g / s).
        Adam adam = new Adam(new ConstantSchedule(0.1), 0.9, 0.999, 1e-8, h);
        OptimizerState b = adam.initialize(f, new double[] {1.0, 1.0});
        adam.step(f, b);
        double t1 = 2 + 1e-8;
        double t2 = 0.5 + 1e-8;
        close(new double[] {1 - 0.1 * 2 / t1 - 0.05 / t1, 1 - 0.1 * 0.5 / t2 - 0.05 / t2}, b.x(), "adam x1");
        // AdamW, decay on coordinate 1 only: x1 = S_{0.05 / t1}(1 - 0.1 (2 / t1 + 0.01 * 1)).
        AdamW adamW = new AdamW(new ConstantSchedule(0.1), 0.9, 0.999, 1e-8, 0.01, j -> j == 0, h);
        OptimizerState c = adamW.initialize(f, new double[] {1.0, 1.0});
        adamW.step(f, c);
        close(new double[] {1 - 0.1 * (2 / t1 + 0.01) - 0.05 / t1, 1 - 0.1 * 0.5 / t2 - 0.05 / t2}, c.x(), "adamw x1");
        // F includes h.
        close(c.value() + 0.5 * (c.x()[0] + c.x()[1]), adamW.objective(c), "F");
    }

    @Test
    void withL1TheRulesReachTheOrthogonalLassoSolution() {
        // The 8 x 4 Hadamard design of LassoTest: f(theta) = (1/2)||theta - theta_ls||^2 + const, so the lasso
        // solution with lambda = 0.6 is w = S_0.6(3, -0.2, 0.5, -1.5) = (2.4, 0, 0, -0.9), b = 0.7.
        int n = 8;
        int d = 4;
        double[] wls = {3.0, -0.2, 0.5, -1.5};
        double[] x = new double[n * d];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = 0.7 + 0.3 * (Integer.bitCount(i & 7) % 2 == 0 ? 1.0 : -1.0);
            for (int j = 0; j < d; j++) {
                x[i * d + j] = Integer.bitCount(i & (j + 1)) % 2 == 0 ? 1.0 : -1.0;
                y[i] += wls[j] * x[i * d + j];
            }
        }
        LinearProblems.Problem p = new LinearProblems.Problem(Objective.LEAST_SQUARES, n, d, x, y, 0.0);
        L1Penalty h = L1Penalty.of(0.6, p.model);
        Optimizer[] rules = {
            new Momentum(new ConstantSchedule(0.5), 0.5, h), // iPiano needs eta < 2 (1 - mu) / L = 1
            new AdaGrad(new ConstantSchedule(1.0), AdaGrad.DEFAULT_DELTA, h),
        };
        double[] expected = {2.4, 0.0, 0.0, -0.9, 0.7};
        for (Optimizer rule : rules) {
            Minimizer.Result r = new Minimizer(rule, StopCriteria.iterations(5000).withGradientTolerance(1e-12))
                    .minimize(p.f, new double[p.dimension()], (s, rep) -> { });
            assertEquals(StopReason.GRADIENT_TOLERANCE, r.reason(), rule.name());
            for (int a = 0; a < expected.length; a++) {
                assertEquals(expected[a], r.state().x()[a], 1e-11, rule.name() + " theta[" + a + "]");
            }
            assertEquals(0.0, r.state().x()[1], 0.0, rule.name() + ": an exact zero");
            assertEquals(0.0, r.state().x()[2], 0.0, rule.name() + ": an exact zero");
        }
    }

    @Test
    void aPenaltyOfTheWrongDimensionIsRejected() {
        L1Penalty three = new L1Penalty(new double[3]);
        Quadratic f = new Quadratic(1.0, 1.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Adam(new ConstantSchedule(0.1), 0.9, 0.999, 1e-8, three).initialize(f, new double[2]));
        assertTrue(e.getMessage().contains("3"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new Momentum(new ConstantSchedule(0.1), 0.9, three).initialize(f, new double[2]));
    }
}
