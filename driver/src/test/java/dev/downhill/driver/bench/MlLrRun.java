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
 * DataFrame. One fit = setup (summary statistics pass, blockifying and caching its own copy of the data)
 * plus iterations, so it is fitted with maxIter k1 and k2: per iteration = (T2 - T1) / (iters2 - iters1)
 * with the iteration counts the models report, setup = T1 - iters1 * per iteration.
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

    /**
     * The first fits in a JVM pay for query-engine and JIT warm-up, which would bias the difference of two fits:
     * fit a smaller frame of the same shape first, untimed.
     */
    static void warmUp(SparkSession spark, JavaSparkContext jsc, SyntheticData data, long rows, int partitions,
                       int maxIter) {
        jsc.setJobGroup("bench-ml-lr-warmup", "ml LR: warm-up", false);
        Dataset<Row> small = frame(spark, jsc, data, Math.min(rows, 100_000), partitions)
                .persist(StorageLevel.MEMORY_ONLY());
        try {
            small.count();
            new LogisticRegression().setMaxIter(maxIter).setTol(0.0).setRegParam(0.0).fit(small);
        } finally {
            small.unpersist(true);
        }
    }

    static Result run(SparkSession spark, JavaSparkContext jsc, JobLog log, SyntheticData data, long rows,
                      int partitions, int firstIterations, int warmup, int iterations) throws InterruptedException {
        Result r = new Result("ml-lr");
        warmUp(spark, jsc, data, rows, partitions, firstIterations + Math.max(warmup, 1));
        jsc.setJobGroup("bench-ml-lr", "ml LR: load", false);
        Set<Integer> before = SparkSide.cachedRddIds(jsc);
        long t0 = System.nanoTime();
        Dataset<Row> df = frame(spark, jsc, data, rows, partitions).persist(StorageLevel.MEMORY_ONLY());
        df.count();
        r.loadSeconds = (System.nanoTime() - t0) / 1e9;
        r.cachedBytes = SparkSide.cachedBytesSince(jsc, before);
        try {
            int[] maxIter = {firstIterations, firstIterations + iterations};
            double[] seconds = new double[2];
            int[] done = new int[2];
            int[] passes = new int[2];
            double[] lastPasses = new double[0];
            for (int k = 0; k < 2; k++) {
                String group = "bench-ml-lr-" + maxIter[k];
                jsc.setJobGroup(group, "ml LR: maxIter " + maxIter[k], false);
                log.watch(group);
                LogisticRegression lr = new LogisticRegression().setMaxIter(maxIter[k]).setTol(0.0).setRegParam(0.0)
                        .setFamily("binomial");
                long s = System.currentTimeMillis();
                LogisticRegressionModel model = lr.fit(df);
                long e = System.currentTimeMillis();
                seconds[k] = (e - s) / 1e3;
                done[k] = model.summary().totalIterations();
                List<JobLog.Job> jobs = log.jobs(1);
                passes[k] = jobs.size();
                // Cross-check: job-to-job times of the last passes of the longer fit (one loss evaluation each).
                int m = Math.min(iterations, jobs.size() - 1);
                lastPasses = new double[m];
                for (int i = 0; i < m; i++) {
                    int j = jobs.size() - m + i;
                    long next = j + 1 < jobs.size() ? jobs.get(j + 1).startMillis() : e;
                    lastPasses[i] = (next - jobs.get(j).startMillis()) / 1e3;
                }
            }
            int extraIterations = done[1] - done[0];
            if (extraIterations > 0) {
                r.secondsPerIteration = (seconds[1] - seconds[0]) / extraIterations;
                r.setupSeconds = seconds[0] - done[0] * r.secondsPerIteration;
            }
            r.extra.put("maxIter", maxIter);
            r.extra.put("iterationsDone", done);
            r.extra.put("fitSeconds", seconds);
            r.extra.put("passes", passes);
            r.extra.put("lastPassSeconds", lastPasses);
            r.extra.put("medianLastPassSeconds", Stats.median(lastPasses));
        } finally {
            df.unpersist(true);
        }
        return r;
    }
}
