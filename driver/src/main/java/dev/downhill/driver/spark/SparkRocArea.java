package dev.downhill.driver.spark;

import dev.downhill.core.metrics.RocArea;
import java.util.Collections;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;

/**
 * The exact ROC AUC of scored rows on a cluster: the rows' (score, {positive weight, negative weight}) pairs
 * are summed per distinct score (reduceByKey), sorted by score, highest first (sortByKey, a range
 * partitioning, so partition i holds only scores above those of partition i + 1), and each partition folds
 * its groups into a worker-core {@link RocArea} segment; the driver appends the segments in partition
 * order. Nothing is binned: ties are exact, and only one segment per partition reaches the driver.
 */
public final class SparkRocArea {
    private SparkRocArea() {}

    /**
     * @param scored per row: its score (never NaN; -0.0 is counted as 0.0) and {v, 0} for a positive row
     *               or {0, v} for a negative one, v its instance weight
     */
    public static RocArea of(JavaPairRDD<Double, double[]> scored) {
        JavaRDD<RocArea> segments = scored
                .mapToPair(t -> new scala.Tuple2<>(t._1() + 0.0, t._2())) // -0.0 + 0.0 is 0.0: one group, not two
                .reduceByKey((a, b) -> new double[] {a[0] + b[0], a[1] + b[1]})
                .sortByKey(false)
                .mapPartitions(it -> {
                    RocArea segment = new RocArea();
                    while (it.hasNext()) {
                        double[] w = it.next()._2();
                        segment.addGroup(w[0], w[1]);
                    }
                    return Collections.singletonList(segment).iterator();
                });
        List<RocArea> inOrder = OrderedAggregation.collectInOrder(segments);
        RocArea whole = new RocArea();
        for (RocArea segment : inOrder) {
            whole.append(segment);
        }
        return whole;
    }
}
