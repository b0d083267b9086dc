package dev.downhill.driver.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.driver.spark.DownhillSpark;
import java.io.File;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * {@code scripts/bench}: Downhill against Spark MLlib's GradientDescent, Spark ml LogisticRegression and a
 * plain Java loop, on the same seeded data, in one JVM and one local Spark session with Kryo registration
 * required as in production. Prints a table and the project's targets; {@code --json PATH} writes the same
 * figures. A tool, not a test: it lives in test sources only to reach Spark's provided jars.
 */
public final class Bench {
    /**
     * Classes the MLlib and ml jobs ship (task results, shuffles, broadcasts) that Spark's KryoSerializer does
     * not register itself. Added through spark.kryo.classesToRegister so registration stays required, as in
     * production; Downhill's own registrator is untouched.
     */
    static final String[] SPARK_ML_CLASSES = {
        // MLlib GradientDescent: its treeAggregate partials are (breeze DenseVector, loss, count).
        "breeze.linalg.DenseVector$mcD$sp",
        // ml LogisticRegression: the summary-statistics pass ...
        "org.apache.spark.ml.stat.SummarizerBuffer",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$ComputeM2n$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$ComputeMean$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$ComputeWeightSum$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$Mean$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$Std$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$Count$",
        "org.apache.spark.ml.stat.MultiClassSummarizer",
        // ... and the loss aggregator, which carries its coefficients' broadcast handle (Spark core types).
        "org.apache.spark.ml.optim.aggregator.BinaryLogisticBlockAggregator",
        "org.apache.spark.broadcast.TorrentBroadcast",
        "org.apache.spark.storage.BroadcastBlockId",
    };

    private final BenchOptions o;
    private final PrintStream out;
    private final Map<String, Object> json = new LinkedHashMap<>();
    private final List<Map<String, Object>> targets = new ArrayList<>();
    private SparkSession spark;
    private JavaSparkContext jsc;
    private JobLog log;
    private ExecutorService pool;
    /** Partitions of the dense, sparse, scaling and overhead data: one per core unless --partitions says. */
    private int partitions;
    /** Partitions of the optimizers and mlp sections: two per core unless --partitions says. */
    private int otherPartitions;
    private final long started = System.nanoTime();

    private Bench(BenchOptions o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        BenchOptions o;
        try {
            o = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: error: " + e.getMessage());
            System.err.println(BenchOptions.USAGE);
            System.exit(2);
            return;
        }
        if (o.help) {
            System.out.println(BenchOptions.USAGE);
            return;
        }
        new Bench(o, System.out).run();
    }

