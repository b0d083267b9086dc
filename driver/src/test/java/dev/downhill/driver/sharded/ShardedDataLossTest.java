package dev.downhill.driver.sharded;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.data.BlockBuilder;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.data.FeaturePrecision;
import dev.downhill.core.data.SparseBlock;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.L2Penalty;
import dev.downhill.core.objective.RegularizedObjective;
import dev.downhill.core.optim.RemoteFunction;
import dev.downhill.driver.Downhill;
import dev.downhill.driver.ExitCode;
import dev.downhill.driver.TestSpark;
import dev.downhill.driver.spark.SparkDataLoss;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The sharded objective equals the tree path's (SparkDataLoss under RegularizedObjective): the gradient entry by
 * entry to the bit (same products, partitions summed in id order), the value to the bit without L2 and to 1e-15
 * with it (the L2 sum runs slice by slice).
 */
class ShardedDataLossTest {
    private static SparkSession spark;
    private static JavaSparkContext jsc;

    @BeforeAll
    static void start() {
        spark = TestSpark.start("ShardedDataLossTest");
        jsc = TestSpark.context(spark);
        ShardedVector.configureThread(jsc, 1); // as a run does: the jobs below must add no job for the cuts
    }

    @AfterAll
    static void stop() {
        ShardedVector.configureThread(jsc, 0);
        spark.stop();
    }

    /** Sparse rows skewed like text: a few frequent features and a long tail, 3..8 non-zeros a row. */
    static List<DataBlock> sparseBlocks(int d, int numBlocks, int rowsPerBlock, int numClasses,
                                        FeaturePrecision precision, long seed) {
        Random r = new Random(seed);
        List<DataBlock> out = new ArrayList<>();
        for (int b = 0; b < numBlocks; b++) {
            BlockBuilder builder = new BlockBuilder(d, precision);
            for (int i = 0; i < rowsPerBlock; i++) {
                int nnz = 3 + r.nextInt(6);
                int[] idx = new int[nnz];
                for (int t = 0; t < nnz; t++) {
                    idx[t] = (int) Math.min(d - 1, Math.floor(Math.pow(r.nextDouble(), 3) * d));
                }
                idx = Arrays.stream(idx).distinct().sorted().toArray();
                double[] values = new double[idx.length];
                for (int t = 0; t < values.length; t++) {
                    values[t] = r.nextGaussian();
                }
                builder.addSparseRow(r.nextInt(numClasses), b % 2 == 0 ? 1.0 : 0.5 + r.nextDouble(), idx, values,
                        idx.length);
            }
            out.add(builder.build());
        }
        return out;
    }

    private static void assertSameObjective(List<DataBlock> blocks, int partitions, int slices, Objective objective,
                                            int numClasses, double lambda) {
        int d = blocks.get(0).numFeatures();
        LinearModel model = new LinearModel(d, objective.numOutputs(numClasses));
        JavaRDD<DataBlock> rdd = jsc.parallelize(blocks, partitions).cache();
        L2Penalty penalty = new L2Penalty(lambda, model);
        RegularizedObjective tree = new RegularizedObjective(
                new SparkDataLoss(jsc, rdd, model, objective.loss(numClasses)), penalty);
        SliceLayout layout = new SliceLayout(model.numParameters(), slices);
        PullPlan plan = PullPlan.build(rdd, d, model.numOutputs(), layout);
        ShardedDataLoss sharded = new ShardedDataLoss(plan, objective.loss(numClasses), penalty);
        Random r = new Random(3);
        for (int trial = 0; trial < 2; trial++) {
            double[] theta = r.doubles(model.numParameters(), -0.5, 0.5).toArray();
            double[] expected = new double[theta.length];
            double value = tree.valueAndGradient(theta, expected);
            ShardedVector x = ShardedVector.of(jsc, layout, theta);
            ShardedDataLoss.Evaluation e = sharded.valueAndGradient(x);
            assertArrayEquals(expected, e.gradient.toArray(), 0.0);
            assertEquals(value, e.value, lambda == 0 ? 0.0 : 1e-15 * Math.abs(value));
            assertEquals(tree.value(theta), sharded.value(x), lambda == 0 ? 0.0 : 1e-15 * Math.abs(value));
            e.gradient.release();
            x.release();
        }
        plan.release();
        rdd.unpersist(false);
    }

