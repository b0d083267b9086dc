package dev.downhill.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.downhill.driver.TestSpark;
import dev.downhill.driver.sharded.ShardedVector;
import dev.downhill.driver.sharded.SliceLayout;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A sharded model's largest weights (a top list per slice, ranked on the driver) are the driver-side list's:
 * the same weights in the same order, ties to the lower index, intercepts never listed.
 */
class ShardedLargestWeightsTest {
    private static SparkSession spark;
    private static JavaSparkContext jsc;

    @BeforeAll
    static void start() {
        spark = TestSpark.start("ShardedLargestWeightsTest");
        jsc = TestSpark.context(spark);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void perSliceTopListsGiveTheDriverSideList() {
        Random r = new Random(5);
        for (int k : new int[] {1, 3}) {
            int d = 257;
            double[] theta = new double[(d + 1) * k];
            for (int i = 0; i < theta.length; i++) {
                // a few values repeated with both signs, so ties are broken by index
                theta[i] = (r.nextInt(40) - 20) / 4.0;
            }
            for (int c = 0; c < k; c++) {
                theta[d * k + c] = 1e6; // intercepts: the largest entries, never listed
            }
            double[] labels = k == 1 ? new double[] {0, 1} : new double[] {2, 5, 7};
            List<ModelSummary.Weight> expected = ModelSummary.largestWeights(theta, d, k, labels, null, true);
            for (int slices : new int[] {1, 4, 13}) {
                ShardedVector v = ShardedVector.of(jsc, new SliceLayout(theta.length, slices), theta);
                List<ModelSummary.Weight> got = ModelSummary.largestWeights(v, d, k, labels, null, true);
                v.release();
                assertEquals(ModelSummary.TOP_WEIGHTS, got.size());
                assertEquals(expected, got, k + " outputs, " + slices + " slices");
            }
        }
    }
}
