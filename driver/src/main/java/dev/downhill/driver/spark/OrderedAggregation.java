package dev.downhill.driver.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BinaryOperator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import scala.Tuple2;

/**
 * Tree aggregation of one partial result per partition whose merge order is a fixed function of the
 * partition ids, never of task completion order, so the floating-point sum has the same bits on every
 * run, cluster and retry (Spark's treeAggregate merges in arrival order).
 *
 * <p>With P partitions and fan-in F: when P <= F the partials go straight to the driver and are merged
 * in id order 0, 1, ..., P-1. Otherwise partition p is sent to group p / F through a shuffle; each group
 * merges its partials sorted by id, and the driver merges the groups in group order: depth 2.
 */
public final class OrderedAggregation {
    private OrderedAggregation() {}

    /** Merge function that may be shipped to executors. */
    public interface Merge<T> extends Function2<T, T, T>, BinaryOperator<T>, Serializable {
        @Override
        default T call(T a, T b) {
            return apply(a, b);
        }
    }

    /**
     * @param partials exactly one element per partition
     * @param fanIn partials merged per group before the driver; the driver receives at most
     *              max(F, ceil(P / F)) results
     */
    public static <T> T aggregate(JavaRDD<T> partials, int fanIn, Merge<T> merge) {
        int p = partials.getNumPartitions();
        if (p <= fanIn) {
            return mergeInOrder(collectInOrder(partials), merge);
        }
        int groups = (p + fanIn - 1) / fanIn;
        JavaRDD<T> grouped = partials
                .mapPartitionsWithIndex((pid, it) -> {
                    List<Tuple2<Integer, Tuple2<Integer, T>>> out = new ArrayList<>(1);
                    while (it.hasNext()) {
                        out.add(new Tuple2<>(pid / fanIn, new Tuple2<>(pid, it.next())));
                    }
                    return out.iterator();
                }, true)
                .mapToPair(t -> t)
                .partitionBy(new org.apache.spark.HashPartitioner(groups))
                .mapPartitions(it -> {
                    List<Tuple2<Integer, T>> members = new ArrayList<>();
                    while (it.hasNext()) {
                        members.add(it.next()._2());
                    }
                    members.sort((a, b) -> Integer.compare(a._1(), b._1()));
                    List<T> values = new ArrayList<>(members.size());
                    for (Tuple2<Integer, T> m : members) {
                        values.add(m._2());
                    }
                    return values.isEmpty() ? Collections.emptyIterator()
                            : Collections.singletonList(mergeInOrder(values, merge)).iterator();
                });
        return mergeInOrder(collectInOrder(grouped), merge);
    }

    /** All elements, partition 0 first, each partition's elements in order. */
    static <T> List<T> collectInOrder(JavaRDD<T> rdd) {
        int n = rdd.getNumPartitions();
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i;
        }
        List<T>[] parts = rdd.collectPartitions(ids);
        List<T> out = new ArrayList<>();
        for (List<T> part : parts) {
            out.addAll(part);
        }
        return out;
    }

    private static <T> T mergeInOrder(List<T> values, BinaryOperator<T> merge) {
        if (values.isEmpty()) {
            throw new IllegalStateException("nothing to aggregate");
        }
        T acc = values.get(0);
        for (int i = 1; i < values.size(); i++) {
            acc = merge.apply(acc, values.get(i));
        }
        return acc;
    }
}
