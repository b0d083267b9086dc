package dev.downhill.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.TestData;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.data.FeatureCovariance;
import dev.downhill.core.linalg.Vectors;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.loss.SoftmaxCrossEntropyLoss;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.CurvatureCovariance;
import dev.downhill.core.objective.DifferentiableFunction;
import dev.downhill.core.objective.RegularizedObjective;
import dev.downhill.core.objective.Whitening;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CoordinateSwitchTest {
    private static final int N = 200;
    private static final int D = 6;
    private static final int K = 3;
    private static final double LAMBDA = 1e-3;

    private final Random rnd = new Random(21);
    private final double[] x = TestData.randomMatrix(rnd, N, D, 0.6);
    private final DataBlock block = TestData.dense(N, D, TestData.classLabels(rnd, N, K), null, x);
    private final LinearModel model = new LinearModel(D, K);
    private final RegularizedObjective f = TestData.objective(List.of(block), model,
            new SoftmaxCrossEntropyLoss(K), LAMBDA);

    private Whitening start() {
        FeatureCovariance c = new FeatureCovariance(D);
        c.add(block);
        return Whitening.of(model, c.mean(), c.covariance(), Objective.SOFTMAX.curvatureAtStart(K), LAMBDA);
    }

    private Whitening at(double[] theta) {
        CurvatureCovariance c = new CurvatureCovariance(D);
        c.add(model, Objective.SOFTMAX, theta, block);
        return c.whitening(model, LAMBDA);
    }

    @Test
    void theSwitchedStateIsTheSamePointWithTheGradientOfTheNewCoordinates() {
        Whitening from = start();
        Minimizer minimizer = new Minimizer(LBFGS.withFirstTrial(5, 1.0), 8, 0.0);
        DifferentiableFunction fu = from.scaled(f);
        Minimizer.Result r = minimizer.run(fu, minimizer.start(fu, new double[model.numParameters()]),
                (s, rep) -> { });
        OptimizerState state = r.state();
        double[] theta = from.toUser(state.x());
        double value = state.value();
        double start = state.scalar(Minimizer.START, Double.NaN);
        double before = Vectors.norm2(state.gradient());
        assertTrue(state.scalar("lbfgs.pairs", 0) > 0);
        assertFalse(CoordinateSwitch.decided(state));
        Whitening to = at(theta);
        assertNotNull(to);

        CoordinateSwitch.apply(state, from, to);

        double[] thetaAfter = to.toUser(state.x());
        for (int j = 0; j < theta.length; j++) {
            assertEquals(theta[j], thetaAfter[j], 1e-12 * Math.max(1, Math.abs(theta[j])), "theta " + j);
        }
        double[] expected = new double[theta.length];
        double fNew = to.scaled(f).valueAndGradient(state.x(), expected);
        assertEquals(fNew, state.value(), 1e-14 * fNew);
        assertEquals(value, state.value(), 0.0);
        for (int j = 0; j < expected.length; j++) {
            assertEquals(expected[j], state.gradient()[j], 1e-9 * Vectors.norm2(expected), "gradient " + j);
        }
        assertEquals(0.0, state.scalar("lbfgs.pairs", -1), 0.0, "the history restarts");
        assertNull(state.vector("lbfgs.s0"));
        double ratio = Vectors.norm2(state.gradient()) / before;
        assertEquals(start * ratio, state.scalar(Minimizer.START, Double.NaN), 1e-15 * start * ratio);
        assertArrayEquals(theta, CoordinateSwitch.anchor(state));
        assertEquals(8.0, state.scalar(CoordinateSwitch.AT, 0), 0.0);
        assertTrue(CoordinateSwitch.decided(state));
        double[] bestTheta = to.toUser(state.vector(Minimizer.BEST_X));
        for (int j = 0; j < theta.length; j++) {
            assertEquals(theta[j], bestTheta[j], 1e-12 * Math.max(1, Math.abs(theta[j])), "best " + j);
        }
    }

    @Test
    void lbfgsContinuesDownhillFromTheSwitchedState() {
        Whitening from = start();
        LBFGS lbfgs = LBFGS.withFirstTrial(10, 1.0);
        Minimizer first = new Minimizer(lbfgs, 5, 0.0);
        DifferentiableFunction fu = from.scaled(f);
        OptimizerState state = first.run(fu, first.start(fu, new double[model.numParameters()]), (s, r) -> { })
                .state();
        Whitening to = at(from.toUser(state.x()));
        CoordinateSwitch.apply(state, from, to);
        double before = state.value();
        Minimizer.Result r = new Minimizer(lbfgs, 60, 1e-10).run(to.scaled(f), state, (s, rep) -> { });
        assertTrue(r.objective() < before);
        assertEquals(StopReason.GRADIENT_TOLERANCE, r.reason(), r.reason() + " after " + r.state().iteration());
    }
}
