package dev.downhill.driver.sharded;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.data.FeaturePrecision;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.L2Penalty;
import dev.downhill.core.objective.RegularizedObjective;
import dev.downhill.core.optim.LBFGS;
import dev.downhill.core.optim.Minimizer;
import dev.downhill.core.optim.StopCriteria;
import dev.downhill.core.optim.VectorFreeLBFGS;
import dev.downhill.core.optim.VectorFreeMinimizer;
import dev.downhill.driver.TestSpark;
import dev.downhill.driver.spark.SparkDataLoss;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Vector-free L-BFGS on sharded handles follows the tree path's two-loop L-BFGS on the same data: the same
 * objective at every iteration to 1e-10 relative, the same number of iterations and the same stop reason.
 */
class ShardedLbfgsTest {
    private static SparkSession spark;
    private static JavaSparkContext jsc;

    @BeforeAll
    static void start() {
        spark = TestSpark.start("ShardedLbfgsTest");
        jsc = TestSpark.context(spark);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void shardedLbfgsFollowsTheTreePath() {
        int d = 300;
        List<DataBlock> blocks = ShardedDataLossTest.sparseBlocks(d, 8, 60, 2, FeaturePrecision.FLOAT64, 21);
        LinearModel model = new LinearModel(d, 1);
        JavaRDD<DataBlock> rdd = jsc.parallelize(blocks, 4).cache();
        L2Penalty penalty = new L2Penalty(1e-3, model);
        StopCriteria criteria = StopCriteria.iterations(12);

        List<Double> tree = new ArrayList<>();
        RegularizedObjective f = new RegularizedObjective(
                new SparkDataLoss(jsc, rdd, model, Objective.LOGISTIC.loss(2)), penalty);
        Minimizer.Result expected = new Minimizer(new LBFGS(LBFGS.DEFAULT_HISTORY), criteria)
                .minimize(f, new double[model.numParameters()], (state, report) -> tree.add(report.objective()));

        SliceLayout layout = new SliceLayout(model.numParameters(), 5);
        PullPlan plan = PullPlan.build(rdd, d, 1, layout);
        int cachedBefore = jsc.sc().getPersistentRDDs().size();
        List<Double> sharded = new ArrayList<>();
        ShardedVectors vectors = new ShardedVectors();
        VectorFreeMinimizer.Result<ShardedVector> actual = runSharded(plan, penalty, criteria, vectors, sharded);

        double[] x = actual.state().x().toArray();
        actual.state().release(vectors);
        vectors.release(actual.best()); // the best iterate's copy, the caller's to free
        assertEquals(cachedBefore, jsc.sc().getPersistentRDDs().size(), "RDDs left cached after the run");

        // pairs as formulas holding their inputs (a training run's): the same bits, every vector freed at the end
        List<Double> holding = new ArrayList<>();
        ShardedVectors holdingVectors = new ShardedVectors(true);
        VectorFreeMinimizer.Result<ShardedVector> held = runSharded(plan, penalty, criteria, holdingVectors, holding);
        assertEquals(sharded, holding);
        assertArrayEquals(x, held.state().x().toArray(), 0.0);
        held.state().release(holdingVectors);
        holdingVectors.release(held.best());
        assertEquals(cachedBefore, jsc.sc().getPersistentRDDs().size(), "RDDs left cached by the holding run");

        assertEquals(expected.reason(), actual.reason());
        assertEquals(tree.size(), sharded.size());
        assertTrue(tree.size() >= 10, "ran " + tree.size() + " iterations");
        double worst = 0;
        for (int k = 0; k < tree.size(); k++) {
            double rel = Math.abs(sharded.get(k) - tree.get(k)) / Math.abs(tree.get(k));
            worst = Math.max(worst, rel);
            assertTrue(rel <= 1e-10, "iteration " + (k + 1) + ": " + sharded.get(k) + " vs " + tree.get(k));
        }
        double[] xTree = expected.state().x();
        double maxDiff = 0;
        for (int i = 0; i < x.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(x[i] - xTree[i]));
        }
        assertTrue(maxDiff < 1e-8, "final parameters differ by " + maxDiff);
        System.out.printf("sharded vs tree over %d iterations: objective max relative difference %.3g, final"
                + " objective %.15g vs %.15g%n", tree.size(), worst, sharded.get(sharded.size() - 1),
                tree.get(tree.size() - 1));
        plan.release();
    }

    private static VectorFreeMinimizer.Result<ShardedVector> runSharded(PullPlan plan, L2Penalty penalty,
                                                                        StopCriteria criteria,
                                                                        ShardedVectors vectors,
                                                                        List<Double> objectives) {
        ShardedObjective remote = new ShardedObjective(
                new ShardedDataLoss(plan, Objective.LOGISTIC.loss(2), penalty), vectors);
        VectorFreeLBFGS<ShardedVector> optimizer = new VectorFreeLBFGS<>(vectors, LBFGS.DEFAULT_HISTORY);
        VectorFreeLBFGS.State<ShardedVector> state = optimizer.initialize(remote,
                ShardedVector.zeros(jsc, plan.layout));
        return new VectorFreeMinimizer<>(optimizer, criteria)
                .run(remote, state, (s, report) -> objectives.add(report.objective()), null, null);
    }
}
