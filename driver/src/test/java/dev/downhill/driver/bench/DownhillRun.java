package dev.downhill.driver.bench;

import dev.downhill.core.data.BlockBuilder;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.data.FeaturePrecision;
import dev.downhill.core.loss.LogisticLoss;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.GradientAccumulator;
import dev.downhill.driver.spark.SparkDataLoss;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;

/**
 * Downhill's full-batch iteration as production runs it: worker-core blocks built per partition with
 * {@link BlockBuilder} and cached MEMORY_ONLY, then per iteration one {@link SparkDataLoss#evaluate} (broadcast,
 * per-partition accumulation, ordered aggregation) and the gradient step on the driver.
 */
final class DownhillRun {
    private DownhillRun() {}

    /** Packs each partition's rows into blocks of up to blockRows rows, like TrainingDataLoader does. */
    static JavaRDD<DataBlock> blocks(JavaSparkContext jsc, SyntheticData data, long rows, int partitions,
                                     int blockRows, FeaturePrecision precision) {
        return SparkSide.partitions(jsc, partitions).mapPartitionsWithIndex((p, ignored) -> {
            SyntheticData.Cursor c = data.cursor(SyntheticData.partitionStart(rows, partitions, p),
                    SyntheticData.partitionStart(rows, partitions, p + 1));
            List<DataBlock> out = new ArrayList<>();
            BlockBuilder builder = new BlockBuilder(data.numFeatures, precision);
            while (c.next()) {
                if (data.dense) {
                    builder.addDenseRow(c.label, 1.0, c.values);
                } else {
                    builder.addSparseRow(c.label, 1.0, c.indices, c.values, c.count);
                }
                if (builder.numRows() == blockRows) {
                    out.add(builder.build());
                }
            }
            if (builder.numRows() > 0) {
                out.add(builder.build());
            }
            return out.iterator();
        }, true);
    }

    /** Cached blocks and the optimizer state: one {@link #iterate} is one timed Downhill iteration. */
    static final class Loaded implements AutoCloseable {
        final Result result = new Result("downhill");
        private final JavaSparkContext jsc;
        private final JavaRDD<DataBlock> blocks;
        private final SparkDataLoss loss;
        private final double[] theta;
        private final double[] g;
        private final double step;
        private int done;
        /** Per iteration: the slowest task's compute time (what Spark adds is the rest). */
        final List<Double> taskComputeSeconds = new ArrayList<>();

        Loaded(JavaSparkContext jsc, SyntheticData data, long rows, int partitions, int blockRows,
               FeaturePrecision precision, double[] theta0,
               double step) throws InterruptedException {
            this.jsc = jsc;
            this.step = step;
            jsc.setJobGroup("bench-downhill", "Downhill: load", false);
            long t0 = System.nanoTime();
            blocks = blocks(jsc, data, rows, partitions, blockRows, precision).persist(StorageLevel.MEMORY_ONLY());
            blocks.setName("bench Downhill blocks of " + rows + " rows");
            long numBlocks = blocks.count();
            result.loadSeconds = (System.nanoTime() - t0) / 1e9;
            result.cachedBytes = SparkSide.cachedBytes(jsc, blocks.id());
            result.extra.put("blocks", numBlocks);
            result.extra.put("payloadBytes", blocks.map(DataBlock::payloadBytes).reduce(Long::sum));
            loss = new SparkDataLoss(jsc, blocks, new LinearModel(data.numFeatures, 1), new LogisticLoss());
            theta = theta0.clone();
            g = new double[theta.length];
        }

        /** One evaluation of loss and gradient plus the step on the driver; returns its wall-clock seconds. */
        double iterate() {
            jsc.setJobGroup("bench-downhill", "Downhill: iteration " + done, false);
            long s = System.nanoTime();
            GradientAccumulator acc = loss.evaluate(theta, true);
            acc.meanGradient(g);
            for (int j = 0; j < theta.length; j++) {
                theta[j] -= step * g[j];
            }
            double seconds = (System.nanoTime() - s) / 1e9;
            taskComputeSeconds.add(loss.takeTiming().computeNanos / 1e9);
            if (done++ == 0) {
                result.lossAtStart = acc.meanLoss();
            }
            return seconds;
        }

        @Override
        public void close() {
            blocks.unpersist(true);
        }
    }

    static Result run(JavaSparkContext jsc, SyntheticData data, long rows, int partitions, int blockRows,
                      FeaturePrecision precision,
                      int warmup, int iterations, double[] theta0, double step) throws InterruptedException {
        try (Loaded d = new Loaded(jsc, data, rows, partitions, blockRows, precision, theta0, step)) {
            Result.settle();
            Result r = d.result;
            double[] all = new double[warmup + iterations];
            long cpu = 0;
            for (int it = 0; it < all.length; it++) {
                if (it == warmup) {
                    cpu = Result.processCpuNanos();
                }
                all[it] = d.iterate();
            }
            r.cpuSecondsPerIteration = (Result.processCpuNanos() - cpu) / 1e9 / iterations;
            r.iterationSeconds = Stats.tail(all, iterations);
            r.secondsPerIteration = Stats.median(r.iterationSeconds);
            r.extra.put("warmupSeconds", java.util.Arrays.copyOf(all, warmup));
            r.extra.put("slowestTaskComputeSeconds", d.taskComputeSeconds.subList(warmup, all.length));
            r.extra.put("medianSlowestTaskComputeSeconds", Stats.median(Stats.tail(
                    d.taskComputeSeconds.stream().mapToDouble(Double::doubleValue).toArray(), iterations)));
            return r;
        }
    }
}
