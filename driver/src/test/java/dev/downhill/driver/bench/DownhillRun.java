package dev.downhill.driver.bench;

import dev.downhill.core.data.BlockBuilder;
import dev.downhill.core.data.DataBlock;
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
                                     int blockRows) {
        return SparkSide.partitions(jsc, partitions).mapPartitionsWithIndex((p, ignored) -> {
            SyntheticData.Cursor c = data.cursor(SyntheticData.partitionStart(rows, partitions, p),
                    SyntheticData.partitionStart(rows, partitions, p + 1));
            List<DataBlock> out = new ArrayList<>();
            BlockBuilder builder = new BlockBuilder(data.numFeatures);
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

    static Result run(JavaSparkContext jsc, SyntheticData data, long rows, int partitions, int blockRows,
                      int warmup, int iterations, double[] theta0, double step)
            throws InterruptedException {
        Result r = new Result("downhill");
        jsc.setJobGroup("bench-downhill", "Downhill: load", false);
        long t0 = System.nanoTime();
        JavaRDD<DataBlock> blocks = blocks(jsc, data, rows, partitions, blockRows)
                .persist(StorageLevel.MEMORY_ONLY());
        blocks.setName("bench Downhill blocks");
        long numBlocks = blocks.count();
        r.loadSeconds = (System.nanoTime() - t0) / 1e9;
        r.cachedBytes = SparkSide.cachedBytes(jsc, blocks.id());
        r.extra.put("blocks", numBlocks);
        r.extra.put("payloadBytes", blocks.map(DataBlock::payloadBytes).reduce(Long::sum));
        Result.settle();
        try {
            SparkDataLoss loss = new SparkDataLoss(jsc, blocks, new LinearModel(data.numFeatures, 1), new LogisticLoss());
            double[] theta = theta0.clone();
            double[] g = new double[theta.length];
            double[] all = new double[warmup + iterations];
            long cpu = 0;
            for (int it = 0; it < all.length; it++) {
                jsc.setJobGroup("bench-downhill", "Downhill: iteration " + it, false);
                if (it == warmup) {
                    cpu = Result.processCpuNanos();
                }
                long s = System.nanoTime();
                GradientAccumulator acc = loss.evaluate(theta, true);
                acc.meanGradient(g);
                for (int j = 0; j < theta.length; j++) {
                    theta[j] -= step * g[j];
                }
                all[it] = (System.nanoTime() - s) / 1e9;
                if (it == 0) {
                    r.lossAtStart = acc.meanLoss();
                }
            }
            r.cpuSecondsPerIteration = (Result.processCpuNanos() - cpu) / 1e9 / iterations;
            r.iterationSeconds = Stats.tail(all, iterations);
            r.secondsPerIteration = Stats.median(r.iterationSeconds);
            r.extra.put("warmupSeconds", java.util.Arrays.copyOf(all, warmup));
        } finally {
            blocks.unpersist(true);
        }
        return r;
    }
}
