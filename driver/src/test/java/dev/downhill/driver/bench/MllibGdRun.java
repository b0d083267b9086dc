package dev.downhill.driver.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.mllib.linalg.Vector;
import org.apache.spark.mllib.linalg.Vectors;
import org.apache.spark.mllib.optimization.GradientDescent;
import org.apache.spark.mllib.optimization.LogisticGradient;
import org.apache.spark.mllib.optimization.SimpleUpdater;
import org.apache.spark.mllib.regression.LabeledPoint;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Spark MLlib's RDD-based {@code GradientDescent.runMiniBatchSGD} (LogisticGradient, SimpleUpdater,
 * miniBatchFraction 1, convergenceTol 0 so it never stops early) on a cached {@code RDD[LabeledPoint]}, fed
 * the way MLlib's own
 * GeneralizedLinearAlgorithm does: {@code points.map(lp -> (label, features))}.
 *
 * <p>In Spark 4.1 one call with N iterations runs N + 2 jobs: a {@code data.count()}, then one treeAggregate
 * per iteration, then one more treeAggregate after the last update that only computes the final loss (its
 * loop runs to N + 1). Per-iteration times come from the scheduler's job start times: iteration i lasts from
 * the start of its job to the start of the next one, which includes the broadcast and the driver-side update,
 * like Downhill's timing does; the count and the final-loss pass are not iterations.
 */
final class MllibGdRun {
    private MllibGdRun() {}

    static JavaRDD<LabeledPoint> points(JavaSparkContext jsc, SyntheticData data, long rows, int partitions) {
        int d = data.numFeatures;
        return SparkSide.partitions(jsc, partitions).mapPartitionsWithIndex((p, ignored) ->
                SparkSide.rows(data, rows, partitions, p, c -> new LabeledPoint(c.label, data.dense
                        ? Vectors.dense(c.values.clone())
                        : Vectors.sparse(d, Arrays.copyOf(c.indices, c.count), Arrays.copyOf(c.values, c.count)))),
                true);
    }

    static Result run(JavaSparkContext jsc, JobLog log, SyntheticData data, long rows, int partitions,
                      int warmup, int iterations, double[] theta0, double step) throws InterruptedException {
        Result r = new Result("mllib-gd");
        String group = "bench-mllib-gd";
        jsc.setJobGroup(group, "MLlib GD: load", false);
        Set<Integer> before = SparkSide.cachedRddIds(jsc);
        long t0 = System.nanoTime();
        JavaRDD<LabeledPoint> points = points(jsc, data, rows, partitions).persist(StorageLevel.MEMORY_ONLY());
        points.setName("bench MLlib LabeledPoints");
        points.count();
        r.loadSeconds = (System.nanoTime() - t0) / 1e9;
        r.cachedBytes = SparkSide.cachedBytesSince(jsc, before);
        Result.settle();
        try {
            JavaRDD<Tuple2<Object, Vector>> pairs = points.map(lp -> new Tuple2<>(lp.label(), lp.features()));
            int n = warmup + iterations;
            // MLlib has no intercept here: its starting point is theta0 without the last entry (which is 0).
            Vector initial = Vectors.dense(Arrays.copyOf(theta0, data.numFeatures));
            jsc.setJobGroup(group, "MLlib GD: " + n + " iterations", false);
            log.watch(group);
            long start = System.currentTimeMillis();
            Tuple2<Vector, double[]> out = GradientDescent.runMiniBatchSGD(pairs.rdd(), new LogisticGradient(),
                    new SimpleUpdater(), step, n, 0.0, 1.0, initial, 0.0);
            long end = System.currentTimeMillis();
            List<JobLog.Job> jobs = log.jobs(n + 2);
            if (jobs.size() != n + 2) {
                throw new IllegalStateException("expected " + (n + 2) + " jobs from MLlib GD (count, " + n
                        + " iterations, final loss), saw " + jobs.size());
            }
            double[] all = new double[n];
            for (int i = 0; i < n; i++) {
                all[i] = (jobs.get(i + 2).startMillis() - jobs.get(i + 1).startMillis()) / 1e3;
            }
            JobLog.Job last = jobs.get(n + 1);
            // From the start of the first timed iteration's job to the start of the final-loss pass.
            r.cpuSecondsPerIteration = (last.cpuNanosAtStart() - jobs.get(1 + warmup).cpuNanosAtStart()) / 1e9
                    / iterations;
            r.iterationSeconds = Stats.tail(all, iterations);
            r.secondsPerIteration = Stats.median(r.iterationSeconds);
            r.lossAtStart = out._2()[0];
            r.extra.put("passes", jobs.size());
            r.extra.put("lossHistoryEntries", out._2().length);
            r.extra.put("countPassSeconds", (jobs.get(0).endMillis() - jobs.get(0).startMillis()) / 1e3);
            r.extra.put("finalLossPassSeconds", (last.endMillis() - last.startMillis()) / 1e3);
            r.extra.put("callSeconds", (end - start) / 1e3);
            r.extra.put("warmupSeconds", Arrays.copyOf(all, warmup));
        } finally {
            points.unpersist(true);
        }
        return r;
    }
}