    @ParameterizedTest(name = "{0}, {1} partitions, {2} slices, l2 {3}")
    @CsvSource({
        "LOGISTIC, 4, 3, 0", "LOGISTIC, 4, 7, 0.01", "LOGISTIC, 1, 1, 0", "LOGISTIC, 7, 5, 0.1",
        "SOFTMAX, 3, 4, 0.01", "LEAST_SQUARES, 5, 2, 0", "HINGE, 3, 3, 0.01",
    })
    void sparseEqualsTree(Objective objective, int partitions, int slices, double lambda) {
        int k = objective == Objective.SOFTMAX ? 3 : 2;
        List<DataBlock> blocks = sparseBlocks(200, 6, 40, k, FeaturePrecision.FLOAT64, 7);
        assertTrue(blocks.get(0) instanceof SparseBlock);
        assertSameObjective(blocks, partitions, slices, objective, k, lambda);
    }

    @Test
    void float32SparseEqualsTree() {
        assertSameObjective(sparseBlocks(120, 4, 30, 2, FeaturePrecision.FLOAT32, 9), 3, 4, Objective.LOGISTIC, 2,
                0.05);
    }

    /** Dense rows (and a mixed partition): every partition pulls every parameter. */
    @Test
    void denseEqualsTree() {
        Random r = new Random(5);
        int d = 9;
        List<DataBlock> blocks = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
            BlockBuilder builder = new BlockBuilder(d);
            for (int i = 0; i < 25; i++) {
                double[] row = r.doubles(d, -1, 1).toArray();
                builder.addDenseRow(r.nextInt(2), 1.0, row);
            }
            blocks.add(builder.build());
        }
        blocks.addAll(sparseBlocks(d, 2, 20, 2, FeaturePrecision.FLOAT64, 1));
        assertSameObjective(blocks, 3, 4, Objective.LOGISTIC, 2, 0.02);
        assertSameObjective(blocks, 2, 10, Objective.LEAST_SQUARES, 2, 0);
    }

    /** A partition reads only its features' parameters and the intercepts. */
    @Test
    void partitionsPullOnlyTheirFeatures() {
        BlockBuilder a = new BlockBuilder(10);
        a.addSparseRow(1, 1, new int[] {2, 7}, new double[] {1, 2}, 2);
        BlockBuilder b = new BlockBuilder(10);
        b.addSparseRow(0, 1, new int[] {0, 7, 9}, new double[] {1, 2, 3}, 3);
        JavaRDD<DataBlock> rdd = jsc.parallelize(List.of(a.build(), b.build()), 2);
        PullPlan plan = PullPlan.build(rdd, 10, 1, new SliceLayout(11, 2));
        List<PullPlan.LocalPartition> local = plan.local.collect();
        assertArrayEquals(new int[] {2, 7}, local.get(0).columns);
        assertArrayEquals(new int[] {0, 7, 9}, local.get(1).columns);
        List<PullPlan.SliceRequests> requests = plan.requests.collect();
        // slice 0 holds indices 0..4, slice 1 holds 5..10 (10 is the intercept)
        assertArrayEquals(new int[] {0, 1}, requests.get(0).partitions);
        assertArrayEquals(new int[] {2}, requests.get(0).offsetsOf(0));
        assertArrayEquals(new int[] {0}, requests.get(0).offsetsOf(1));
        assertArrayEquals(new int[] {2, 5}, requests.get(1).offsetsOf(0));
        assertArrayEquals(new int[] {2, 4, 5}, requests.get(1).offsetsOf(1));
        plan.release();
    }

    @Test
    void combinationsAndDotsMatchTheArrays() {
        SliceLayout layout = new SliceLayout(1001, 7);
        Random r = new Random(2);
        double[] u = r.doubles(1001).toArray();
        double[] v = r.doubles(1001).toArray();
        ShardedVector su = ShardedVector.of(jsc, layout, u);
        ShardedVector sv = ShardedVector.of(jsc, layout, v);
        assertArrayEquals(u, su.toArray(), 0.0);
        double[] w = ShardedVector.combine(new double[] {2, -0.5}, List.of(su, sv)).toArray();
        double uv = 0;
        double uu = 0;
        for (int i = 0; i < u.length; i++) {
            assertEquals(0.0 + 2 * u[i] + -0.5 * v[i], w[i], 0.0);
            uv += u[i] * v[i];
            uu += u[i] * u[i];
        }
        double[] dots = ShardedVector.dots(List.of(su, sv), new int[][] {{0, 1}, {0, 0}});
        assertEquals(uv, dots[0], 1e-13 * Math.abs(uv));
        assertEquals(uu, dots[1], 1e-13 * uu);
        assertArrayEquals(new double[1001], ShardedVector.zeros(jsc, layout).toArray(), 0.0);
        for (int i = 0; i < 1001; i++) {
            int s = layout.sliceOf(i);
            assertTrue(layout.start(s) <= i && i < layout.start(s + 1));
        }
    }

    /**
     * A kept vector's lineage is cut by the job that computes it (so its descendants never reach further back),
     * and one derived from a vector released before it was computed cannot be: Spark's failure is what train
     * reports as slices lost with both their copies, with the way to resume.
     */
    @Test
    void keptVectorsCutTheirLineageAndALostOneIsReportedCleanly() {
        SliceLayout layout = new SliceLayout(100, 3);
        double[] u = new Random(4).doubles(100).toArray();
        ShardedVector x = ShardedVector.of(jsc, layout, u);
        ShardedVector twice = ShardedVector.combine(new double[] {2}, List.of(x));
        twice.materialize();
        assertTrue(twice.slices().rdd().isCheckpointed(), "the lineage is cut after the computing job");
        ShardedVector four = ShardedVector.combine(new double[] {2}, List.of(twice)); // not computed yet
        twice.release();
        Exception e = assertThrows(Exception.class, four::toArray);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Downhill.report(e, new PrintStream(err, true));
        assertEquals(ExitCode.INTERNAL, code);
        String message = err.toString();
        assertTrue(message.startsWith("downhill: error: the executors holding every copy")
                && message.contains("run the same command with --resume") && !message.contains("\tat "), message);
        x.release();
        four.release();
    }

    /**
     * Each iterate x_{k+1} = x_k - 0.5 grad f(x_k), kept, is cut by the evaluation job that computes it, though that
     * job reads it only through the evaluation's own kept result (where Spark's cut stops unless the thread asks
     * for every marked RDD: then each iterate carried the lineage of all the earlier ones).
     */
    @Test
    void anIterateReadThroughAKeptResultIsCutByItsJob() {
        int d = 60;
        LinearModel model = new LinearModel(d, 1);
        JavaRDD<DataBlock> rdd = jsc.parallelize(sparseBlocks(d, 4, 30, 2, FeaturePrecision.FLOAT64, 8), 2).cache();
        SliceLayout layout = new SliceLayout(model.numParameters(), 3);
        PullPlan plan = PullPlan.build(rdd, d, 1, layout);
        ShardedDataLoss loss = new ShardedDataLoss(plan, Objective.LOGISTIC.loss(2), new L2Penalty(0.01, model));
        ShardedVector x = ShardedVector.zeros(jsc, layout);
        ShardedDataLoss.Evaluation e = loss.valueAndGradient(x);
        double previous = e.value;
        for (int k = 0; k < 4; k++) {
            ShardedVector next = ShardedVector.combine(new double[] {1.0, -0.5}, List.of(x, e.gradient));
            ShardedDataLoss.Evaluation after = loss.valueAndGradient(next);
            assertTrue(next.slices().rdd().isCheckpointed(), "iterate " + (k + 1) + " cut by its evaluation");
            assertTrue(after.value < previous, "a descent step"); // the jobs did compute the iterates
            previous = after.value;
            e.gradient.release();
            x.release();
            x = next;
            e = after;
        }
        e.gradient.release();
        x.release();
        plan.release();
        rdd.unpersist(false);
    }

    /**
     * A search direction (a combination of vectors that outlive it) has the bits of a kept combination, is cached
     * without a cut lineage, and so is recomputed from its inputs once its cache is gone.
     */
    @Test
    void aDirectionIsRecomputedFromItsInputs() {
        SliceLayout layout = new SliceLayout(50, 2);
        Random r = new Random(6);
        ShardedVector a = ShardedVector.of(jsc, layout, r.doubles(50).toArray());
        ShardedVector b = ShardedVector.of(jsc, layout, r.doubles(50).toArray());
        ShardedVectors vectors = new ShardedVectors();
        ShardedVector kept = vectors.combine(new double[] {2, -0.5}, List.of(a, b));
        ShardedVector direction = vectors.combineWhileInputsHeld(new double[] {2, -0.5}, List.of(a, b));
        double[] expected = kept.toArray();
        assertArrayEquals(expected, direction.toArray(), 0.0);
        assertTrue(kept.slices().rdd().isCheckpointed());
        assertTrue(!direction.slices().rdd().isCheckpointed(), "a direction keeps its lineage");
        direction.release(); // as a lost executor's blocks
        assertArrayEquals(expected, direction.toArray(), 0.0);
        for (ShardedVector v : List.of(kept, a, b)) {
            vectors.release(v);
        }
    }

    /**
     * A pair that holds its inputs (as in a training run) is stored nowhere and formed where it is read, with the
     * bits of a kept combination; released by the caller, the inputs stay cached while the pair lives, and
     * releasing the pair frees them.
     */
    @Test
    void aPairHoldsItsInputsUntilItIsReleased() {
        SliceLayout layout = new SliceLayout(5000, 3); // slices longer than a chunk
        Random r = new Random(9);
        ShardedVectors vectors = new ShardedVectors(true);
        ShardedVector a = ShardedVector.of(jsc, layout, r.doubles(5000).toArray());
        ShardedVector b = ShardedVector.of(jsc, layout, r.doubles(5000).toArray());
        ShardedVector pair = vectors.combineHoldingInputs(new double[] {1.0, -1.0}, List.of(a, b));
        ShardedVector kept = ShardedVector.combine(new double[] {1.0, -1.0}, List.of(a, b));
        double[] expected = kept.toArray();
        assertEquals(org.apache.spark.storage.StorageLevel.NONE(), pair.slices().rdd().getStorageLevel(),
                "a pair is stored nowhere");
        vectors.release(a);
        vectors.release(b);
        assertTrue(a.slices().rdd().getStorageLevel().useMemory(), "a held input stays cached");
        assertArrayEquals(expected, pair.toArray(), 0.0);
        // read as a term: dot products and combinations with the bits of the kept pair's
        ShardedVector w = ShardedVector.of(jsc, layout, r.doubles(5000).toArray());
        int[][] pairs = {{0, 1}, {1, 1}, {1, 2}};
        assertArrayEquals(vectors.dots(List.of(w, kept), List.of(kept, w)),
                vectors.dots(List.of(w, pair), List.of(pair, w)));
        assertArrayEquals(ShardedVector.dots(List.of(w, kept, a), pairs), ShardedVector.dots(List.of(w, pair, a),
                pairs), 0.0);
        assertArrayEquals(ShardedVector.combine(new double[] {0.5, -2.0}, List.of(w, kept)).toArray(),
                ShardedVector.combine(new double[] {0.5, -2.0}, List.of(w, pair)).toArray(), 0.0);
        vectors.release(pair);
        for (ShardedVector v : List.of(a, b)) {
            assertEquals(org.apache.spark.storage.StorageLevel.NONE(), v.slices().rdd().getStorageLevel(),
                    "inputs freed with their last holder");
        }
        kept.release();
        w.release();
        // without holding, the same call keeps the pair as any combination: cut, inputs free
        ShardedVectors plain = new ShardedVectors();
        ShardedVector c = ShardedVector.of(jsc, layout, r.doubles(5000).toArray());
        ShardedVector cut = plain.combineHoldingInputs(new double[] {1.0, -1.0}, List.of(c, c));
        cut.materialize();
        assertTrue(cut.slices().rdd().isCheckpointed());
        plain.release(c);
        assertEquals(org.apache.spark.storage.StorageLevel.NONE(), c.slices().rdd().getStorageLevel());
        assertArrayEquals(new double[5000], cut.toArray(), 0.0);
        plain.release(cut);
    }

    /**
     * An evaluation with products (what a vector-free L-BFGS trial asks for) is one Spark job, and its products,
     * new vector and gradient are those of evaluating and then combining and calling dots, to the bit.
     */
    @ParameterizedTest(name = "standardized {0}")
    @CsvSource({"false", "true"})
    void productsComeFromTheEvaluationsOwnJobWithTheBitsOfDotsAfterIt(boolean standardized) throws Exception {
        int d = 150;
        List<DataBlock> blocks = sparseBlocks(d, 6, 40, 2, FeaturePrecision.FLOAT64, 11);
        LinearModel model = new LinearModel(d, 1);
        JavaRDD<DataBlock> rdd = jsc.parallelize(blocks, 3).cache();
        SliceLayout layout = new SliceLayout(model.numParameters(), 4);
        PullPlan plan = PullPlan.build(rdd, d, 1, layout);
        ShardedDataLoss loss = new ShardedDataLoss(plan, Objective.LOGISTIC.loss(2), new L2Penalty(0.01, model));
        ShardedVectors vectors = new ShardedVectors();
        StandardizedObjective scaled = standardized ? new StandardizedObjective(loss, vectors,
                ShardedMoments.scaleAndMean(plan).scaleAndMean(), d, 1) : null;
        RemoteFunction<ShardedVector> f = standardized ? scaled : new ShardedObjective(loss, vectors);
        Random r = new Random(13);
        ShardedVector x = ShardedVector.of(jsc, layout, r.doubles(layout.numParameters(), -0.3, 0.3).toArray());
        ShardedVector w = ShardedVector.of(jsc, layout, r.doubles(layout.numParameters(), -1, 1).toArray());
        ShardedVector g = ShardedVector.of(jsc, layout, r.doubles(layout.numParameters(), -1, 1).toArray());
        ShardedVector point = vectors.combine(new double[] {1.0, 0.5}, List.of(x, w)); // pending, as a trial's
        ShardedVector s = vectors.combine(new double[] {1.0, -1.0}, List.of(point, x));
        // terms: s, w, g, then G (3), then y = G - g (4)
        RemoteFunction.Products<ShardedVector> products = new RemoteFunction.Products<>(List.of(s, w, g),
                List.of(new RemoteFunction.Combination(new double[] {1.0, -1.0}, new int[] {2})),
                new int[] {0, 4, 3}, new int[] {0, 4, 3, 1});
        Jobs jobs = new Jobs();
        jsc.sc().addSparkListener(jobs);
        jsc.setJobGroup("products", "products", false);
        RemoteFunction.ProductsEvaluation<ShardedVector> e = f.evaluate(point, products, vectors);
        jsc.sc().listenerBus().waitUntilEmpty();
        int evaluationJobs = jobs.count.get();
        jsc.clearJobGroup();
        jsc.sc().removeSparkListener(jobs);
        assertEquals(1, evaluationJobs, "one job for the evaluation and its products");

        ShardedVector y = e.combinations().get(0);
        double[] gradient = e.gradient().toArray();
        double[] gOld = g.toArray();
        double[] yExpected = new double[gradient.length];
        for (int j = 0; j < gradient.length; j++) {
            yExpected[j] = 1.0 * gradient[j];
            yExpected[j] += -1.0 * gOld[j];
        }
        assertArrayEquals(yExpected, y.toArray(), 0.0);
        List<ShardedVector> terms = List.of(s, w, g, e.gradient(), y);
        double[][] after = vectors.dots(List.of(terms.get(0), terms.get(4), terms.get(3)),
                List.of(terms.get(0), terms.get(4), terms.get(3), terms.get(1)));
        for (int i = 0; i < after.length; i++) {
            assertArrayEquals(after[i], e.dots()[i], 0.0, "row " + i);
        }
        RemoteFunction.Evaluation<ShardedVector> plain = f.evaluate(point, List.of());
        assertEquals(plain.value(), e.value(), 0.0);
        assertArrayEquals(plain.gradient().toArray(), gradient, 0.0);
        for (ShardedVector v : List.of(plain.gradient(), e.gradient(), y, s, point, x, w, g)) {
            vectors.release(v);
        }
        if (scaled != null) {
            scaled.release();
        }
        plan.release();
        rdd.unpersist(false);
    }

    /** Counts the jobs of the "products" job group. */
    private static final class Jobs extends SparkListener {
        final AtomicInteger count = new AtomicInteger();

        @Override
        public void onJobStart(SparkListenerJobStart e) {
            if (e.properties() != null && "products".equals(e.properties().getProperty("spark.jobGroup.id"))) {
                count.incrementAndGet();
            }
        }
    }
}
