package dev.downhill.core.model;

import static dev.downhill.core.TestData.classLabels;
import static dev.downhill.core.TestData.dense;
import static dev.downhill.core.TestData.gaussianVector;
import static dev.downhill.core.TestData.randomMatrix;
import static dev.downhill.core.TestData.randomWeights;
import static dev.downhill.core.TestData.realLabels;
import static dev.downhill.core.TestData.sparse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.TestData;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.HingeLoss;
import dev.downhill.core.loss.LogisticLoss;
import dev.downhill.core.loss.Loss;
import dev.downhill.core.loss.SoftmaxCrossEntropyLoss;
import dev.downhill.core.loss.SquaredLoss;
import dev.downhill.core.numdiff.GradientChecker;
import dev.downhill.core.objective.RegularizedObjective;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The full chain loss -> linear model -> data loss -> penalty: the analytic gradient of the regularized
 * objective against central differences ({@link GradientChecker}) on dense and sparse blocks, with feature
 * values stored as float64 and as float32.
 */
class LinearModelGradientTest {
    private static final double TOLERANCE = 1e-7;
    private static final double LAMBDA = 0.3;
    private static final int D = 5;
    private static final int POINTS = 5;
    /**
     * GradientChecker's default floor (1e-5): its five-point estimate carries ~2e-13 |f| absolute noise, so
     * entries below 1e-5 must agree to ~1e-12 absolute, far below the O(|g|) error of any wrong gradient.
     */
    private static final double FLOOR = 1e-5;

    private enum Layout { DENSE, SPARSE, DENSE_FLOAT32, SPARSE_FLOAT32 }

    private enum Labels { REAL, CLASSES }

    /** Two blocks (so the fold over blocks is exercised) of random rows in the given layout. */
    private static List<DataBlock> blocks(Random rnd, Layout layout, Labels kind, int numClasses, boolean weighted) {
        // Sparse rows keep ~40% of entries, dense rows all of them.
        double density = layout == Layout.DENSE || layout == Layout.DENSE_FLOAT32 ? 1.0 : 0.4;
        DataBlock[] out = new DataBlock[2];
        int[] rows = {17, 9};
        for (int b = 0; b < 2; b++) {
            int n = rows[b];
            double[] x = randomMatrix(rnd, n, D, density);
            double[] y = kind == Labels.REAL ? realLabels(rnd, n) : classLabels(rnd, n, numClasses);
            double[] v = weighted ? randomWeights(rnd, n) : null;
            out[b] = switch (layout) {
                case DENSE -> dense(n, D, y, v, x);
                case SPARSE -> sparse(n, D, y, v, x);
                case DENSE_FLOAT32 -> TestData.floatDense(n, D, y, v, x);
                case SPARSE_FLOAT32 -> TestData.floatSparse(n, D, y, v, x);
            };
        }
        return List.of(out);
    }

    /** Largest GradientChecker error over random parameter points, for both layouts. */
    private static double worstError(long seed, Loss loss, int outputs, Labels kind, int numClasses, boolean weighted) {
        Random rnd = new Random(seed);
        LinearModel model = new LinearModel(D, outputs);
        GradientChecker checker = new GradientChecker(FLOOR);
        double worst = 0.0;
        for (Layout layout : Layout.values()) {
            List<DataBlock> blocks = blocks(rnd, layout, kind, numClasses, weighted);
            assertEquals(weighted, blocks.get(0).hasWeights());
            RegularizedObjective f = TestData.objective(blocks, model, loss, LAMBDA);
            for (int p = 0; p < POINTS; p++) {
                double[] theta = gaussianVector(rnd, model.numParameters(), 0.7);
                GradientChecker.Report report = checker.check(f, theta);
                assertTrue(report.worstCoordinate() >= 0 && report.worstCoordinate() < theta.length);
                worst = Math.max(worst, report.maxRelativeError());
            }
        }
        return worst;
    }

    @Test
    void leastSquaresModelGradientMatchesCentralDifferences() {
        double worst = worstError(31, new SquaredLoss(), 1, Labels.REAL, 0, false);
        assertTrue(worst <= TOLERANCE, "max relative error " + worst);
    }

    @Test
    void leastSquaresModelGradientMatchesCentralDifferencesWithInstanceWeights() {
        double worst = worstError(32, new SquaredLoss(), 1, Labels.REAL, 0, true);
        assertTrue(worst <= TOLERANCE, "max relative error " + worst);
    }

    @Test
    void logisticModelGradientMatchesCentralDifferences() {
        double worst = worstError(33, new LogisticLoss(), 1, Labels.CLASSES, 2, false);
        assertTrue(worst <= TOLERANCE, "max relative error " + worst);
    }

    @Test
    void logisticModelGradientMatchesCentralDifferencesWithInstanceWeights() {
        double worst = worstError(34, new LogisticLoss(), 1, Labels.CLASSES, 2, true);
        assertTrue(worst <= TOLERANCE, "max relative error " + worst);
    }

    @Test
    void softmaxModelGradientMatchesCentralDifferencesWithThreeClasses() {
        double worst = worstError(35, new SoftmaxCrossEntropyLoss(3), 3, Labels.CLASSES, 3, false);
        assertTrue(worst <= TOLERANCE, "max relative error " + worst);
    }

    @Test
    void softmaxModelGradientMatchesCentralDifferencesWithFourClassesAndInstanceWeights() {
        double worst = worstError(36, new SoftmaxCrossEntropyLoss(4), 4, Labels.CLASSES, 4, true);
        assertTrue(worst <= TOLERANCE, "max relative error " + worst);
    }

