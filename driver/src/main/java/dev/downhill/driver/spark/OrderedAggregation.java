package dev.downhill.driver.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.function.BinaryOperator;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import scala.Tuple2;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction2;

/**
 * Tree aggregation of one partial result per partition whose merge order is a fixed function of the
 * partition ids, never of task completion order, so the floating-point sum has the same bits on every
 * run, cluster and retry (Spark's treeAggregate merges in arrival order).
 *
 * <p>With P partitions and fan-in F: when P <= F the partials go straight to the driver and are merged
 * in id order 0, 1, ..., P-1. Otherwise partition p is sent to group p / F through a shuffle; each group
 * merges its partials sorted by id, and the driver merges the groups in group order: depth 2.
 * {@link #fanIn} picks F from P and the size of a partial.
 */
public final class OrderedAggregation {
    private OrderedAggregation() {}

    /**
     * Partials the driver takes in one level while their total stays under this many bytes: a shuffle
     * level costs a stage, files and a second round of tasks, far more than receiving a few partials of
     * megabytes each.
     */
    static final long DIRECT_BYTES = 128L << 20;

    /**
     * The fan-in for P partials of about {@code partialBytes} each: P (one level) when P <= 2 or
     * P partialBytes <= {@link #DIRECT_BYTES}; otherwise ceil(sqrt(P)), which minimizes the larger of the
     * two merge widths of a depth-2 tree (F partials per group, ceil(P / F) groups at the driver).
     */
    public static int fanIn(int partitions, long partialBytes) {
        if (partitions <= 2 || (double) partitions * partialBytes <= DIRECT_BYTES) {
            return Math.max(1, partitions);
        }
        return (int) Math.ceil(Math.sqrt(partitions));
    }

    /** A task's fold of its partition into one partial result. */
    public interface PartitionFold<S, T> extends Serializable {
        T apply(int partition, Iterator<S> elements);
    }

    /**
     * Folds every partition of {@code source} with {@code fold} and merges the partials as
     * {@link #aggregate} does. With one level (P <= fanIn) the fold runs as the job's own function on the
     * source RDD: no derived RDD per call, and none of Spark's closure cleaning, which re-reads the
     * bytecode of its Scala wrappers with ASM on every call (a few milliseconds per iteration).
     */
    @SuppressWarnings("unchecked")
    public static <S, T> T aggregate(JavaRDD<S> source, PartitionFold<S, T> fold, int fanIn, Merge<T> merge) {
        int p = source.getNumPartitions();
        if (p > fanIn) {
            JavaRDD<T> partials = source.mapPartitionsWithIndex(
                    (pid, it) -> Collections.singletonList(fold.apply(pid, it)).iterator(), true);
            return aggregate(partials, fanIn, merge);
        }
        List<Object> ids = new ArrayList<>(p);
        for (int i = 0; i < p; i++) {
            ids.add(i);
        }
        Object results = source.context().runJob(source.rdd(), new FoldTask<>(fold),
                CollectionConverters.asScala(ids).toSeq(), (ClassTag<T>) ClassTag$.MODULE$.AnyRef());
        List<T> inOrder = new ArrayList<>(p);
        for (Object r : (Object[]) results) {
            inOrder.add((T) r);
        }
        return mergeInOrder(inOrder, merge);
    }

    /**
     * The job function of {@link #aggregate(JavaRDD, PartitionFold, int, Merge)}: a named class, not a
     * lambda, so Spark's closure cleaner recognizes it as no closure at once.
     */
    static final class FoldTask<S, T> extends AbstractFunction2<TaskContext, scala.collection.Iterator<S>, T>
            implements Serializable {
        private static final long serialVersionUID = 1L;
        private final PartitionFold<S, T> fold;

        FoldTask(PartitionFold<S, T> fold) {
            this.fold = fold;
        }

        @Override
        public T apply(TaskContext context, scala.collection.Iterator<S> elements) {
            return fold.apply(context.partitionId(), CollectionConverters.asJava(elements));
        }
    }

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
