package dev.downhill.driver.bench;

import dev.downhill.core.data.BlockBuilder;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.L2Penalty;
import dev.downhill.core.objective.RegularizedObjective;
import dev.downhill.core.optim.LBFGS;
import dev.downhill.core.optim.Minimizer;
import dev.downhill.core.optim.StopCriteria;
import dev.downhill.core.optim.VectorFreeLBFGS;
import dev.downhill.core.optim.VectorFreeMinimizer;
import dev.downhill.driver.sharded.PullPlan;
import dev.downhill.driver.sharded.ShardedDataLoss;
import dev.downhill.driver.sharded.ShardedObjective;
import dev.downhill.driver.sharded.ShardedVector;
import dev.downhill.driver.sharded.ShardedVectors;
import dev.downhill.driver.sharded.SliceLayout;
import dev.downhill.driver.spark.SparkDataLoss;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.storage.StorageLevel;

/**
 * The scale section (issue #14): hashed sparse logistic regression with 2^k features, rows of tens of non-zeros
 * skewed like text (feature j drawn as floor(d u^3): a few frequent features, a long tail), trained for a few
 * L-BFGS iterations with --aggregation sharded (vector-free L-BFGS on slices) and, where the driver could hold
 * it (192 bytes a parameter within half the heap), with the tree path, side by side. Per run: seconds per
 * iteration, shuffle bytes written per iteration, and the driver's peak heap (the heap pools' peak usage since
 * the run started, after a GC). Runs in the bench's JVM and master; a 1 GiB driver on a cluster is the
 * acceptance run of the issue, not this section.
 */
final class ScaleBench {
    private ScaleBench() {}

    /** The section's options (--scale-*). */
    static final class Options {
        List<Integer> log2Features = new ArrayList<>(List.of(20, 22));
        long rows = 200_000;
        int nnz = 30;
        int iterations = 5;
        int shards = 0;
    }

