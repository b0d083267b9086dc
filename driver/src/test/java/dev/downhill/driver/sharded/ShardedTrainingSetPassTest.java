package dev.downhill.driver.sharded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.data.BlockBuilder;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.data.FeaturePrecision;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.metrics.MetricsAccumulator;
import dev.downhill.core.model.Architecture;
import dev.downhill.driver.TestSpark;
import dev.downhill.driver.spark.TrainingSetPass;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The training-set pass scored from a sharded theta ({@link ShardedScoring}: each partition pulls its features'
 * parameters and scores its blocks over local columns) gives the broadcast pass's figures to the bit: the same
 * metrics sums and the same smallest margin, for each objective, sparse (float64 and float32) and dense blocks,
 * with an empty partition, over several slice counts.
 */
class ShardedTrainingSetPassTest {
    private static SparkSession spark;
    private static JavaSparkContext jsc;

    @BeforeAll
    static void start() {
        spark = TestSpark.start("ShardedTrainingSetPassTest");
        jsc = TestSpark.context(spark);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static List<DataBlock> dense(int d, int numBlocks, int rows, int numClasses, long seed) {
        Random r = new Random(seed);
        List<DataBlock> out = new ArrayList<>();
        for (int b = 0; b < numBlocks; b++) {
            BlockBuilder builder = new BlockBuilder(d);
            for (int i = 0; i < rows; i++) {
                builder.addDenseRow(r.nextInt(numClasses), 1.0, r.doubles(d, -2, 2).toArray());
            }
            out.add(builder.build());
        }
        return out;
    }

    private static void assertSameFigures(TrainingSetPass.Result a, TrainingSetPass.Result b, String what) {
        MetricsAccumulator x = a.metrics();
        MetricsAccumulator y = b.metrics();
        assertEquals(x.rows(), y.rows(), what);
        assertEquals(Double.doubleToLongBits(a.minMargin()), Double.doubleToLongBits(b.minMargin()), what);
        if (x.hasLogLoss()) {
            assertEquals(Double.doubleToLongBits(x.logLoss()), Double.doubleToLongBits(y.logLoss()), what);
        }
        if (x.classes() != null) {
            for (int c = 0; c < x.classes().numClasses(); c++) {
                assertEquals(x.classes().predicted(c), y.classes().predicted(c), what + " class " + c);
                assertEquals(x.classes().truePositives(c), y.classes().truePositives(c), what + " class " + c);
            }
        } else {
            assertEquals(Double.doubleToLongBits(x.errors().squaredErrorSum()),
                    Double.doubleToLongBits(y.errors().squaredErrorSum()), what);
            assertEquals(Double.doubleToLongBits(x.errors().mae()), Double.doubleToLongBits(y.errors().mae()), what);
        }
    }

    @Test
    void shardedPassGivesTheBroadcastPassesBits() {
        Random r = new Random(9);
        int d = 60;
        Object[][] cases = {
            {Objective.LOGISTIC, 2}, {Objective.SOFTMAX, 3}, {Objective.LEAST_SQUARES, 0}, {Objective.HINGE, 2},
        };
        for (Object[] c : cases) {
            Objective objective = (Objective) c[0];
            int numClasses = (Integer) c[1];
            int k = objective.numOutputs(numClasses);
            double[] theta = r.doubles((long) (d + 1) * k, -1, 1).toArray();
            int labels = Math.max(numClasses, 2);
            List<List<DataBlock>> data = List.of(
                    ShardedDataLossTest.sparseBlocks(d, 5, 40, labels, FeaturePrecision.FLOAT64, 3),
                    ShardedDataLossTest.sparseBlocks(d, 5, 40, labels, FeaturePrecision.FLOAT32, 4),
                    dense(d, 4, 30, labels, 5));
            for (List<DataBlock> blocks : data) {
                // one more partition than blocks: an empty partition pulls the intercepts only
                JavaRDD<DataBlock> rdd = jsc.parallelize(blocks, blocks.size() + 1).cache();
                TrainingSetPass.Result broadcast = TrainingSetPass.run(jsc, rdd, objective,
                        Architecture.linear(d, k), numClasses, theta);
                assertTrue(broadcast.metrics().rows() > 100);
                for (int slices : new int[] {1, 4, 7}) {
                    ShardedVector v = ShardedVector.of(jsc, new SliceLayout(theta.length, slices), theta);
                    TrainingSetPass.Result sharded = TrainingSetPass.run(rdd, v, objective, d, numClasses);
                    v.release();
                    assertSameFigures(broadcast, sharded, objective.cliName() + ", " + blocks.get(0).getClass()
                            .getSimpleName() + ", " + slices + " slices");
                }
                rdd.unpersist(false);
            }
        }
    }
}
