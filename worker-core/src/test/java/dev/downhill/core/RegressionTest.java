package dev.downhill.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.downhill.core.data.BlockBuilder;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.LogisticLoss;
import dev.downhill.core.loss.SoftmaxCrossEntropyLoss;
import dev.downhill.core.numdiff.FiniteDifferences;
import dev.downhill.core.objective.DifferentiableFunction;
import dev.downhill.core.optim.GradientDescent;
import dev.downhill.core.optim.Minimizer;
import org.junit.jupiter.api.Test;

/** Bugs found in review, each pinned by the case that showed it. */
class RegressionTest {

    @Test
    void aRejectedSparseRowLeavesNothingBehind() {
        BlockBuilder b = new BlockBuilder(10);
        assertThrows(IllegalArgumentException.class,
                () -> b.addSparseRow(1, 1, new int[] {0, 5, 3}, new double[] {7, 8, 9}, 3));
        b.addSparseRow(2, 1, new int[] {1}, new double[] {1}, 1);
        DataBlock block = b.build();
        assertEquals(1, block.numRows());
        assertEquals(1, block.storedValues());
        assertEquals(1.0, block.squaredNorm(0));
    }

    @Test
    void softmaxKeepsFullRelativeAccuracyWhenTheTrueClassDominates() {
        SoftmaxCrossEntropyLoss loss = new SoftmaxCrossEntropyLoss(3);
        for (double shift : new double[] {0.0, 1e4}) {
            double[] z = {shift + 20, shift, shift};
            double value = loss.value(z, 0, 0);
            // l = log(1 + 2 exp(-20)) = 2 exp(-20) - 2 exp(-40) + ...: exact to far below double precision.
            double e = Math.exp(-20);
            double exact = 2 * e - 2 * e * e;
            assertEquals(exact, value, 1e-15 * exact, "shift " + shift);
            double[] dz = new double[3];
            assertEquals(value, loss.valueAndDerivative(z, 0, 0, dz));
        }
        // z = (40, 0, 0): the loss is log(1 + 2 exp(-40)) = 2 exp(-40) (to 1e-17 relative) ~ 8.5e-18, not 0.
        double tiny = new SoftmaxCrossEntropyLoss(3).value(new double[] {40, 0, 0}, 0, 0);
        double expected = 2 * Math.exp(-40);
        assertEquals(expected, tiny, 1e-15 * expected);
    }

    @Test
    void softmaxRejectsALabelOutsideItsClasses() {
        SoftmaxCrossEntropyLoss loss = new SoftmaxCrossEntropyLoss(3);
        assertThrows(IllegalArgumentException.class, () -> loss.value(new double[] {0, 0, 0}, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> loss.value(new double[] {0, 0, 0}, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> loss.value(new double[] {0, 0, 0}, 0, 1.5));
    }

    @Test
    void logisticDerivativeIsAccurateWhenConfidentAndRight() {
        // y = 1, z = 30: dl/dz = -sigma(-30) = -1/(1 + e^30), which sigma(z) - y would round to ~1e-3 relative.
        double[] dz = new double[1];
        new LogisticLoss().valueAndDerivative(new double[] {30}, 0, 1, dz);
        double exact = -1.0 / (1.0 + Math.exp(30));
        assertEquals(exact, dz[0], 1e-15 * Math.abs(exact));
    }

    @Test
    void minimizeLeavesTheCallersStartingPointAlone() {
        DifferentiableFunction f = new DifferentiableFunction() {
            @Override
            public int dimension() {
                return 1;
            }

            @Override
            public double valueAndGradient(double[] x, double[] g) {
                g[0] = 2 * x[0];
                return x[0] * x[0];
            }
        };
        double[] x0 = {5.0};
        Minimizer.Result r = new Minimizer(new GradientDescent(0.1), 3, 0).minimize(f, x0, (s, report) -> { });
        assertArrayEquals(new double[] {5.0}, x0);
        assertEquals(5.0 * 0.8 * 0.8 * 0.8, r.state().x()[0], 1e-15);
    }

    @Test
    void fivePointStencilErrorIsFourthOrder() {
        // Error h^4 f^(5)/30: shrinking h tenfold shrinks it about 10^4-fold (exp at 1, h = 1e-1 vs 1e-2).
        double exact = Math.exp(1);
        double e1 = Math.abs(FiniteDifferences.fivePoint(Math::exp, 1, 1e-1) - exact);
        double e2 = Math.abs(FiniteDifferences.fivePoint(Math::exp, 1, 1e-2) - exact);
        double ratio = e1 / e2;
        assertEquals(1e4, ratio, 0.1e4, "ratio " + ratio);
        assertEquals(1e-4 * exact / 30, e1, 0.05 * 1e-4 * exact / 30);
    }
}
