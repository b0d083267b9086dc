package dev.downhill.core.optim;

import static dev.downhill.core.optim.QuasiNewtonProblems.driverLike;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.TestData;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.RegularizedObjective;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Training on features stored as float32 (FeaturePrecision.FLOAT32). The rounding changes the data, not the
 * arithmetic: L-BFGS over float32 blocks reaches the optimum of the rounded data, which a Newton solve here
 * computes in plain double arithmetic; and that optimum is within 1e-6 (max norm, relative to max(1,
 * |theta|)) of the float64 model. Each feature moves by at most 2^-24 (6e-8) of itself, so the gradient at
 * the float64 optimum moves by about that much and the optimum by the inverse Hessian times it: a gap of
 * order 6e-8 times the Hessian's condition number (6e-9 on this problem).
 */
class Float32TrainingTest {
    private static final double LAMBDA = 0.01;
    private static final double MODEL_TOLERANCE = 1e-6;

    @Test
    void logisticRegressionOnFloat32FeaturesReachesTheRoundedDataOptimumCloseToTheFloat64One() {
        QuasiNewtonProblems.Data p = QuasiNewtonProblems.binary(41, 2000, 8);
        QuasiNewtonProblems.Data rounded = new QuasiNewtonProblems.Data(p.n(), p.d(), TestData.roundedToFloat(p.x()),
                p.y());
        double[] exact64 = QuasiNewtonProblems.logisticNewton(p, LAMBDA);
        double[] exact32 = QuasiNewtonProblems.logisticNewton(rounded, LAMBDA);

        LinearModel model = new LinearModel(p.d(), 1);
        for (DataBlock block : List.of(TestData.floatDense(p.n(), p.d(), p.y(), null, p.x()),
                TestData.floatSparse(p.n(), p.d(), p.y(), null, p.x()))) {
            RegularizedObjective f = TestData.objective(List.of(block), model, Objective.LOGISTIC.loss(2), LAMBDA);
            Minimizer.Result r = new Minimizer(new LBFGS(), driverLike(1000))
                    .minimize(f, new double[model.numParameters()], (s, report) -> { });
            double[] trained = r.state().x();
            assertArrayEquals(exact32, trained, 1e-7, block.getClass().getSimpleName());

            double scale = 1.0;
            double gap = 0.0;
            for (int a = 0; a < trained.length; a++) {
                scale = Math.max(scale, Math.abs(exact64[a]));
                gap = Math.max(gap, Math.abs(trained[a] - exact64[a]));
            }
            assertTrue(gap <= MODEL_TOLERANCE * scale, "float32 model is " + gap + " from the float64 one");
        }
        // The rounding did happen: the two data sets have different optima.
        double moved = 0.0;
        for (int a = 0; a < exact64.length; a++) {
            moved = Math.max(moved, Math.abs(exact32[a] - exact64[a]));
        }
        assertTrue(moved > 0.0 && moved <= MODEL_TOLERANCE, "optimum moved by " + moved);
    }
}
