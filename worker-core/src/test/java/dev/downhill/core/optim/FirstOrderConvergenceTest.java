package dev.downhill.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.objective.L1Penalty;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The deterministic rules reach the optimum computed independently (normal equations; Newton): the objective
 * to 1e-10 relative, never below the optimum, and never rising, starting at the driver's step 1/L.
 */
class FirstOrderConvergenceTest {
    private static final double GAP = 1e-10;

    private static void reaches(LinearProblems.Problem p, Optimizer rule, long maxIterations, boolean monotone) {
        double[] x0 = new double[p.dimension()];
        LinearProblems.Run run = LinearProblems.run(
                new Minimizer(rule, StopCriteria.iterations(maxIterations)), p.f, x0);
        List<Double> f = run.objectives();
        double start = f.get(0);
        double end = run.result().objective();
        double best = p.optimalValue;
        assertTrue((start - best) / best > 0.1, "the start must be far from the optimum");
        assertTrue(end >= best * (1 - 1e-14), rule.name() + " went below the optimum: " + end + " < " + best);
        assertTrue((end - best) / best <= GAP, rule.name() + " relative gap " + (end - best) / best + " after "
                + run.result().state().iteration() + " iterations (" + run.result().reason() + ")");
        if (monotone) {
            for (int k = 1; k < f.size(); k++) {
                assertTrue(f.get(k) <= f.get(k - 1), rule.name() + ": f rose at iteration " + k);
            }
        }
    }

    @Test
    void lineSearchReachesTheLeastSquaresOptimum() {
        LinearProblems.Problem p = LinearProblems.leastSquares(11, 200, 5, 0.01);
        reaches(p, new BacktrackingLineSearch(p.inverseLipschitz()), 500, true);
    }

    @Test
    void fistaAndIstaReachTheLeastSquaresOptimumWithoutL1() {
        LinearProblems.Problem p = LinearProblems.leastSquares(12, 200, 5, 0.01);
        L1Penalty none = new L1Penalty(new double[p.dimension()]);
        reaches(p, ProximalGradient.fista(none, p.inverseLipschitz()), 500, true);
        reaches(p, ProximalGradient.ista(none, p.inverseLipschitz()), 500, true);
    }

    @Test
    void lineSearchAndFistaReachTheLogisticOptimum() {
        LinearProblems.Problem p = LinearProblems.logistic(13, 300, 5, 0.01);
        reaches(p, new BacktrackingLineSearch(p.inverseLipschitz()), 2000, true);
        reaches(p, ProximalGradient.fista(new L1Penalty(new double[p.dimension()]), p.inverseLipschitz()), 2000, true);
    }

    @Test
    void theLineSearchStopsWithNoProgressAtTheOptimum() {
        // Run with no tolerance at all: the only way to stop before the limit is the search finding nothing.
        LinearProblems.Problem p = LinearProblems.leastSquares(14, 100, 3, 0.1);
        Minimizer.Result r = new Minimizer(new BacktrackingLineSearch(p.inverseLipschitz()),
                StopCriteria.iterations(100_000)).minimize(p.f, new double[p.dimension()], (s, rep) -> { });
        assertEquals(StopReason.NO_PROGRESS, r.reason());
        assertTrue((r.objective() - p.optimalValue) / p.optimalValue <= 1e-14, "stopped early: " + r.objective());
    }
}