    @Test
    void hingeModelGradientMatchesCentralDifferencesAwayFromKink() {
        Random rnd = new Random(37);
        LinearModel model = new LinearModel(D, 1);
        GradientChecker checker = new GradientChecker(FLOOR);
        double worst = 0.0;
        for (Layout layout : Layout.values()) {
            for (boolean weighted : new boolean[] {false, true}) {
                List<DataBlock> blocks = blocks(rnd, layout, Labels.CLASSES, 2, weighted);
                RegularizedObjective f = TestData.objective(blocks, model, new HingeLoss(), LAMBDA);
                int checked = 0;
                for (int attempt = 0; checked < POINTS && attempt < 1000; attempt++) {
                    double[] theta = gaussianVector(rnd, model.numParameters(), 0.7);
                    // The difference quotient moves z by ~1e-5 at most; keep every row 1e-3 clear of the kink.
                    if (minDistanceToKink(blocks, theta) <= 1e-3) {
                        continue;
                    }
                    worst = Math.max(worst, checker.check(f, theta).maxRelativeError());
                    checked++;
                }
                assertEquals(POINTS, checked, "too few parameter points away from the kink");
            }
        }
        assertTrue(worst <= TOLERANCE, "max relative error " + worst);
    }

    private static double minDistanceToKink(List<DataBlock> blocks, double[] theta) {
        double min = Double.POSITIVE_INFINITY;
        for (DataBlock b : blocks) {
            for (int i = 0; i < b.numRows(); i++) {
                double z = b.dot(i, theta, 0) + theta[D];
                double s = 2.0 * b.label(i) - 1.0;
                min = Math.min(min, Math.abs(1.0 - s * z));
            }
        }
        return min;
    }

    @Test
    void gradientCheckWouldCatchABackwardPassThatDropsTheIntercept() {
        // Guards the check above: a model whose backward pass forgets dz/db = 1 must fail it.
        Random rnd = new Random(38);
        LinearModel real = new LinearModel(D, 1);
        Model broken = new Model() {
            @Override public Architecture architecture() { return real.architecture(); }
            @Override public int numFeatures() { return real.numFeatures(); }
            @Override public int numOutputs() { return 1; }
            @Override public int numParameters() { return real.numParameters(); }
            @Override public boolean isPenalized(int index) { return real.isPenalized(index); }
            @Override public Activations newActivations(int rows) { return real.newActivations(rows); }
            @Override public void forward(double[] params, DataBlock block, Activations act) {
                real.forward(params, block, act);
            }
            @Override public void backward(double[] params, DataBlock block, Activations act, double[] g, double[] out) {
                for (int i = 0; i < block.numRows(); i++) {
                    block.axpy(i, g[i], out, 0);
                }
            }
        };
        List<DataBlock> blocks = blocks(rnd, Layout.DENSE, Labels.REAL, 0, false);
        RegularizedObjective f = new RegularizedObjective(
                new dev.downhill.core.objective.LocalDataLoss(blocks, broken, new SquaredLoss()),
                new dev.downhill.core.objective.L2Penalty(LAMBDA, broken));
        GradientChecker.Report report = new GradientChecker(FLOOR).check(f, gaussianVector(rnd, real.numParameters(), 0.7));
        assertTrue(report.maxRelativeError() > 0.5, report.toString());
        assertEquals(real.interceptIndex(0), report.worstCoordinate());
    }

    @Test
    void forwardComputesWeightsDotFeaturesPlusInterceptOnBothLayouts() {
        Random rnd = new Random(39);
        int n = 6;
        int k = 3;
        LinearModel model = new LinearModel(D, k);
        double[] x = randomMatrix(rnd, n, D, 0.5);
        double[] y = classLabels(rnd, n, k);
        double[] theta = gaussianVector(rnd, model.numParameters(), 1.0);
        for (DataBlock block : List.of(dense(n, D, y, null, x), sparse(n, D, y, null, x))) {
            Activations act = model.newActivations(1); // too small on purpose: forward must grow it
            model.forward(theta, block, act);
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < k; c++) {
                    double z = theta[model.interceptIndex(c)];
                    for (int j = 0; j < D; j++) {
                        z += theta[model.weightIndex(c, j)] * x[i * D + j];
                    }
                    assertEquals(z, act.outputs()[i * k + c], 1e-13);
                }
            }
        }
    }

    @Test
    void parameterLayoutPutsWeightsFirstAndOnlyWeightsArePenalized() {
        LinearModel model = new LinearModel(3, 2);
        assertEquals(8, model.numParameters());
        assertEquals(0, model.weightIndex(0, 0));
        assertEquals(5, model.weightIndex(1, 2));
        assertEquals(6, model.interceptIndex(0));
        assertEquals(7, model.interceptIndex(1));
        for (int j = 0; j < 6; j++) {
            assertTrue(model.isPenalized(j));
        }
        assertFalse(model.isPenalized(6));
        assertFalse(model.isPenalized(7));
    }

    @Test
    void forwardRejectsMismatchedShapes() {
        LinearModel model = new LinearModel(3, 1);
        DataBlock block = dense(1, 4, new double[] {0}, null, new double[4]);
        assertThrows(IllegalArgumentException.class, () -> model.forward(new double[4], block, model.newActivations(1)));
        DataBlock ok = dense(1, 3, new double[] {0}, null, new double[3]);
        assertThrows(IllegalArgumentException.class, () -> model.forward(new double[5], ok, model.newActivations(1)));
        assertThrows(IllegalArgumentException.class, () -> new LinearModel(3, 0));
    }
}
