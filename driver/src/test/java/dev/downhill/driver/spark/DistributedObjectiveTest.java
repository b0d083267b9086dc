package dev.downhill.driver.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.data.BlockBuilder;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.data.DenseBlock;
import dev.downhill.core.data.FeaturePrecision;
import dev.downhill.core.data.FloatDenseBlock;
import dev.downhill.core.data.FloatSparseBlock;
import dev.downhill.core.data.SparseBlock;
import dev.downhill.core.loss.Loss;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.GradientAccumulator;
import dev.downhill.core.objective.LocalDataLoss;
import dev.downhill.driver.TestSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Distributed equals local: the objective and gradient aggregated over an RDD of blocks equal a plain fold
 * over the same blocks, for several partition counts (with empty partitions) and both aggregation shapes.
 */
class DistributedObjectiveTest {
    private static SparkSession spark;
    private static JavaSparkContext jsc;

    @BeforeAll
    static void start() {
        spark = TestSpark.start("DistributedObjectiveTest");
        jsc = TestSpark.context(spark);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Three blocks: dense with weights, sparse, and dense again; 130 rows over d = 6 features. */
    static List<DataBlock> blocks(Objective objective, int numClasses, long seed) {
        Random r = new Random(seed);
        int d = 6;
        List<DataBlock> out = new ArrayList<>();
        int[] sizes = {50, 40, 40};
        for (int b = 0; b < sizes.length; b++) {
            BlockBuilder builder = new BlockBuilder(d);
            for (int i = 0; i < sizes[b]; i++) {
                double label;
                if (objective == Objective.LEAST_SQUARES) {
                    label = r.nextGaussian() * 3;
                } else if (objective == Objective.SOFTMAX) {
                    label = r.nextInt(numClasses);
                } else {
                    label = r.nextInt(2);
                }
                double weight = b == 0 ? 0.5 + r.nextDouble() : 1.0;
                if (b == 1) {
                    // Two non-zeros of six: packs as CSR.
                    int j1 = r.nextInt(3);
                    int j2 = 3 + r.nextInt(3);
                    builder.addSparseRow(label, weight, new int[] {j1, j2},
                            new double[] {r.nextGaussian(), r.nextGaussian()}, 2);
                } else {
                    double[] row = new double[d];
                    for (int j = 0; j < d; j++) {
                        row[j] = r.nextGaussian();
                    }
                    builder.addDenseRow(label, weight, row);
                }
            }
            out.add(builder.build());
        }
        return out;
    }

    @ParameterizedTest(name = "{0} over {1} partitions, fan-in {2}")
    @CsvSource({
        "LOGISTIC, 1, 16", "LOGISTIC, 2, 16", "LOGISTIC, 7, 16", "LOGISTIC, 7, 2",
        "LEAST_SQUARES, 1, 16", "LEAST_SQUARES, 2, 16", "LEAST_SQUARES, 7, 16", "LEAST_SQUARES, 7, 3",
        "SOFTMAX, 1, 16", "SOFTMAX, 2, 16", "SOFTMAX, 7, 16", "SOFTMAX, 7, 2",
        "HINGE, 2, 16", "HINGE, 7, 2",
    })
    void distributedEqualsLocal(Objective objective, int partitions, int fanIn) {
        int k = objective == Objective.SOFTMAX ? 3 : 2;
        List<DataBlock> blocks = blocks(objective, k, 11);
        assertTrue(blocks.get(0) instanceof DenseBlock && blocks.get(0).hasWeights());
        assertTrue(blocks.get(1) instanceof SparseBlock);
        LinearModel model = new LinearModel(6, objective.numOutputs(k));
        Loss loss = objective.loss(k);
        double[] params = new Random(5).doubles(model.numParameters(), -1, 1).toArray();

        JavaRDD<DataBlock> rdd = jsc.parallelize(blocks, partitions);
        if (partitions == 7) {
            // Three blocks over seven partitions: most partitions are empty.
            long empty = rdd.mapPartitions(it -> List.of(it.hasNext() ? 1 : 0).iterator()).collect().stream()
                    .filter(n -> n == 0).count();
            assertEquals(4, empty);
        }
        GradientAccumulator distributed = new SparkDataLoss(jsc, rdd, model, loss, fanIn).evaluate(params, true);
        GradientAccumulator local = new LocalDataLoss(blocks, model, loss).evaluate(params, true);

        assertEquals(130, distributed.rowCount());
        assertEquals(local.weightSum(), distributed.weightSum(), 1e-12 * local.weightSum());
        assertEquals(local.meanLoss(), distributed.meanLoss(), 1e-12 * Math.abs(local.meanLoss()));
        double[] gd = new double[model.numParameters()];
        double[] gl = new double[model.numParameters()];
        distributed.meanGradient(gd);
        local.meanGradient(gl);
        double scale = 0;
        for (double v : gl) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int j = 0; j < gl.length; j++) {
            assertEquals(gl[j], gd[j], 1e-12 * scale, "gradient entry " + j);
        }
    }