    private void run() throws Exception {
        SparkConf conf = DownhillSpark.configure(new SparkConf())
                .setMaster(o.master)
                .setAppName("downhill-bench")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
        if (SPARK_ML_CLASSES.length > 0) {
            conf.set("spark.kryo.classesToRegister", String.join(",", SPARK_ML_CLASSES) + ","
                    + String.join(",", SparkMlRace.KRYO_CLASSES));
        }
        spark = SparkSession.builder().config(conf).getOrCreate();
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        log = new JobLog();
        jsc.sc().addSparkListener(log);
        // One task per core: a pass is one wave of tasks, which took about a quarter less CPU per iteration
        // than two waves of half the size (issue #15). Every system of a section gets the same partitions.
        partitions = o.partitions > 0 ? o.partitions : jsc.defaultParallelism();
        otherPartitions = o.partitions > 0 ? o.partitions : 2 * jsc.defaultParallelism();
        pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "bench-raw-loop");
            t.setDaemon(true);
            return t;
        });
        try {
            header();
            if (o.sections.contains("mlp")) {
                progress("warm-up", "Downhill's matrix kernels, before any Spark ML code (see MlpBench)");
                json.put("kernelWarmupSeconds", MlpBench.warmUpKernels());
            }
            warmUpSpark();
            if (o.sections.contains("dense")) {
                comparison("dense", SyntheticData.dense(o.seed, o.denseFeatures));
            }
            if (o.sections.contains("sparse")) {
                comparison("sparse", SyntheticData.sparse(o.seed, o.sparseFeatures, o.nnz));
            }
            if (o.sections.contains("scaling")) {
                scaling();
            }
            if (o.sections.contains("overhead")) {
                overhead();
            }
            if (o.sections.contains("optimizers")) {
                json.put("optimizers", OptimizerRace.run(spark, jsc, log, o.race, o.seed, otherPartitions, o.blockRows,
                        out));
            }
            if (o.sections.contains("mlp")) {
                mlp();
            }
            if (o.sections.contains("scale-local")) {
                json.put("scale-local", ScaleBench.run(jsc, o.scaleLocal, o.seed, partitions, o.blockRows, out));
            }
            if (o.sections.contains("scale")) {
                json.put("scale", ClusterScaleBench.run(o.scale, o.seed, out));
            }
            printTargets();
            double runtime = (System.nanoTime() - started) / 1e9;
            json.put("targets", targets);
            json.put("runtimeSeconds", runtime);
            out.printf(Locale.ROOT, "%ntotal runtime %.1f s%n", runtime);
            if (o.json != null) {
                new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(new File(o.json), Json.clean(json));
                out.println("figures written to " + o.json);
            }
        } finally {
            pool.shutdownNow();
            spark.stop();
        }
    }

    private void header() {
        Runtime rt = Runtime.getRuntime();
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        env.put("cores", rt.availableProcessors());
        env.put("maxHeapBytes", rt.maxMemory());
        env.put("spark", spark.version());
        env.put("master", o.master);
        env.put("partitions", partitions);
        env.put("optimizersAndMlpPartitions", otherPartitions);
        env.put("serializer", jsc.getConf().get("spark.serializer"));
        env.put("kryoRegistrationRequired", jsc.getConf().get("spark.kryo.registrationRequired"));
        env.put("loadAverageAtStart", loadAverage());
        json.put("environment", env);
        Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("rows", o.rows);
        opts.put("denseFeatures", o.denseFeatures);
        opts.put("sparseFeatures", o.sparseFeatures);
        opts.put("nnz", o.nnz);
        opts.put("iterations", o.iterations);
        opts.put("warmup", o.warmup);
        opts.put("blockRows", o.blockRows);
        opts.put("featurePrecision", o.precision.name().toLowerCase(Locale.ROOT));
        opts.put("sections", new ArrayList<>(o.sections));
        opts.put("systems", new ArrayList<>(o.systems));
        opts.put("scalingRows", o.scalingRows);
        opts.put("overheadRows", o.overheadRows);
        opts.put("seed", o.seed);
        json.put("options", opts);
        out.printf(Locale.ROOT, "Downhill benchmark: %s, %d cores, heap %.1f GiB, Spark %s %s, %d partitions,"
                        + " Kryo (registration required %s)%n",
                env.get("java"), rt.availableProcessors(), rt.maxMemory() / 1073741824.0, spark.version(), o.master,
                partitions, env.get("kryoRegistrationRequired"));
        out.printf(Locale.ROOT, "seconds per iteration are medians of %d iterations after %d warm-up ones;"
                + " load average now %s%n", o.iterations, o.warmup, loadAverage());
    }

    /**
     * A fresh JVM runs Spark's job path (scheduler, broadcast, task launch, result handling) interpreted and
     * keeps compiling it for thousands of jobs: the first ones cost 20-200 ms of CPU each, against ~15 ms
     * after a few hundred, and per-task methods reach C2 only after a few thousand calls (with 300 jobs the
     * compiler still took 15% of the CPU during timed iterations). Whatever ran first would pay that, so run
     * --spark-warmup untimed Downhill jobs on a small data set before any section.
     */
    private void warmUpSpark() throws Exception {
        progress("warm-up", "untimed Downhill iterations on 2000 rows (" + o.sparkWarmupJobs + ", or "
                + o.sparkWarmupJobs / 50 + " s)");
        SyntheticData data = SyntheticData.dense(o.seed, o.denseFeatures);
        long deadline = System.nanoTime() + o.sparkWarmupJobs * 20_000_000L;
        for (int done = 0; done < o.sparkWarmupJobs && System.nanoTime() < deadline; done += 50) {
            DownhillRun.run(jsc, data, 2000, partitions, o.blockRows, o.precision, 49, 1, theta0(data), step(data));
        }
    }

    /** The common starting point: half the true weights, intercept 0 (so the loss there depends on the data). */
    private static double[] theta0(SyntheticData data) {
        double[] theta = new double[data.numFeatures + 1];
        double[] w = data.weights();
        for (int j = 0; j < w.length; j++) {
            theta[j] = 0.5 * w[j];
        }
        return theta;
    }

    /** 1/L with L = (1/4)(E||x||^2 + 1) for features uniform in [-1, 1): a safe fixed step for logistic loss. */
    private static double step(SyntheticData data) {
        return 1.0 / (0.25 * (data.nnz / 3.0 + 1.0));
    }

    private void comparison(String name, SyntheticData data) throws Exception {
        long rows = o.rows;
        long packed = RawLoop.packedBytes(data, rows);
        out.printf(Locale.ROOT, "%n== %s: %,d rows x %,d features%s, seed %d ==%n", name, rows, data.numFeatures,
                data.dense ? "" : String.format(Locale.ROOT, ", %d non-zeros per row", data.nnz), o.seed);
        double[] theta0 = theta0(data);
        double step = step(data);
        Map<String, Result> results = new LinkedHashMap<>();
        if (o.systems.contains("downhill")) {
            progress(name, "downhill");
            results.put("downhill", DownhillRun.run(jsc, data, rows, partitions, o.blockRows, o.precision, o.warmup, o.iterations,
                    theta0, step));
        }
        if (o.systems.contains("mllib-gd")) {
            progress(name, "mllib-gd");
            results.put("mllib-gd", MllibGdRun.run(jsc, log, data, rows, partitions, o.warmup, o.iterations, theta0,
                    step));
        }
        if (o.systems.contains("ml-lr")) {
            progress(name, "ml-lr");
            results.put("ml-lr", MlLrRun.run(spark, jsc, log, data, rows, partitions, o.warmup, o.iterations));
        }
        if (o.systems.contains("raw-loop") || o.systems.contains("memory-sweep")) {
            progress(name, o.systems.contains("raw-loop") ? "raw-loop" : "memory-sweep");
            long t0 = System.nanoTime();
            RawLoop raw = RawLoop.generate(data, rows, pool, 2);
            double load = (System.nanoTime() - t0) / 1e9;
            Result.settle();
            for (int threads : o.systems.contains("raw-loop") ? new int[] {1, 2} : new int[0]) {
                Result r = raw.run(pool, threads, o.warmup, o.iterations, theta0, step);
                r.loadSeconds = load;
                results.put(r.system, r);
            }
            if (o.systems.contains("memory-sweep")) {
                // The same bytes Downhill caches (cached/packed is 1.000 for float64), read once.
                Result r = MemorySweep.run(pool, 2, o.warmup, o.iterations, raw.arrays());
                r.loadSeconds = load;
                results.put(r.system, r);
            }
        }
        if (o.systems.contains("core-loop")) {
            progress(name, "core-loop");
            long t0 = System.nanoTime();
            CoreLoop core = CoreLoop.build(data, rows, partitions, o.blockRows, o.precision, pool);
            double load = (System.nanoTime() - t0) / 1e9;
            Result.settle();
            for (int threads : new int[] {1, 2}) {
                Result r = core.run(pool, threads, o.warmup, o.iterations, theta0, step);
                r.loadSeconds = load;
                results.put(r.system, r);
            }
        }

        Result dh = results.get("downhill");
        out.printf(Locale.ROOT, "%-16s %10s %12s %12s %9s %12s %14s%n", "system", "s/iter", "cpu s/iter",
                "Downhill/x", "load s", "cached MiB", "cached/packed");
        for (Result r : results.values()) {
            double ratio = dh == null ? Double.NaN : dh.secondsPerIteration / r.secondsPerIteration;
            out.printf(Locale.ROOT, "%-16s %10.4f %12s %12s %9.1f %12s %14s%s%n", r.system, r.secondsPerIteration,
                    fmt(r.cpuSecondsPerIteration, "%.4f"), fmt(ratio, "%.3f"), r.loadSeconds,
                    r.cachedBytes < 0 ? "-" : fmt(r.cachedBytes / 1048576.0, "%.1f"),
                    r.cachedBytes < 0 ? "-" : fmt((double) r.cachedBytes / packed, "%.3f"),
                    Double.isNaN(r.setupSeconds) ? "" : String.format(Locale.ROOT, "   setup %.1f s", r.setupSeconds));
        }
        out.printf(Locale.ROOT, "%-16s %10s %12s %12s %9s %12.1f %14s%n", "packed arrays", "", "", "", "",
                packed / 1048576.0, "1.000");
        out.println("s/iter: wall-clock median; cpu s/iter: CPU of the whole JVM per timed iteration (mean);"
                + " Downhill/x: Downhill's s/iter over the row's");
        if (dh != null && dh.extra.get("medianSlowestTaskComputeSeconds") instanceof Double compute) {
            out.printf(Locale.ROOT, "downhill: the slowest task computes for %.4f s of the %.4f s iteration (median);"
                    + " Spark's share is the rest, %.4f s%n", compute, dh.secondsPerIteration,
                    dh.secondsPerIteration - compute);
            dh.extra.put("medianSparkShareSeconds", dh.secondsPerIteration - compute);
        }
        Result sweep = results.get("memory-sweep");
        printSweepMultiple(dh, sweep);
        checkSameData(results);
        out.printf(Locale.ROOT, "load average at the end of the section: %s%n", loadAverage());

        Map<String, Object> section = new LinkedHashMap<>();
        section.put("rows", rows);
        section.put("features", data.numFeatures);
        section.put("nnzPerRow", data.nnz);
        section.put("packedBytes", packed);
        Map<String, Object> systems = new LinkedHashMap<>();
        for (Result r : results.values()) {
            systems.put(r.system, r.toJson());
        }
        section.put("systems", systems);
        Map<String, Object> ratios = new LinkedHashMap<>();
        if (dh != null) {
            for (String other : List.of("mllib-gd", "ml-lr", "raw-loop-1", "raw-loop-2", "core-1", "core-2",
                    "memory-sweep")) {
                if (results.containsKey(other)) {
                    ratios.put("downhill/" + other, dh.secondsPerIteration / results.get(other).secondsPerIteration);
                }
            }
            ratios.put("downhillCached/packed", (double) dh.cachedBytes / packed);
        }
        section.put("ratios", ratios);
        section.put("loadAverageAtEnd", loadAverage());
        json.put(name, section);

        // Issue #15: dense at least 6x MLlib GD and at most 2x the memory sweep; sparse no slower than the raw loop.
        double speedTarget = data.dense ? 6.0 : 1.5;
        Result gd = results.get("mllib-gd");
        Result raw2 = results.get("raw-loop-2");
        target(name, "Downhill/MLlib-GD time per iteration", dh == null || gd == null ? Double.NaN
                : dh.secondsPerIteration / gd.secondsPerIteration, 1.0 / speedTarget,
                String.format(Locale.ROOT, "(>= %.1fx faster)", speedTarget), true);
        target(name, "Downhill/raw-loop(2 threads) time per iteration", dh == null || raw2 == null ? Double.NaN
                : dh.secondsPerIteration / raw2.secondsPerIteration, data.dense ? 1.3 : 1.0, "", false);
        if (data.dense) {
            target(name, "Downhill/memory sweep time per iteration", dh == null || sweep == null ? Double.NaN
                    : dh.secondsPerIteration / sweep.secondsPerIteration, 2.0, "(limit row)", false);
        }
        target(name, "Downhill cached bytes / packed arrays", dh == null ? Double.NaN
                : (double) dh.cachedBytes / packed, 1.05, "", false);
    }

    /** Prints Downhill's time as a multiple of the memory sweep's, the section's limit row. */
    private void printSweepMultiple(Result dh, Result sweep) {
        if (dh != null && sweep != null) {
            out.printf(Locale.ROOT, "limit: reading the %.1f MiB of cached arrays once takes %.4f s (%.1f GB/s);"
                            + " Downhill's iteration is %.2fx that%n", sweep.cachedBytes / 1048576.0,
                    sweep.secondsPerIteration, sweep.cachedBytes / sweep.secondsPerIteration / 1e9,
                    dh.secondsPerIteration / sweep.secondsPerIteration);
        }
    }

    /** The memory sweep of a section whose data Spark caches: fresh arrays of the cached size, in the JVM. */
    private Result sweepOf(String section, long bytes, int warmup, int iterations) throws Exception {
        if (!o.systems.contains("memory-sweep") || bytes <= 0) {
            return null;
        }
        progress(section, "memory-sweep of " + bytes / 1048576 + " MiB");
        return MemorySweep.ofBytes(pool, 2, warmup, iterations, bytes);
    }

    /** {@code <section>.systems.memory-sweep}: where the checks read the limit row. */
    private static void putSweep(Map<String, Object> section, Result sweep) {
        if (sweep != null) {
            Map<String, Object> systems = new LinkedHashMap<>();
            systems.put(sweep.system, sweep.toJson());
            section.put("systems", systems);
        }
    }

    /** Downhill, MLlib GD and the raw loop start from theta0: their first losses must agree if the data do. */
    private void checkSameData(Map<String, Result> results) {
        StringBuilder line = new StringBuilder("same data check, mean loss at theta0:");
        double ref = Double.NaN;
        double worst = 0.0;
        int n = 0;
        for (Result r : results.values()) {
            if (Double.isNaN(r.lossAtStart)) {
                continue;
            }
            line.append(String.format(Locale.ROOT, " %s %.12f", r.system, r.lossAtStart));
            if (Double.isNaN(ref)) {
                ref = r.lossAtStart;
            } else {
                worst = Math.max(worst, Math.abs(r.lossAtStart - ref) / Math.abs(ref));
            }
            n++;
        }
        if (n >= 2) {
            // float32 features move the loss by ~1e-8 relative (2^-24 per feature).
            double agree = o.precision == dev.downhill.core.data.FeaturePrecision.FLOAT32 ? 1e-6 : 1e-9;
            line.append(worst <= agree ? String.format(Locale.ROOT, " -> agree (max rel. diff %.1e)", worst)
                    : String.format(Locale.ROOT, " -> MISMATCH (max rel. diff %.1e)", worst));
            out.println(line);
        }
    }

    private void scaling() throws Exception {
        SyntheticData data = SyntheticData.dense(o.seed, o.denseFeatures);
        out.printf(Locale.ROOT, "%n== scaling: Downhill, dense %d features ==%n", data.numFeatures);
        int m = o.scalingRows.size();
        // All sizes cached at once and iterated in turn, so a change in the machine's load hits every size
        // alike instead of bending the line; iterations are cheap here, so take more of them.
        int warmup = Math.max(o.warmup, 5);
        int iterations = Math.max(o.iterations, 20);
        List<DownhillRun.Loaded> loaded = new ArrayList<>();
        double[][] times = new double[m][warmup + iterations];
        try {
            for (long rows : o.scalingRows) {
                progress("scaling", "loading " + rows + " rows");
                loaded.add(new DownhillRun.Loaded(jsc, data, rows, partitions, o.blockRows, o.precision, theta0(data), step(data)));
            }
            Result.settle();
            progress("scaling", (warmup + iterations) + " rounds of one iteration per size");
            for (int it = 0; it < warmup + iterations; it++) {
                for (int i = 0; i < m; i++) {
                    times[i][it] = loaded.get(i).iterate();
                }
            }
        } finally {
            for (DownhillRun.Loaded l : loaded) {
                l.close();
            }
        }
        out.printf(Locale.ROOT, "medians of %d rounds after %d warm-up rounds, sizes interleaved%n", iterations, warmup);
        double[] x = new double[m];
        double[] y = new double[m];
        List<Map<String, Object>> points = new ArrayList<>();
        for (int i = 0; i < m; i++) {
            Result r = loaded.get(i).result;
            r.iterationSeconds = Stats.tail(times[i], iterations);
            r.secondsPerIteration = Stats.median(r.iterationSeconds);
            r.extra.put("warmupSeconds", java.util.Arrays.copyOf(times[i], warmup));
            x[i] = o.scalingRows.get(i);
            y[i] = r.secondsPerIteration;
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("rows", o.scalingRows.get(i));
            p.putAll(r.toJson());
            points.add(p);
        }
        double[] line = Stats.line(x, y);
        double worst = 0.0;
        out.printf(Locale.ROOT, "%12s %10s %16s %10s%n", "rows", "s/iter", "ns per row", "vs line");
        for (int i = 0; i < m; i++) {
            double fit = line[0] + line[1] * x[i];
            double dev = (y[i] - fit) / y[i];
            worst = Math.max(worst, Math.abs(dev));
            out.printf(Locale.ROOT, "%,12d %10.4f %16.1f %+9.1f%%%n", (long) x[i], y[i], 1e9 * y[i] / x[i], 100 * dev);
        }
        out.printf(Locale.ROOT, "line: %.1f ms + %.1f ns per row%n", 1e3 * line[0], 1e9 * line[1]);
        // The limit row for the largest size (the sweep's time is linear in the bytes).
        Result largest = loaded.get(m - 1).result;
        Result sweep = sweepOf("scaling", largest.cachedBytes, warmup, iterations);
        if (sweep != null) {
            sweep.extra.put("rows", o.scalingRows.get(m - 1));
            out.printf(Locale.ROOT, "at %,d rows: ", o.scalingRows.get(m - 1));
            printSweepMultiple(largest, sweep);
        }
        Map<String, Object> section = new LinkedHashMap<>();
        putSweep(section, sweep);
        section.put("features", data.numFeatures);
        section.put("points", points);
        section.put("interceptSeconds", line[0]);
        section.put("secondsPerRow", line[1]);
        section.put("maxRelativeDeviationFromLine", m >= 3 ? worst : null);
        section.put("loadAverageAtEnd", loadAverage());
        json.put("scaling", section);
        target("scaling", "max deviation of s/iter from a straight line in rows", m >= 3 ? worst : Double.NaN, 0.10,
                "(linear)", false);
    }

    private void overhead() throws Exception {
        SyntheticData data = SyntheticData.dense(o.seed, o.denseFeatures);
        progress("overhead", o.overheadRows + " rows");
        // Iterations are cheap here and the figure is small and jittery: more of both.
        int warmup = Math.max(o.warmup, 20);
        int iterations = Math.max(o.iterations, 30);
        Result r = DownhillRun.run(jsc, data, o.overheadRows, partitions, o.blockRows, o.precision, warmup, iterations,
                theta0(data), step(data));
        out.printf(Locale.ROOT, "%n== overhead: Downhill on %,d dense rows x %d features ==%n", o.overheadRows,
                data.numFeatures);
        out.printf(Locale.ROOT, "per iteration %.1f ms (median of %d after %d warm-up; min %.1f, max %.1f), CPU %.1f ms%n",
                1e3 * r.secondsPerIteration, iterations, warmup,
                1e3 * java.util.Arrays.stream(r.iterationSeconds).min().orElse(Double.NaN),
                1e3 * java.util.Arrays.stream(r.iterationSeconds).max().orElse(Double.NaN),
                1e3 * r.cpuSecondsPerIteration);
        Result empty = SparkFloor.emptyJob(jsc, partitions, warmup, iterations);
        Result broadcast = SparkFloor.broadcast(jsc, data.numFeatures + 1, warmup, iterations);
        out.printf(Locale.ROOT, "Spark floor on %d partitions: an empty job %.1f ms, a broadcast of %d doubles (create +"
                        + " destroy) %.1f ms (medians)%n", partitions, 1e3 * empty.secondsPerIteration,
                data.numFeatures + 1, 1e3 * broadcast.secondsPerIteration);
        Result sweep = sweepOf("overhead", r.cachedBytes, warmup, iterations);
        printSweepMultiple(r, sweep);
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("rows", o.overheadRows);
        section.put("features", data.numFeatures);
        section.putAll(r.toJson());
        putSweep(section, sweep);
        section.put("emptyJob", empty.toJson());
        section.put("broadcast", broadcast.toJson());
        section.put("loadAverageAtEnd", loadAverage());
        json.put("overhead", section);
        target("overhead", "Downhill seconds per iteration on " + o.overheadRows + " rows", r.secondsPerIteration,
                0.025, "", false);
    }

    private void mlp() throws Exception {
        Map<String, Object> section = MlpBench.run(spark, jsc, log, o.mlp, o.seed, otherPartitions, o.blockRows,
                out);
        json.put("mlp", section);
        // The data's float64 payload (features and labels), read once: the floor under any pass over it.
        if (section.get("rows") instanceof Number rows && section.get("features") instanceof Number d) {
            Result sweep = sweepOf("mlp", 8L * rows.longValue() * (d.longValue() + 1), o.mlp.warmup,
                    Math.max(o.mlp.iterations, 10));
            if (sweep != null && section.get("downhill") instanceof Map<?, ?> dh
                    && dh.get("secondsPerIteration") instanceof Double dhSec) {
                out.printf(Locale.ROOT, "limit: reading the %.1f MiB of features once takes %.4f s; Downhill's"
                                + " L-BFGS iteration is %.1fx that%n", sweep.cachedBytes / 1048576.0,
                        sweep.secondsPerIteration, dhSec / sweep.secondsPerIteration);
            }
            putSweep(section, sweep);
        }
        Map<?, ?> ratios = (Map<?, ?>) section.get("ratios");
        Object speed = ratios.get("downhill/mlpc");
        target("mlp", "Downhill/MLPC time per L-BFGS iteration", speed == null ? Double.NaN : (Double) speed,
                1.0 / 3, "(>= 3x faster)", true);
        target("mlp", "limit rate / forward+backward pass rate", 1.0 / (Double) ratios.get("kernelPass/limit"),
                1.0 / 0.6, "(pass >= 60% of it)", false);
    }

    private void target(String section, String what, double measured, double limit, String note, boolean speedUp) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("section", section);
        t.put("what", what);
        t.put("measured", measured);
        t.put("atMost", limit);
        t.put("pass", Double.isNaN(measured) ? null : measured <= limit);
        t.put("note", note);
        t.put("speedUp", speedUp);
        targets.add(t);
    }

    private void printTargets() {
        out.printf(Locale.ROOT, "%n== targets ==%n");
        for (Map<String, Object> t : targets) {
            double measured = (Double) t.get("measured");
            double limit = (Double) t.get("atMost");
            boolean speedUp = (Boolean) t.get("speedUp");
            String m = Double.isNaN(measured) ? "not measured"
                    : String.format(Locale.ROOT, "%.3f", measured)
                            + (!speedUp ? "" : measured <= 1.0
                                    ? String.format(Locale.ROOT, " (%.2fx faster)", 1.0 / measured)
                                    : String.format(Locale.ROOT, " (%.2fx slower)", measured));
            out.printf(Locale.ROOT, "%-9s %-55s %-24s need <= %.3f %-18s %s%n", t.get("section"), t.get("what"), m,
                    limit, t.get("note"), t.get("pass") == null ? "n/a" : (Boolean) t.get("pass") ? "PASS" : "FAIL");
        }
    }

    private void progress(String section, String what) {
        System.err.printf(Locale.ROOT, "bench: %6.1f s  %s: %s ...%n", (System.nanoTime() - started) / 1e9, section,
                what);
    }

    /** Load average over the last minute: the machine may be shared, and the timings are only as quiet as it. */
    static Double loadAverage() {
        try {
            return Double.valueOf(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (java.io.IOException | RuntimeException e) {
            double l = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            return l < 0 ? null : l;
        }
    }

    private static String fmt(double v, String f) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, f, v) : "-";
    }
}
