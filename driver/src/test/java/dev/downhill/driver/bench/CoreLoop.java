package dev.downhill.driver.bench;

import dev.downhill.core.data.BlockBuilder;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.data.FeaturePrecision;
import dev.downhill.core.loss.LogisticLoss;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.GradientAccumulator;
import dev.downhill.core.objective.LocalDataLoss;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Diagnostic: worker-core's own loop (LossEvaluator over the same blocks Downhill caches) on 1 and 2 plain
 * threads, no Spark. Downhill minus core-2 is what Spark adds per iteration; core-1 minus raw-loop-1 is what
 * the block kernels cost over a fused loop.
 */
final class CoreLoop {
    /** The blocks of each of the partitions, exactly as DownhillRun packs them. */
    private final List<List<DataBlock>> parts = new ArrayList<>();
    private final SyntheticData data;

    private CoreLoop(SyntheticData data) {
        this.data = data;
    }

    static CoreLoop build(SyntheticData data, long rows, int partitions, int blockRows, FeaturePrecision precision,
                          ExecutorService pool)
            throws Exception {
        CoreLoop c = new CoreLoop(data);
        List<Future<List<DataBlock>>> futures = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            final int pid = p;
            futures.add(pool.submit(() -> pack(data, rows, partitions, pid, blockRows, precision)));
        }
        for (Future<List<DataBlock>> f : futures) {
            c.parts.add(f.get());
        }
        return c;
    }

    private static List<DataBlock> pack(SyntheticData data, long rows, int partitions, int p, int blockRows,
                                        FeaturePrecision precision) {
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
        return out;
    }

    /** Partitions split into {@code threads} contiguous groups; each thread folds its group, merged in order. */
    Result run(ExecutorService pool, int threads, int warmup, int iterations, double[] theta0, double step)
            throws Exception {
        Result r = new Result("core-" + threads);
        LinearModel model = new LinearModel(data.numFeatures, 1);
        List<LocalDataLoss> losses = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<DataBlock> mine = new ArrayList<>();
            int from = (int) SyntheticData.partitionStart(parts.size(), threads, t);
            int to = (int) SyntheticData.partitionStart(parts.size(), threads, t + 1);
            for (int p = from; p < to; p++) {
                mine.addAll(parts.get(p));
            }
            losses.add(new LocalDataLoss(mine, model, new LogisticLoss()));
        }
        double[] theta = theta0.clone();
        double[] g = new double[theta.length];
        double[] all = new double[warmup + iterations];
        long cpu = 0;
        for (int it = 0; it < all.length; it++) {
            if (it == warmup) {
                cpu = Result.processCpuNanos();
            }
            long s = System.nanoTime();
            final double[] at = theta;
            List<Future<GradientAccumulator>> futures = new ArrayList<>();
            for (LocalDataLoss l : losses) {
                futures.add(threads == 1 ? java.util.concurrent.CompletableFuture.completedFuture(l.evaluate(at, true))
                        : pool.submit(() -> l.evaluate(at, true)));
            }
            GradientAccumulator acc = futures.get(0).get();
            for (int t = 1; t < futures.size(); t++) {
                acc.merge(futures.get(t).get());
            }
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
        long bytes = 0;
        for (List<DataBlock> part : parts) {
            for (DataBlock b : part) {
                bytes += b.payloadBytes();
            }
        }
        r.extra.put("payloadBytes", bytes);
        r.extra.put("warmupSeconds", java.util.Arrays.copyOf(all, warmup));
        return r;
    }
}