    /** float32 blocks (dense weighted, sparse, dense): distributed equals local on both aggregation shapes. */
    @ParameterizedTest(name = "float32 features over {0} partitions, fan-in {1}")
    @CsvSource({"1, 16", "2, 16", "7, 16", "7, 2"})
    void distributedEqualsLocalWithFloat32Features(int partitions, int fanIn) {
        Random r = new Random(13);
        int d = 6;
        List<DataBlock> blocks = new ArrayList<>();
        for (int b = 0; b < 3; b++) {
            BlockBuilder builder = new BlockBuilder(d, FeaturePrecision.FLOAT32);
            for (int i = 0; i < 40; i++) {
                double weight = b == 0 ? 0.5 + r.nextDouble() : 1.0;
                if (b == 1) {
                    int j = r.nextInt(d - 1);
                    builder.addSparseRow(r.nextInt(2), weight, new int[] {j, j + 1},
                            new double[] {r.nextGaussian(), r.nextGaussian()}, 2);
                } else {
                    builder.addDenseRow(r.nextInt(2), weight, r.doubles(d, -1, 1).toArray());
                }
            }
            blocks.add(builder.build());
        }
        assertTrue(blocks.get(0) instanceof FloatDenseBlock && blocks.get(0).hasWeights());
        assertTrue(blocks.get(1) instanceof FloatSparseBlock);
        LinearModel model = new LinearModel(d, 1);
        Loss loss = Objective.LOGISTIC.loss(2);
        double[] params = new Random(6).doubles(model.numParameters(), -1, 1).toArray();
        GradientAccumulator distributed = new SparkDataLoss(jsc, jsc.parallelize(blocks, partitions), model, loss, fanIn)
                .evaluate(params, true);
        GradientAccumulator local = new LocalDataLoss(blocks, model, loss).evaluate(params, true);
        assertEquals(120, distributed.rowCount());
        assertEquals(local.meanLoss(), distributed.meanLoss(), 1e-12 * Math.abs(local.meanLoss()));
        double[] gd = new double[model.numParameters()];
        double[] gl = new double[model.numParameters()];
        distributed.meanGradient(gd);
        local.meanGradient(gl);
        for (int j = 0; j < gl.length; j++) {
            assertEquals(gl[j], gd[j], 1e-12 * (1 + Math.abs(gl[j])), "gradient entry " + j);
        }
    }

    @Test
    void repeatedEvaluationsGiveIdenticalBits() {
        List<DataBlock> blocks = blocks(Objective.LOGISTIC, 2, 3);
        LinearModel model = new LinearModel(6, 1);
        double[] params = new Random(8).doubles(model.numParameters(), -1, 1).toArray();
        JavaRDD<DataBlock> rdd = jsc.parallelize(blocks, 3);
        SparkDataLoss loss = new SparkDataLoss(jsc, rdd, model, Objective.LOGISTIC.loss(2), 2);
        double[] first = new double[model.numParameters()];
        double[] second = new double[model.numParameters()];
        GradientAccumulator a = loss.evaluate(params, true);
        GradientAccumulator b = loss.evaluate(params, true);
        a.meanGradient(first);
        b.meanGradient(second);
        assertEquals(Double.doubleToLongBits(a.meanLoss()), Double.doubleToLongBits(b.meanLoss()));
        assertArrayEquals(first, second);
    }

