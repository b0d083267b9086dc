package dev.downhill.driver.bench;

import java.util.Collections;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;

/**
 * Diagnostic: what any per-iteration Spark job costs here, whatever it computes. An empty job shaped like
 * Downhill's (one small result per partition, collected in partition order) and a broadcast of d + 1 doubles
 * created and destroyed.
 */
final class SparkFloor {
    private SparkFloor() {}

    static Result emptyJob(JavaSparkContext jsc, int partitions, int warmup, int iterations) {
        Result r = new Result("empty-job");
        JavaRDD<Integer> rdd = SparkSide.partitions(jsc, partitions).persist(StorageLevel.MEMORY_ONLY());
        rdd.count();
        try {
            int[] ids = new int[partitions];
            for (int i = 0; i < partitions; i++) {
                ids[i] = i;
            }
            double[] all = new double[warmup + iterations];
            for (int it = 0; it < all.length; it++) {
                long s = System.nanoTime();
                rdd.mapPartitions(x -> Collections.singletonList(new double[1]).iterator()).collectPartitions(ids);
                all[it] = (System.nanoTime() - s) / 1e9;
            }
            r.iterationSeconds = Stats.tail(all, iterations);
            r.secondsPerIteration = Stats.median(r.iterationSeconds);
        } finally {
            rdd.unpersist(true);
        }
        return r;
    }

    static Result broadcast(JavaSparkContext jsc, int values, int warmup, int iterations) {
        Result r = new Result("broadcast");
        double[] all = new double[warmup + iterations];
        for (int it = 0; it < all.length; it++) {
            long s = System.nanoTime();
            Broadcast<double[]> b = jsc.broadcast(new double[values]);
            b.destroy();
            all[it] = (System.nanoTime() - s) / 1e9;
        }
        r.iterationSeconds = Stats.tail(all, iterations);
        r.secondsPerIteration = Stats.median(r.iterationSeconds);
        return r;
    }
}