    /** Rows of the hashed, skewed data: a pure function of (seed, row), labels from a hashed true weight. */
    static JavaRDD<DataBlock> data(JavaSparkContext jsc, long seed, int d, long rows, int nnz, int partitions,
                                   int blockRows) {
        return SparkSide.partitions(jsc, partitions).mapPartitionsWithIndex((p, ignored) -> {
            long from = SyntheticData.partitionStart(rows, partitions, p);
            long to = SyntheticData.partitionStart(rows, partitions, p + 1);
            List<DataBlock> out = new ArrayList<>();
            BlockBuilder builder = new BlockBuilder(d);
            int[] idx = new int[nnz];
            double[] val = new double[nnz];
            for (long r = from; r < to; r++) {
                long state = SyntheticData.mix(seed * 0x9e3779b97f4a7c15L + r);
                for (int t = 0; t < nnz; t++) {
                    state = SyntheticData.mix(state + t);
                    double u = SyntheticData.unit(state);
                    idx[t] = (int) Math.min(d - 1, Math.floor(u * u * u * d));
                }
                Arrays.sort(idx);
                int count = 0;
                double margin = 0;
                for (int t = 0; t < nnz; t++) {
                    if (count > 0 && idx[count - 1] == idx[t]) {
                        continue;
                    }
                    idx[count] = idx[t];
                    val[count] = 1.0;
                    double w = SyntheticData.unit(SyntheticData.mix(seed ^ (idx[t] * 0x2545f4914f6cdd1dL))) - 0.5;
                    margin += 3 * w;
                    count++;
                }
                double noise = SyntheticData.unit(SyntheticData.mix(state ^ 0x5bd1e995L));
                builder.addSparseRow(noise < 1 / (1 + Math.exp(-margin)) ? 1 : 0, 1.0, idx, val, count);
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

    /** Shuffle bytes written by finished tasks. */
    static final class ShuffleBytes extends SparkListener {
        final AtomicLong written = new AtomicLong();

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            if (end.taskMetrics() != null) {
                written.addAndGet(end.taskMetrics().shuffleWriteMetrics().bytesWritten());
            }
        }
    }

    static void resetPeaks() {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
    }

    /** Sum of the heap pools' peak usage since the last reset (an upper bound of the peak heap). */
    static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    static Map<String, Object> run(JavaSparkContext jsc, Options o, long seed, int partitions, int blockRows,
                                   PrintStream out) {
        ShuffleBytes shuffle = new ShuffleBytes();
        jsc.sc().addSparkListener(shuffle);
        Map<String, Object> section = new LinkedHashMap<>();
        List<Map<String, Object>> runs = new ArrayList<>();
        out.printf(Locale.ROOT, "%nscale: hashed sparse logistic regression, %d rows x %d non-zeros (skewed), %d"
                + " L-BFGS iterations, heap %.1f GiB%n", o.rows, o.nnz, o.iterations,
                Runtime.getRuntime().maxMemory() / 1073741824.0);
        out.printf(Locale.ROOT, "%-10s %-8s %8s %12s %14s %14s %18s%n", "features", "path", "slices", "s/iteration",
                "shuffle/iter", "driver peak", "objective");
        for (int log2 : o.log2Features) {
            int d = 1 << log2;
            JavaRDD<DataBlock> blocks = data(jsc, seed, d, o.rows, o.nnz, partitions, blockRows)
                    .persist(StorageLevel.MEMORY_ONLY());
            blocks.count();
            LinearModel model = new LinearModel(d, 1);
            L2Penalty penalty = new L2Penalty(1e-6, model);
            StopCriteria criteria = StopCriteria.iterations(o.iterations);
            // sharded
            int slices = o.shards > 0 ? o.shards : Math.max(partitions, (model.numParameters() + (1 << 20) - 1)
                    >> 20);
            resetPeaks();
            SliceLayout layout = new SliceLayout(model.numParameters(), slices);
            PullPlan plan = PullPlan.build(blocks, d, 1, layout);
            ShardedVectors vectors = new ShardedVectors();
            ShardedObjective f = new ShardedObjective(new ShardedDataLoss(plan, Objective.LOGISTIC.loss(2),
                    penalty), vectors);
            VectorFreeLBFGS<ShardedVector> lbfgs = new VectorFreeLBFGS<>(vectors, LBFGS.DEFAULT_HISTORY);
            VectorFreeLBFGS.State<ShardedVector> state = lbfgs.initialize(f, ShardedVector.zeros(jsc, layout));
            long bytes0 = shuffle.written.get();
            long start = System.nanoTime();
            VectorFreeMinimizer.Result<ShardedVector> r = new VectorFreeMinimizer<>(lbfgs, criteria)
                    .run(f, state, (s, it) -> { }, null, null);
            double seconds = (System.nanoTime() - start) / 1e9;
            long iterations = Math.max(1, r.state().iteration());
            runs.add(row(out, d, "sharded", slices, seconds / iterations,
                    (shuffle.written.get() - bytes0) / iterations, peakHeap(), r.objective()));
            r.state().release(vectors);
            if (r.best() != null) {
                vectors.release(r.best());
            }
            plan.release();
            // tree, when the driver holds it comfortably
            long treeBytes = 192L * model.numParameters();
            if (treeBytes <= Runtime.getRuntime().maxMemory() / 2) {
                resetPeaks();
                RegularizedObjective tree = new RegularizedObjective(new SparkDataLoss(jsc, blocks, model,
                        Objective.LOGISTIC.loss(2)), penalty);
                long b0 = shuffle.written.get();
                long t0 = System.nanoTime();
                Minimizer.Result tr = new Minimizer(new LBFGS(LBFGS.DEFAULT_HISTORY), criteria)
                        .minimize(tree, new double[model.numParameters()], (s, it) -> { });
                double ts = (System.nanoTime() - t0) / 1e9;
                long ti = Math.max(1, tr.state().iteration());
                runs.add(row(out, d, "tree", 0, ts / ti, (shuffle.written.get() - b0) / ti, peakHeap(),
                        tr.objective()));
            } else {
                out.printf(Locale.ROOT, "%-10s %-8s (not run: %.1f GiB of driver heap needed)%n", "2^" + log2,
                        "tree", treeBytes / 1073741824.0);
            }
            blocks.unpersist(true);
        }
        jsc.sc().removeSparkListener(shuffle);
        section.put("rows", o.rows);
        section.put("nnzPerRow", o.nnz);
        section.put("iterations", o.iterations);
        section.put("runs", runs);
        return section;
    }

    private static Map<String, Object> row(PrintStream out, int d, String path, int slices, double secondsPerIteration,
                                           long shufflePerIteration, long peak, double objective) {
        out.printf(Locale.ROOT, "%-10s %-8s %8s %12.3f %11.1f MiB %10.1f MiB %18.12g%n",
                "2^" + Integer.numberOfTrailingZeros(d), path, slices > 0 ? String.valueOf(slices) : "-",
                secondsPerIteration, shufflePerIteration / 1048576.0, peak / 1048576.0, objective);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("features", d);
        m.put("path", path);
        m.put("slices", slices);
        m.put("secondsPerIteration", secondsPerIteration);
        m.put("shuffleBytesPerIteration", shufflePerIteration);
        m.put("driverPeakHeapBytes", peak);
        m.put("objective", objective);
        return m;
    }
}