    @Test
    void valueOnlyPassGivesTheSameLossWithoutAGradient() {
        List<DataBlock> blocks = blocks(Objective.SOFTMAX, 3, 4);
        LinearModel model = new LinearModel(6, 3);
        double[] params = new Random(9).doubles(model.numParameters(), -1, 1).toArray();
        SparkDataLoss loss = new SparkDataLoss(jsc, jsc.parallelize(blocks, 2), model, Objective.SOFTMAX.loss(3));
        GradientAccumulator full = loss.evaluate(params, true);
        GradientAccumulator valueOnly = loss.evaluate(params, false);
        assertFalse(valueOnly.hasGradient());
        assertEquals(full.meanLoss(), valueOnly.meanLoss(), 1e-15 * full.meanLoss());
    }

    /**
     * With 10^6 parameters (8 MB of doubles) what the scheduler serializes for each task, the pair (RDD, job
     * function) as DAGScheduler writes it with the closure serializer, stays a few kilobytes: the parameters
     * travel only in the broadcast. Capturing the array in the function would make it 8 MB.
     */
    @Test
    void theSerializedTaskStaysSmallWithAMillionParameters() {
        int d = 999_999;
        LinearModel model = new LinearModel(d, 1);
        assertEquals(1_000_000, model.numParameters());
        Random r = new Random(12);
        List<DataBlock> blocks = new ArrayList<>();
        for (int b = 0; b < 2; b++) {
            BlockBuilder builder = new BlockBuilder(d);
            for (int i = 0; i < 20; i++) {
                int j = r.nextInt(d - 1);
                builder.addSparseRow(r.nextInt(2), 1.0, new int[] {j, j + 1},
                        new double[] {r.nextGaussian(), r.nextGaussian()}, 2);
            }
            blocks.add(builder.build());
        }
        JavaRDD<DataBlock> rdd = jsc.parallelize(blocks, 2);
        double[] params = r.doubles(model.numParameters(), -0.1, 0.1).toArray();
        org.apache.spark.broadcast.Broadcast<double[]> broadcast = jsc.broadcast(params);
        try {
            SparkDataLoss.PartialFold fold = new SparkDataLoss.PartialFold(model, Objective.LOGISTIC.loss(2), broadcast,
                    true, null, 0, false, 0L);
            java.nio.ByteBuffer task = org.apache.spark.SparkEnv.get().closureSerializer().newInstance().serialize(
                    new scala.Tuple2<>(rdd.rdd(), new OrderedAggregation.FoldTask<>(fold)),
                    scala.reflect.ClassTag$.MODULE$.AnyRef());
            assertTrue(task.remaining() < 16 * 1024, "serialized task of " + task.remaining() + " bytes");
        } finally {
            broadcast.destroy();
        }
        // The pass itself runs and matches the local fold.
        GradientAccumulator distributed = new SparkDataLoss(jsc, rdd, model, Objective.LOGISTIC.loss(2))
                .evaluate(params, true);
        GradientAccumulator local = new LocalDataLoss(blocks, model, Objective.LOGISTIC.loss(2)).evaluate(params, true);
        assertEquals(local.meanLoss(), distributed.meanLoss(), 1e-12 * local.meanLoss());
    }

    @Test
    void fanInIsOneLevelForSmallPartialsAndASquareRootTreeForLargeOnes() {
        assertEquals(1, OrderedAggregation.fanIn(1, 8L << 20));
        assertEquals(2, OrderedAggregation.fanIn(2, 1L << 30));
        // 4 partials of 8 MiB (2^20 parameters) and 1000 partials of 101 doubles: straight to the driver.
        assertEquals(4, OrderedAggregation.fanIn(4, 8L << 20));
        assertEquals(1000, OrderedAggregation.fanIn(1000, 808));
        // 64 partials of 8 MiB would be 512 MiB at the driver: 8 groups of 8.
        assertEquals(8, OrderedAggregation.fanIn(64, 8L << 20));
        assertEquals(4, OrderedAggregation.fanIn(10, 100L << 20));
    }
}
