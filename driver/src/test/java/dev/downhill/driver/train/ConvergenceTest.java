package dev.downhill.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.L2Penalty;
import dev.downhill.core.objective.RegularizedObjective;
import dev.downhill.core.optim.GradientDescent;
import dev.downhill.core.optim.Minimizer;
import dev.downhill.core.optim.StopReason;
import dev.downhill.driver.TestData;
import dev.downhill.driver.TestSpark;
import dev.downhill.driver.io.TrainingData;
import dev.downhill.driver.io.TrainingDataLoader;
import dev.downhill.driver.spark.SparkDataLoss;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Training through the real loading path (files, shuffle, cached blocks, distributed objective) reaches
 * known optima: least squares against the normal equations solved here; logistic and softmax with the
 * default step 1/L never increase the objective and end below the gradient tolerance.
 */
class ConvergenceTest {
    private static SparkSession spark;
    private static JavaSparkContext jsc;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        spark = TestSpark.start("ConvergenceTest");
        jsc = TestSpark.context(spark);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static TrainingData load(Path file, Objective objective) {
        TrainingDataLoader.Options o = new TrainingDataLoader.Options();
        o.input = file.toUri().toString();
        o.objective = objective;
        o.partitions = 3;
        o.blockRows = 64;
        return TrainingDataLoader.load(jsc, o);
    }

    /** f at theta = (w, b), computed directly from the arrays (not through any Downhill code). */
    private static double leastSquaresObjective(TestData t, double[] w, double b, double l2) {
        double s = 0;
        for (int i = 0; i < t.rows(); i++) {
            double r = b - t.y[i];
            for (int j = 0; j < t.features(); j++) {
                r += w[j] * t.x[i][j];
            }
            s += r * r;
        }
        double penalty = 0;
        for (double v : w) {
            penalty += v * v;
        }
        return s / (2.0 * t.rows()) + 0.5 * l2 * penalty;
    }

    @ParameterizedTest(name = "l2 = {0}")
    @ValueSource(doubles = {0.0, 0.1})
    void leastSquaresReachesTheNormalEquationsSolution(double l2) throws Exception {
        TestData t = TestData.regression(400, 5, 31);
        Path file = t.writeLibsvm(dir.resolve("ls-" + l2 + ".libsvm"), 0.0);
        int d = t.features();
        // (X~^T X~ / N + lambda diag(1,..,1,0)) theta = X~^T y / N, with x~ = (x, 1): the intercept is not penalized.
        RealMatrix a = new Array2DRowRealMatrix(d + 1, d + 1);
        double[] rhs = new double[d + 1];
        for (int i = 0; i < t.rows(); i++) {
            double[] xa = new double[d + 1];
            System.arraycopy(t.x[i], 0, xa, 0, d);
            xa[d] = 1.0;
            for (int p = 0; p <= d; p++) {
                rhs[p] += xa[p] * t.y[i] / t.rows();
                for (int q = 0; q <= d; q++) {
                    a.addToEntry(p, q, xa[p] * xa[q] / t.rows());
                }
            }
        }
        for (int p = 0; p < d; p++) {
            a.addToEntry(p, p, l2);
        }
        double[] exact = new CholeskyDecomposition(a).getSolver().solve(new ArrayRealVector(rhs)).toArray();
        double[] wStar = java.util.Arrays.copyOf(exact, d);
        double fStar = leastSquaresObjective(t, wStar, exact[d], l2);

        TrainingData data = load(file, Objective.LEAST_SQUARES);
        try {
            assertEquals(400, data.rows());
            assertEquals(d, data.numFeatures);
            LinearModel model = new LinearModel(d, 1);
            RegularizedObjective f = new RegularizedObjective(
                    new SparkDataLoss(jsc, data.blocks, model, Objective.LEAST_SQUARES.loss(0)), new L2Penalty(l2, model));
            double step = 1.0 / data.smoothness.lipschitz(Objective.LEAST_SQUARES, l2);
            Minimizer.Result r = new Minimizer(new GradientDescent(step), 5000, 1e-10)
                    .minimize(f, new double[model.numParameters()], (s, report) -> { });
            assertEquals(StopReason.GRADIENT_TOLERANCE, r.reason());
            double[] theta = r.state().x();
            double fFound = leastSquaresObjective(t, java.util.Arrays.copyOf(theta, d), theta[d], l2);
            assertEquals(fStar, fFound, 1e-8 * fStar, "objective against the normal-equations optimum");
            assertEquals(fStar, r.state().value(), 1e-8 * fStar, "Downhill's own objective value");
            for (int j = 0; j <= d; j++) {
                assertEquals(exact[j], theta[j], 1e-6, "parameter " + j);
            }
        } finally {
            data.release();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"LOGISTIC", "SOFTMAX"})
    void defaultStepNeverIncreasesTheObjectiveAndConverges(String name) throws Exception {
        Objective objective = Objective.valueOf(name);
        TestData t = objective == Objective.SOFTMAX ? TestData.multiclass(500, 4, 3, 7) : TestData.binary(500, 4, 7);
        Path file = t.writeLibsvm(dir.resolve(name + ".libsvm"), 0.0);
        double l2 = 0.01;
        TrainingData data = load(file, objective);
        try {
            int k = objective.numOutputs(data.labels.numClasses());
            LinearModel model = new LinearModel(data.numFeatures, k);
            RegularizedObjective f = new RegularizedObjective(
                    new SparkDataLoss(jsc, data.blocks, model, objective.loss(data.labels.numClasses())),
                    new L2Penalty(l2, model));
            double step = 1.0 / data.smoothness.lipschitz(objective, l2);
            List<Double> values = new ArrayList<>();
            Minimizer.Result r = new Minimizer(new GradientDescent(step), 20_000, 1e-6)
                    .minimize(f, new double[model.numParameters()], (s, report) -> values.add(s.value()));
            assertEquals(StopReason.GRADIENT_TOLERANCE, r.reason(), "stopped after " + values.size() + " iterations");
            assertTrue(r.gradientNorm() <= 1e-6);
            assertTrue(values.size() > 10, "a real descent, not a start at the optimum");
            for (int i = 1; i < values.size(); i++) {
                // Exact comparison: with step 1/L each step lowers f by at least (1/2L)||grad f||^2, far above rounding here.
                assertTrue(values.get(i) <= values.get(i - 1),
                        "objective rose at iteration " + (i + 1) + ": " + values.get(i - 1) + " -> " + values.get(i));
            }
        } finally {
            data.release();
        }
    }
}
