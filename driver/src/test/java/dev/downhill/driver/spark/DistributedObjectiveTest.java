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

    /**
     * An MLP (dense weighted, sparse and dense blocks; with dropout on for the training passes): the distributed
     * pass equals a local fold with the same order, each partition's blocks folded into one accumulator and the
     * partials merged as {@link OrderedAggregation} merges them (in partition order, or by groups of fanIn), to the
     * last bit. The fold order is the distributed one, so nothing may differ.
     */
    @ParameterizedTest(name = "mlp {0} over {1} partitions, fan-in {2}, dropout {3}")
    @CsvSource({
        "SOFTMAX, 1, 16, 0", "SOFTMAX, 2, 16, 0", "SOFTMAX, 7, 2, 0", "SOFTMAX, 2, 16, 0.3", "SOFTMAX, 7, 3, 0.3",
        "LOGISTIC, 3, 16, 0.3", "LEAST_SQUARES, 2, 16, 0", "LEAST_SQUARES, 7, 2, 0.3",
    })
    void mlpDistributedEqualsTheSameFoldLocallyToTheBit(Objective objective, int partitions, int fanIn,
                                                       double dropout) {
        int k = objective == Objective.SOFTMAX ? 3 : 2;
        List<DataBlock> blocks = blocks(objective, k, 17);
        dev.downhill.core.model.Model model = dev.downhill.core.model.Architecture.mlp(6, new int[] {5, 4},
                dev.downhill.core.model.ActivationFunction.TANH, 0.0, objective.numOutputs(k), dropout).build();
        Loss loss = objective.loss(k);
        double[] params = model.initialParameters(3);
        JavaRDD<DataBlock> rdd = jsc.parallelize(blocks, partitions);
        SparkDataLoss spark = new SparkDataLoss(jsc, rdd, model, loss, fanIn);
        long seed = 9;
        long iteration = 4;
        // Dropout only in training passes: (seed, iteration, row key) draws the masks.
        dev.downhill.core.objective.DataLoss pass = dropout > 0 ? spark.training(null, iteration, seed) : spark;
        GradientAccumulator distributed = pass.evaluate(params, true);
        GradientAccumulator distributedValue = pass.evaluate(params, false);

        // The same fold here: partition contents as Spark holds them, one accumulator each, merged alike.
        List<List<DataBlock>> parts = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            parts.add(rdd.collectPartitions(new int[] {i})[0]);
        }
        boolean t = dropout > 0;
        GradientAccumulator local = localFold(parts, model, loss, params, fanIn, t, seed, iteration, true);
        GradientAccumulator localValue = localFold(parts, model, loss, params, fanIn, t, seed, iteration, false);
        assertEquals(130, distributed.rowCount());
        assertEquals(Double.doubleToLongBits(local.meanLoss()), Double.doubleToLongBits(distributed.meanLoss()));
        assertEquals(Double.doubleToLongBits(localValue.meanLoss()),
                Double.doubleToLongBits(distributedValue.meanLoss()));
        double[] gd = new double[model.numParameters()];
        double[] gl = new double[model.numParameters()];
        distributed.meanGradient(gd);
        local.meanGradient(gl);
        assertArrayEquals(gl, gd, "every gradient entry, bit for bit");
        // And a plain fold over all blocks in order, whatever the grouping, agrees to rounding.
        dev.downhill.core.objective.LossEvaluator plain = new dev.downhill.core.objective.LossEvaluator(model, loss);
        if (dropout > 0) {
            plain.training(seed, iteration);
        }
        GradientAccumulator all = new GradientAccumulator(model.numParameters());
        for (DataBlock b : blocks) {
            plain.accumulate(b, params, all);
        }
        double[] ga = new double[model.numParameters()];
        all.meanGradient(ga);
        for (int j = 0; j < ga.length; j++) {
            assertEquals(ga[j], gd[j], 1e-12 * (1 + Math.abs(ga[j])), "gradient entry " + j);
        }
        // Dropout changes the function: the training pass is not the inference pass.
        if (dropout > 0) {
            assertTrue(spark.evaluate(params, false).meanLoss() != distributed.meanLoss());
        }
    }

    /** Folds each partition into its own accumulator, then merges them in OrderedAggregation's order. */
    private static GradientAccumulator localFold(List<List<DataBlock>> parts, dev.downhill.core.model.Model model,
                                                 Loss loss, double[] params, int fanIn, boolean training,
                                                 long seed, long iteration, boolean gradient) {
        List<GradientAccumulator> partials = new ArrayList<>();
        for (List<DataBlock> part : parts) {
            dev.downhill.core.objective.LossEvaluator e = new dev.downhill.core.objective.LossEvaluator(model, loss);
            if (training) {
                e.training(seed, iteration);
            }
            GradientAccumulator acc = new GradientAccumulator(model.numParameters());
            for (DataBlock b : part) {
                if (gradient) {
                    e.accumulate(b, params, acc);
                } else {
                    e.accumulateValue(b, params, acc);
                }
            }
            partials.add(acc);
        }
        List<GradientAccumulator> level = partials;
        if (parts.size() > fanIn) { // groups of fanIn partials by id, then the groups in order
            level = new ArrayList<>();
            for (int g = 0; g * fanIn < partials.size(); g++) {
                GradientAccumulator acc = partials.get(g * fanIn);
                for (int i = g * fanIn + 1; i < Math.min(partials.size(), (g + 1) * fanIn); i++) {
                    acc = acc.merge(partials.get(i));
                }
                level.add(acc);
            }
        }
        GradientAccumulator acc = level.get(0);
        for (int i = 1; i < level.size(); i++) {
            acc = acc.merge(level.get(i));
        }
        return acc;
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
                    null, true, null, 0, false, 0L);
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
