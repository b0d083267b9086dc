package dev.downhill.driver.sharded;

import dev.downhill.core.data.DataBlock;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Which parameters each data partition reads, computed once at load: partition p's blocks store values of a
 * fixed sorted feature set F_p, so a linear model with K outputs reads only the parameters
 * {k d + j : j in F_p, k < K} and the K intercepts. Each partition's blocks are re-packed over local columns
 * 0 .. |F_p| - 1 ({@link DataBlock#withColumns}), so worker-core's model runs unchanged on a compact parameter
 * array whose entries are those global indices in increasing order; a dense partition reads every parameter.
 *
 * <p>Two cached RDDs: {@link #local} (one {@link LocalPartition} per data partition, aligned with the blocks)
 * and {@link #requests} (one {@link SliceRequests} per slice: for each partition, sorted by id, the offsets
 * within the slice it reads). A pull sends slice s's requested entries to each partition through a shuffle
 * keyed by partition; the partial gradients go back through a shuffle keyed by slice, each offset list
 * saying where a partition's piece lands.
 */
public final class PullPlan {
    final SliceLayout layout;
    final int numFeatures;
    final int numOutputs;
    final JavaRDD<LocalPartition> local;
    final JavaRDD<SliceRequests> requests;

    private PullPlan(SliceLayout layout, int numFeatures, int numOutputs, JavaRDD<LocalPartition> local,
                     JavaRDD<SliceRequests> requests) {
        this.layout = layout;
        this.numFeatures = numFeatures;
        this.numOutputs = numOutputs;
        this.local = local;
        this.requests = requests;
    }

    /** One data partition's blocks over local columns and how its parameters split over the slices. */
    static final class LocalPartition implements Serializable {
        private static final long serialVersionUID = 1L;
        final int partition;
        /** The global features of the local columns, increasing. */
        final int[] columns;
        final List<DataBlock> blocks;
        /** The slices holding this partition's parameters, increasing. */
        final int[] slices;
        /** Local parameter index where slice slices[i]'s entries start (and, at slices.length, end). */
        final int[] chunkStart;

        LocalPartition(int partition, int[] columns, List<DataBlock> blocks, int[] slices, int[] chunkStart) {
            this.partition = partition;
            this.columns = columns;
            this.blocks = blocks;
            this.slices = slices;
            this.chunkStart = chunkStart;
        }
    }

    /** For one slice: the partitions reading it (increasing) and, for each, the offsets it reads (increasing). */
    static final class SliceRequests implements Serializable {
        private static final long serialVersionUID = 1L;
        final int slice;
        final int[] partitions;
        final int[][] offsets;

        SliceRequests(int slice, int[] partitions, int[][] offsets) {
            this.slice = slice;
            this.partitions = partitions;
            this.offsets = offsets;
        }

        /** The offsets partition p reads, or null when it reads none of this slice. */
        int[] offsetsOf(int partition) {
            int i = Arrays.binarySearch(partitions, partition);
            return i < 0 ? null : offsets[i];
        }
    }

    /** A piece of one slice's offsets for one partition, on its way to the slice (planning only). */
    static final class Request implements Serializable {
        private static final long serialVersionUID = 1L;
        final int partition;
        final int[] offsets;

        Request(int partition, int[] offsets) {
            this.partition = partition;
            this.offsets = offsets;
        }
    }

    /**
     * Builds the plan for a linear model of {@code numFeatures} features and {@code numOutputs} outputs over
     * {@code blocks} (two jobs: re-packing the partitions and shuffling the requests to the slices).
     */
    public static PullPlan build(JavaRDD<DataBlock> blocks, int numFeatures, int numOutputs, SliceLayout layout) {
        if ((long) (numFeatures + 1) * numOutputs != layout.numParameters()) {
            throw new IllegalArgumentException(layout + " for a linear model of " + numFeatures + " features and "
                    + numOutputs + " outputs");
        }
        JavaRDD<LocalPartition> local = blocks.mapPartitionsWithIndex((p, it) -> {
            List<DataBlock> raw = new ArrayList<>();
            it.forEachRemaining(raw::add);
            int[] columns = union(raw);
            List<DataBlock> packed = new ArrayList<>(raw.size());
            for (DataBlock b : raw) {
                packed.add(b.withColumns(columns));
            }
            int[] needed = parameters(columns, numFeatures, numOutputs);
            List<Integer> slices = new ArrayList<>();
            List<Integer> starts = new ArrayList<>();
            for (int i = 0; i < needed.length; i++) {
                int s = layout.sliceOf(needed[i]);
                if (slices.isEmpty() || slices.get(slices.size() - 1) != s) {
                    slices.add(s);
                    starts.add(i);
                }
            }
            starts.add(needed.length);
            return Collections.singletonList(new LocalPartition(p, columns, packed,
                    slices.stream().mapToInt(Integer::intValue).toArray(),
                    starts.stream().mapToInt(Integer::intValue).toArray())).iterator();
        }, true).persist(StorageLevel.MEMORY_ONLY());

        JavaRDD<SliceRequests> requests = local.flatMapToPair(lp -> {
            int[] needed = parameters(lp.columns, numFeatures, numOutputs);
            List<Tuple2<Integer, Request>> out = new ArrayList<>(lp.slices.length);
            for (int i = 0; i < lp.slices.length; i++) {
                int s = lp.slices[i];
                int start = layout.start(s);
                int[] offsets = new int[lp.chunkStart[i + 1] - lp.chunkStart[i]];
                for (int t = 0; t < offsets.length; t++) {
                    offsets[t] = needed[lp.chunkStart[i] + t] - start;
                }
                out.add(new Tuple2<>(s, new Request(lp.partition, offsets)));
            }
            return out.iterator();
        }).partitionBy(new KeyPartitioner(layout.numSlices())).mapPartitionsWithIndex((s, it) -> {
            List<Request> all = new ArrayList<>();
            it.forEachRemaining(t -> all.add(t._2()));
            all.sort((a, b) -> Integer.compare(a.partition, b.partition));
            int[] partitions = new int[all.size()];
            int[][] offsets = new int[all.size()][];
            for (int i = 0; i < partitions.length; i++) {
                partitions[i] = all.get(i).partition;
                offsets[i] = all.get(i).offsets;
            }
            return Collections.singletonList(new SliceRequests(s, partitions, offsets)).iterator();
        }, true).persist(ShardedVector.STORAGE);
        PullPlan plan = new PullPlan(layout, numFeatures, numOutputs, local, requests);
        requests.foreachPartition(ShardedDataLoss::drain); // computes and caches both
        return plan;
    }

    /** The sorted distinct features stored by any of the blocks. */
    static int[] union(List<DataBlock> blocks) {
        int[] acc = new int[0];
        for (DataBlock b : blocks) {
            acc = mergeDistinct(acc, b.storedFeatures());
        }
        return acc;
    }

    static int[] mergeDistinct(int[] a, int[] b) {
        int[] out = new int[a.length + b.length];
        int i = 0;
        int j = 0;
        int n = 0;
        while (i < a.length || j < b.length) {
            int v = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++];
            if (n == 0 || out[n - 1] != v) {
                out[n++] = v;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * The global parameter indices a partition with these local columns reads, increasing: the order of the
     * local model's parameters ({@code dev.downhill.core.model.LinearModel}: K weight rows, then K intercepts).
     */
    static int[] parameters(int[] columns, int numFeatures, int numOutputs) {
        int m = columns.length;
        int[] out = new int[(m + 1) * numOutputs];
        for (int k = 0; k < numOutputs; k++) {
            for (int t = 0; t < m; t++) {
                out[k * m + t] = k * numFeatures + columns[t];
            }
            out[numOutputs * m + k] = numOutputs * numFeatures + k;
        }
        return out;
    }

    public int numPartitions() {
        return local.getNumPartitions();
    }

    public SliceLayout layout() {
        return layout;
    }

    /** Drops the cached plan. */
    public void release() {
        local.unpersist(false);
        requests.unpersist(false);
    }

    static <T> Iterator<T> single(T t) {
        return Collections.singletonList(t).iterator();
    }
}
