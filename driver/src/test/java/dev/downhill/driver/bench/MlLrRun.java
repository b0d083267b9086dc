package dev.downhill.driver.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Spark ml {@code LogisticRegression} (L-BFGS, tol 0, no regularization, default standardization) on a cached
 * DataFrame, fitted once with maxIter = warmup + iterations. A fit runs one job per pass over the data: the
 * summary statistics, the first loss evaluation (which also blockifies and caches ml's own copy of the data),
 * then one evaluation per iteration as long as the line search takes its first step. Iteration k lasts from
 * the start of its job to the start of the next one (the last: to the end of fit), so it includes the
 * driver's L-BFGS update and the broadcast; per iteration is the median of the last {@code iterations};
 * setup is the rest of the fit.
 *
 * <p>Not the difference of two fits with different maxIter: on a shared machine their setups (a minute at
 * 10^6 rows) differ by more than ten iterations cost, which made that estimate negative.
 */
final class MlLrRun {
    private MlLrRun() {}

    static Dataset<Row> frame(SparkSession spark, JavaSparkContext jsc, SyntheticData data, long rows,
                              int partitions) {
        int d = data.numFeatures;
        JavaRDD<Row> rdd = SparkSide.partitions(jsc, partitions).mapPartitionsWithIndex((p, ignored) ->
                SparkSide.rows(data, rows, partitions, p, c -> RowFactory.create(c.label, data.dense
                        ? Vectors.dense(c.values.clone())
                        : Vectors.sparse(d, Arrays.copyOf(c.indices, c.count), Arrays.copyOf(c.values, c.count)))),
                true);
        StructType schema = new StructType()
                .add("label", DataTypes.DoubleType, false)
                .add("features", SQLDataTypes.VectorType(), false);
        return spark.createDataFrame(rdd, schema);
    }

    private static boolean warmedUp;

    /** The first fit in a JVM pays for query-engine and JIT warm-up: fit a small frame first, untimed. */
    static void warmUp(SparkSession spark, JavaSparkContext jsc, SyntheticData data, long rows, int partitions) {
        if (warmedUp) {
            return;
        }
        warmedUp = true;
        jsc.setJobGroup("bench-ml-lr-warmup", "ml LR: warm-up", false);
        Dataset<Row> small = frame(spark, jsc, data, Math.min(rows, 5_000), partitions)
                .persist(StorageLevel.MEMORY_ONLY());
        try {
            small.count();
            new LogisticRegression().setMaxIter(3).setTol(0.0).setRegParam(0.0).fit(small);
        } finally {
            small.unpersist(true);
        }
    }

    static Result run(SparkSession spark, JavaSparkContext jsc, JobLog log, SyntheticData data, long rows,
                      int partitions, int warmup, int iterations) throws InterruptedException {
        Result r = new Result("ml-lr");
        warmUp(spark, jsc, data, rows, partitions);
        jsc.setJobGroup("bench-ml-lr", "ml LR: load", false);
        Set<Integer> before = SparkSide.cachedRddIds(jsc);
        long t0 = System.nanoTime();
        Dataset<Row> df = frame(spark, jsc, data, rows, partitions).persist(StorageLevel.MEMORY_ONLY());
        df.count();
        r.loadSeconds = (System.nanoTime() - t0) / 1e9;
        r.cachedBytes = SparkSide.cachedBytesSince(jsc, before);
        Result.settle();
        try {
            int maxIter = warmup + iterations;
            String group = "bench-ml-lr-fit";
            jsc.setJobGroup(group, "ml LR: maxIter " + maxIter, false);
            log.watch(group);
            LogisticRegression lr = new LogisticRegression().setMaxIter(maxIter).setTol(0.0).setRegParam(0.0)
                    .setFamily("binomial");
            long start = System.currentTimeMillis();
            LogisticRegressionModel model = lr.fit(df);
            long end = System.currentTimeMillis();
            long endCpu = Result.processCpuNanos();
            int done = model.summary().totalIterations();
            List<JobLog.Job> jobs = log.jobs(1);
            // Jobs 0 and 1: statistics and the first evaluation; then one per iteration.
            int first = 2;
            double fit = (end - start) / 1e3;
            r.extra.put("maxIter", maxIter);
            r.extra.put("iterationsDone", done);
            r.extra.put("passes", jobs.size());
            r.extra.put("fitSeconds", fit);
            if (jobs.size() >= first) {
                r.extra.put("statisticsPassSeconds", (jobs.get(0).endMillis() - jobs.get(0).startMillis()) / 1e3);
                r.extra.put("firstEvaluationSeconds", (jobs.get(1).endMillis() - jobs.get(1).startMillis()) / 1e3);
            }
            if (done >= 1 && jobs.size() == first + done) {
                double[] all = new double[done];
                for (int i = 0; i < done; i++) {
                    int j = first + i;
                    long next = j + 1 < jobs.size() ? jobs.get(j + 1).startMillis() : end;
                    all[i] = (next - jobs.get(j).startMillis()) / 1e3;
                }
                r.iterationSeconds = Stats.tail(all, iterations);
                r.secondsPerIteration = Stats.median(r.iterationSeconds);
                r.setupSeconds = fit - Arrays.stream(all).sum();
                r.cpuSecondsPerIteration = (endCpu - jobs.get(jobs.size() - r.iterationSeconds.length).cpuNanosAtStart())
                        / 1e9 / r.iterationSeconds.length;
                r.extra.put("warmupSeconds", Arrays.copyOf(all, Math.max(0, done - iterations)));
                r.extra.put("method", "median of job-to-job times of the last iterations of one fit");
            } else if (done >= 1 && jobs.size() > first) {
                // Some iteration needed extra line-search evaluations: fall back to the mean over all iterations.
                double iterating = (end - jobs.get(first).startMillis()) / 1e3;
                r.secondsPerIteration = iterating / done;
                r.setupSeconds = fit - iterating;
                r.extra.put("method", "mean over all iterations (" + jobs.size() + " passes for " + done
                        + " iterations: extra line-search evaluations)");
            }
        } finally {
            df.unpersist(true);
        }
        return r;
    }
}
