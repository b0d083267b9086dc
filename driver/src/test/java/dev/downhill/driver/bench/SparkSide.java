package dev.downhill.driver.bench;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.Function;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.RDDInfo;

/** Small Spark helpers shared by the systems. */
final class SparkSide {
    private SparkSide() {}

    /**
     * P partitions with one dummy element each: the data are generated inside mapPartitionsWithIndex from
     * the partition id, so nothing but P integers goes through the driver.
     */
    static JavaRDD<Integer> partitions(JavaSparkContext jsc, int p) {
        List<Integer> ids = new ArrayList<>(p);
        for (int i = 0; i < p; i++) {
            ids.add(i);
        }
        return jsc.parallelize(ids, p);
    }

    /** The rows of partition p as a lazy iterator of f(cursor): no list of the whole partition is built. */
    static <T> Iterator<T> rows(SyntheticData data, long rows, int partitions, int p,
                                Function<SyntheticData.Cursor, T> f) {
        SyntheticData.Cursor c = data.cursor(SyntheticData.partitionStart(rows, partitions, p),
                SyntheticData.partitionStart(rows, partitions, p + 1));
        return new Iterator<T>() {
            private boolean ready;
            private boolean more;

            @Override
            public boolean hasNext() {
                if (!ready) {
                    more = c.next();
                    ready = true;
                }
                return more;
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                ready = false;
                return f.apply(c);
            }
        };
    }

    static Set<Integer> cachedRddIds(JavaSparkContext jsc) {
        Set<Integer> ids = new HashSet<>();
        for (RDDInfo info : jsc.sc().getRDDStorageInfo()) {
            ids.add(info.id());
        }
        return ids;
    }

    /**
     * Spark's in-memory size estimate (memSize) of the cached RDDs not in {@code before}: the storage of
     * whatever was cached since. The storage status is fed by listener events, so this waits (up to 30 s) until
     * every partition is reported; it fails if one never is or went to disk, since then the timings would
     * include recomputation.
     */
    static long cachedBytesSince(JavaSparkContext jsc, Set<Integer> before) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            long bytes = 0;
            boolean any = false;
            String incomplete = null;
            for (RDDInfo info : jsc.sc().getRDDStorageInfo()) {
                if (before.contains(info.id())) {
                    continue;
                }
                any = true;
                if (info.numCachedPartitions() != info.numPartitions() || info.diskSize() > 0) {
                    incomplete = "RDD " + info.id() + " (" + info.name() + ") is not fully in memory: "
                            + info.numCachedPartitions() + " of " + info.numPartitions() + " partitions cached, "
                            + info.diskSize() + " bytes on disk; give the JVM more heap (BENCH_HEAP)";
                }
                bytes += info.memSize();
            }
            if (any && incomplete == null) {
                return bytes;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(any ? incomplete : "nothing new is cached");
            }
            Thread.sleep(10);
        }
    }

    static long cachedBytes(JavaSparkContext jsc, int rddId) throws InterruptedException {
        Set<Integer> others = cachedRddIds(jsc);
        others.remove(rddId);
        return cachedBytesSince(jsc, others);
    }
}
