package dev.downhill.driver.sharded;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;

/** Small per-partition results brought to the driver in partition order (never in task-completion order). */
final class OrderedCollect {
    private OrderedCollect() {}

    /** Every element, partition 0 first. */
    static <T> List<T> inOrder(JavaRDD<T> rdd) {
        int n = rdd.getNumPartitions();
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i;
        }
        List<T> out = new ArrayList<>();
        for (List<T> part : rdd.collectPartitions(ids)) {
            out.addAll(part);
        }
        return out;
    }

    /** The element-wise sum of one array of {@code width} scalars per partition, added in partition order. */
    static double[] sumInOrder(JavaRDD<double[]> partials, int width) {
        double[] total = new double[width];
        for (double[] p : inOrder(partials)) {
            for (int k = 0; k < width; k++) {
                total[k] += p[k];
            }
        }
        return total;
    }
}
