package dev.downhill.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.TestData;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Loss;
import dev.downhill.core.loss.SoftmaxCrossEntropyLoss;
import dev.downhill.core.loss.SquaredLoss;
import dev.downhill.core.objective.L2Penalty;
import dev.downhill.core.objective.LocalDataLoss;
import dev.downhill.core.objective.RegularizedObjective;
import dev.downhill.core.optim.LBFGS;
import dev.downhill.core.optim.Minimizer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Networks trained end to end with L-BFGS on small data: they reach a stationary point of the regularized
 * objective (||grad f|| &lt;= 1e-5, what the independent check demands) and fit what a linear model
 * cannot.
 */
class MlpTrainingTest {

    /** Points in the plane, class 1 inside the circle of radius 1 and class 0 in the ring out to 1.6. */
    private static List<DataBlock> rings(Random rnd, int n) {
        double[] x = new double[2 * n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            boolean inside = i % 2 == 0;
            double r = inside ? 0.9 * Math.sqrt(rnd.nextDouble()) : 1.1 + 0.5 * rnd.nextDouble();
            double angle = 2 * Math.PI * rnd.nextDouble();
            x[2 * i] = r * Math.cos(angle);
            x[2 * i + 1] = r * Math.sin(angle);
            y[i] = inside ? 1 : 0;
        }
        int half = n / 2;
        return List.of(TestData.dense(half, 2, java.util.Arrays.copyOf(y, half), null,
                        java.util.Arrays.copyOf(x, 2 * half)),
                TestData.sparse(n - half, 2, java.util.Arrays.copyOfRange(y, half, n), null,
                        java.util.Arrays.copyOfRange(x, 2 * half, 2 * n)));
    }

    private static double accuracy(Model model, double[] theta, List<DataBlock> data) {
        int right = 0;
        int total = 0;
        for (DataBlock b : data) {
            Activations act = model.newActivations(b.numRows());
            model.forward(theta, b, act);
            for (int i = 0; i < b.numRows(); i++) {
                int predicted = act.outputs()[2 * i + 1] > act.outputs()[2 * i] ? 1 : 0;
                right += predicted == (int) b.label(i) ? 1 : 0;
                total++;
            }
        }
        return right / (double) total;
    }

    private static Minimizer.Result train(Model model, Loss loss, List<DataBlock> data, double lambda, long seed) {
        RegularizedObjective f = new RegularizedObjective(new LocalDataLoss(data, model, loss),
                new L2Penalty(lambda, model));
        return new Minimizer(new LBFGS(), 2000, 1e-7).minimize(f, model.initialParameters(seed), (s, r) -> { });
    }

    @Test
    void tanhNetworkSeparatesRingsAndStopsAtAStationaryPoint() {
        List<DataBlock> data = rings(new Random(1), 200);
        MlpModel mlp = new MlpModel(Architecture.mlp(2, new int[] {8}, ActivationFunction.TANH, 0.0, 2, 0.0));
        Minimizer.Result result = train(mlp, new SoftmaxCrossEntropyLoss(2), data, 1e-3, 3);
        assertTrue(result.gradientNorm() <= 1e-5, result.reason() + ": ||grad f|| = " + result.gradientNorm());
        double[] theta = result.state().x();
        assertTrue(accuracy(mlp, theta, data) >= 0.97, "accuracy " + accuracy(mlp, theta, data));
        // The reported objective is f at exactly the returned parameters.
        RegularizedObjective f = new RegularizedObjective(
                new LocalDataLoss(data, mlp, new SoftmaxCrossEntropyLoss(2)), new L2Penalty(1e-3, mlp));
        assertEquals(f.value(theta), result.objective(), 1e-12 * Math.abs(result.objective()));
        // A linear model cannot separate the rings: it stays near chance.
        LinearModel linear = new LinearModel(2, 2);
        Minimizer.Result flat = train(linear, new SoftmaxCrossEntropyLoss(2), data, 1e-3, 3);
        assertTrue(accuracy(linear, flat.state().x(), data) < 0.7, "linear accuracy "
                + accuracy(linear, flat.state().x(), data));
    }

    @Test
    void geluAndSigmoidRegressionNetworksReachAStationaryPoint() {
        Random rnd = new Random(2);
        int n = 120;
        double[] x = TestData.randomMatrix(rnd, n, 3, 1.0);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = Math.sin(x[3 * i]) + x[3 * i + 1] * x[3 * i + 2];
        }
        List<DataBlock> data = List.of(TestData.dense(n, 3, y, null, x));
        // (softplus networks converge too slowly here for a unit test: ||grad f|| ~ 6e-4 after 2000 iterations)
        for (ActivationFunction a : new ActivationFunction[] {ActivationFunction.GELU, ActivationFunction.SIGMOID}) {
            MlpModel mlp = new MlpModel(Architecture.mlp(3, new int[] {6, 4}, a, 0.0, 1, 0.0));
            Minimizer.Result result = train(mlp, new SquaredLoss(), data, 1e-3, 5);
            assertTrue(result.gradientNorm() <= 1e-5, a + " " + result.reason() + ": ||grad f|| = "
                    + result.gradientNorm());
            // Better than predicting the mean: half the mean squared label is what a constant achieves.
            double meanSquare = 0;
            double mean = 0;
            for (double v : y) {
                mean += v / n;
            }
            for (double v : y) {
                meanSquare += (v - mean) * (v - mean) / (2 * n);
            }
            assertTrue(result.objective() < 0.5 * meanSquare, a + ": f = " + result.objective() + " against "
                    + meanSquare);
        }
    }
}
