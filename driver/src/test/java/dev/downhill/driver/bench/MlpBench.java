package dev.downhill.driver.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.core.data.BlockBuilder;
import dev.downhill.core.data.BlockLayout;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.data.FeaturePrecision;
import dev.downhill.core.linalg.Gemm;
import dev.downhill.driver.io.TrainingData;
import dev.downhill.driver.io.TrainingDataLoader;
import dev.downhill.driver.settings.Settings;
import dev.downhill.driver.train.MetricsLog;
import dev.downhill.driver.train.TrainCommand;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The bench's {@code mlp} section: a network with one sigmoid hidden layer (inputs-hidden-10, softmax, L-BFGS)
 * on seeded image-like data ({@link ImageData}), in one run:
 * <ul>
 *   <li>Spark ml's MultilayerPerceptronClassifier (its L-BFGS, layers [d, hidden, 10]): seconds per iteration,
 *       the median of the gaps between breeze's end-of-iteration log lines after the warm-up iterations;</li>
 *   <li>Downhill's {@code train --model mlp --hidden H --activation sigmoid --optimizer lbfgs --objective
 *       softmax} on the same CSV: seconds per iteration from its metrics.jsonl (elapsedSeconds gaps), same
 *       count; when train does not accept the settings or fails, the row says why and the section goes on;</li>
 *   <li>a forward+backward pass of the same network over the same data, packed as train packs it, through
 *       the block products and {@link Gemm} on two threads without Spark: its FLOP rate;</li>
 *   <li>the limit: the machine's dense float64 multiply rate in this run, the best of Gemm and
 *       dev.ludovic.netlib's dgemm (its default instance, JNI when the system has a libblas.so.3, and its
 *       pure-Java VectorBLAS), each on two threads (rows split), on 4096 x 784 by 784 x 256; netlib's in a
 *       child JVM started for it, where its Vector API code is compiled fresh (see the JIT note).</li>
 * </ul>
 * Order: Downhill's train, then the kernels' pass and Gemm's rate, then netlib and MLPC. A JIT pitfall of JDK
 * 17's Vector API makes it matter: when netlib's VectorBLAS (Spark ML's BLAS) has run in the JVM before C2
 * compiles Gemm's register tile, C2 fails to intrinsify the tile's stores and boxes its vectors, and Gemm runs
 * 20 to 100 times slower for the life of the JVM; compiled first, it stays fast afterwards (measured here).
 * The {@code mlp} section runs after the other sections, so {@link Bench} warms the kernels up before any
 * section when mlp is among them.
 *
 * <p>FLOPs of a pass over n rows (multiply-adds counted twice): forward 2n(dH + HK), backward 2n(dH + 2HK) (the
 * weight gradients of both layers and the hidden layer's input gradient; no gradient with respect to the
 * data), so 2n(2dH + 3HK) in all; the "twice the forward" would add the unneeded 2n dH of dX.
 */
final class MlpBench {
    private MlpBench() {}

    /** The section's options ({@code --mlp-*}). */
    static final class Options {
        long rows = 60_000;
        int side = 28;
        int hidden = 128;
        int iterations = 10;
        int warmup = 3;
        /** Timed rounds of the limit's products (at least 0.3 s each). */
        int limitRounds = 3;
        /** Keep the CSV and the training output here (default: a temporary folder, deleted). */
        String dir;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    static Map<String, Object> run(SparkSession spark, JavaSparkContext jsc, JobLog log, Options o, long seed,
                                   int partitions, int blockRows, PrintStream out) throws Exception {
        ImageData images = new ImageData(seed, o.side);
        int d = images.numFeatures;
        int h = o.hidden;
        int k = ImageData.CLASSES;
        Map<String, Object> section = new LinkedHashMap<>();
        out.printf(Locale.ROOT, "%n== mlp: %,d rows x %d features (%dx%d image-like), %d-%d-%d sigmoid, softmax,"
                + " L-BFGS, seed %d ==%n", o.rows, d, o.side, o.side, d, h, k, seed);
        Path root = o.dir != null ? Path.of(o.dir) : Files.createTempDirectory("downhill-bench-mlp");
        Files.createDirectories(root);
        try {
            progress("writing " + o.rows + " rows of CSV");
            String input = root.resolve("images.csv").toUri().toString();
            deleteRecursively(root.resolve("images.csv"));
            jsc.setJobGroup("bench-mlp-write", "mlp: write the data", false);
            long rows = o.rows;
            SparkSide.partitions(jsc, partitions).mapPartitionsWithIndex((p, ignored) -> {
                long from = SyntheticData.partitionStart(rows, partitions, p);
                long to = SyntheticData.partitionStart(rows, partitions, p + 1);
                StringBuilder sb = new StringBuilder();
                double[] x = new double[d];
                return LongStream.range(from, to).mapToObj(i -> images.line(i, sb, x)).iterator();
            }, true).saveAsTextFile(input);
            int maxIter = o.warmup + o.iterations;
            List<String> base = List.of("--input", input, "--format", "csv", "--csv-header", "false",
                    "--objective", "softmax", "--optimizer", "lbfgs", "--max-iter", String.valueOf(maxIter),
                    "--block-rows", String.valueOf(blockRows), "--partitions", String.valueOf(partitions),
                    "--output", root.resolve("downhill").toUri().toString());
            List<String> mlpArgs = new ArrayList<>(base);
            mlpArgs.addAll(List.of("--model", "mlp", "--hidden", String.valueOf(h), "--activation", "sigmoid"));
            Settings settings = null;
            String refused = null;
            try {
                settings = Settings.parse(Settings.TRAIN, mlpArgs);
            } catch (RuntimeException e) {
                refused = "train refused the settings: " + e.getMessage();
            }
            progress("loading with Downhill's loader");
            TrainingDataLoader.Options lo = TrainCommand.loaderOptions(
                    settings != null ? settings : Settings.parse(Settings.TRAIN, base));
            boolean layoutSetHere = lo.blockLayout == BlockLayout.SMALLEST;
            lo.blockLayout = BlockLayout.FOR_MATRIX_PRODUCTS;
            jsc.setJobGroup(TrainCommand.JOB_GROUP, "mlp: load", false);
            TrainingData data = TrainingDataLoader.load(jsc, lo);
            Dataset<Row> df = null;
            try {
                section.put("rows", data.rows());
                section.put("features", d);
                section.put("layers", List.of(d, h, k));
                section.put("blocks", data.numBlocks);
                section.put("denseBlocks", data.denseBlocks);
                section.put("blockLayout", lo.blockLayout.name() + (layoutSetHere ? " (set by the bench; train's"
                        + " loader options had " + BlockLayout.SMALLEST + ")" : " (train's own)"));
                double flopsPerPass = 2.0 * data.rows() * (2.0 * d * h + 3.0 * h * k);
                section.put("flopsPerPass", flopsPerPass);

                // Downhill's train.
                Map<String, Object> dh;
                if (settings == null) {
                    dh = failed(refused);
                } else {
                    progress("Downhill train --model mlp, " + maxIter + " iterations");
                    dh = downhill(jsc, settings, data, root.resolve("downhill"), o);
                }
                section.put("downhill", dh);

                // The pass through the kernels, and the limit.
                progress("forward+backward passes through the kernels, 2 threads");
                Map<String, Object> pass = kernelPass(images, o.rows, blockRows, h, k, lo.precision, seed);
                section.put("kernelPass", pass);
                progress("limit: dense multiply rate (Gemm and netlib, 2 threads)");
                double ours = MatrixRate.gemm(4096, 256, 784, 2, o.limitRounds);
                // netlib and MLPC after every Downhill kernel has been compiled: see the class comment.
                double[] netlibRates = MatrixRate.netlibInFreshJvm(o.limitRounds);
                double netlibDefault = netlibRates[0];
                double netlibJava = netlibRates[1];
                String javaName = dev.ludovic.netlib.blas.JavaBLAS.getInstance().getClass().getSimpleName();
                double netlib = Math.max(netlibDefault, netlibJava);
                String netlibName = netlibDefault >= netlibJava ? MatrixRate.netlibName() : javaName;
                Map<String, Object> limit = new LinkedHashMap<>();
                limit.put("gemmGflops", ours);
                limit.put("netlibGflops", netlib);
                limit.put("netlibImplementation", netlibName);
                limit.put("netlibDefault", Map.of(MatrixRate.netlibName(), netlibDefault));
                limit.put("netlibJava", Map.of(javaName, netlibJava));
                limit.put("gflops", Math.max(ours, netlib));
                limit.put("which", ours >= netlib ? "Downhill Gemm" : "netlib " + netlibName);
                limit.put("product", "4096 x 784 by 784 x 256, float64, 2 threads (rows split)");
                section.put("limit", limit);

                // Spark ml's MLPC on the same doubles, last.
                progress("MultilayerPerceptronClassifier, " + maxIter + " iterations");
                df = SparkMlRace.frame(spark, data);
                Map<String, Object> mlpc = mlpc(jsc, log, df, d, h, k, seed, o);
                section.put("mlpc", mlpc);


                double mlpcSec = (Double) mlpc.get("secondsPerIteration");
                Double dhSec = (Double) dh.get("secondsPerIteration");
                double passGflops = (Double) pass.get("gflops");
                double limitGflops = (Double) limit.get("gflops");
                Map<String, Object> ratios = new LinkedHashMap<>();
                ratios.put("downhill/mlpc", dhSec == null ? null : dhSec / mlpcSec);
                ratios.put("kernelPass/limit", passGflops / limitGflops);
                if (dh.get("gflops") instanceof Double g) {
                    ratios.put("downhillTrain/limit", g / limitGflops);
                }
                ratios.put("mlpc/limit", (Double) mlpc.get("gflops") / limitGflops);
                section.put("ratios", ratios);

                out.printf(Locale.ROOT, "%-34s %10s %8s %10s  %s%n", "row", "s/iter", "iters", "GFLOPS", "note");
                out.printf(Locale.ROOT, "%-34s %10.4f %8d %10.1f  %s%n", "spark ml MLPC", mlpcSec,
                        (Integer) mlpc.get("iterations"), (Double) mlpc.get("gflops"), mlpc.get("settings"));
                if (dhSec == null) {
                    out.printf(Locale.ROOT, "%-34s %10s %8s %10s  not run: %s%n", "downhill train --model mlp", "-",
                            "-", "-", dh.get("error"));
                } else {
                    out.printf(Locale.ROOT, "%-34s %10.4f %8d %10.1f  %s evaluations/iteration (median)%n",
                            "downhill train --model mlp", dhSec, (Integer) dh.get("iterations"),
                            (Double) dh.get("gflops"), dh.get("evaluationsPerIteration"));
                }
                out.printf(Locale.ROOT, "%-34s %10.4f %8s %10.1f  per pass, 2 threads, no Spark (median of %d)%n",
                        "forward+backward through kernels", (Double) pass.get("secondsPerPass"), "-", passGflops,
                        (Integer) pass.get("passes"));
                out.printf(Locale.ROOT, "%-34s %10s %8s %10.1f  %s (Gemm %.1f, netlib %s %.1f, %s %.1f)%n",
                        "limit: dense multiply", "-", "-", limitGflops, limit.get("which"), ours,
                        MatrixRate.netlibName(), netlibDefault, javaName, netlibJava);
                out.printf(Locale.ROOT, "Downhill/MLPC time per iteration: %s; forward+backward pass / limit: %.3f%s%n",
                        dhSec == null ? "n/a" : String.format(Locale.ROOT, "%.3f", dhSec / mlpcSec),
                        passGflops / limitGflops, ratios.containsKey("downhillTrain/limit") ? String.format(Locale.ROOT,
                        "; Downhill train / limit: %.3f", (Double) ratios.get("downhillTrain/limit")) : "");
                out.printf(Locale.ROOT, "GFLOPS count 2n(2dH + 3HK) per pass (forward 2n(dH + HK), backward"
                        + " 2n(dH + 2HK)); zero fraction of the data %.3f%n", (Double) pass.get("zeroFraction"));
                section.put("loadAverageAtEnd", Bench.loadAverage());
            } finally {
                if (df != null) {
                    df.unpersist(true);
                }
                data.release();
            }
        } finally {
            if (o.dir == null) {
                deleteRecursively(root);
            }
        }
        return section;
    }

    /**
     * Runs Gemm's three products on the network's shapes until C2 has compiled them (their rate has risen
     * tenfold over the first, interpreted, round; at least 3 s, at most 30 s), before any netlib or Spark ML
     * code runs in this JVM (see the class comment). Returns the seconds it took.
     */
    static double warmUpKernels() {
        long start = System.nanoTime();
        int m = 600;
        int h = 128;
        int d = 256;
        double[] x = MatrixRate.random(m * d, 1);
        double[] w = MatrixRate.random(h * d, 2);
        double[] z = new double[m * h];
        double[] g = new double[h * d];
        double[] w2 = MatrixRate.random(10 * h, 3);
        double[] dh = new double[m * h];
        double slowest = 0;
        while (true) {
            long t0 = System.nanoTime();
            Gemm.multiplyTransposed(m, h, d, x, 0, d, w, 0, d, z, 0, h, false);
            Gemm.transposedMultiplyAdd(h, d, m, z, 0, h, x, 0, d, g, 0, d);
            Gemm.multiply(m, h, 10, z, 0, h, w2, 0, h, dh, 0, h, false);
            double seconds = (System.nanoTime() - t0) / 1e9;
            slowest = Math.max(slowest, seconds);
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (elapsed > 30 || elapsed > 3 && seconds * 10 < slowest) {
                return elapsed;
            }
        }
    }

    private static Map<String, Object> failed(String why) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", why);
        m.put("secondsPerIteration", null);
        return m;
    }

    private static Map<String, Object> mlpc(JavaSparkContext jsc, JobLog log, Dataset<Row> df, int d, int h, int k,
                                            long seed, Options o) throws Exception {
        int maxIter = o.warmup + o.iterations;
        MultilayerPerceptronClassifier mlpc = new MultilayerPerceptronClassifier().setLayers(new int[] {d, h, k})
                .setSolver("l-bfgs").setMaxIter(maxIter).setTol(0.0).setSeed(seed);
        String group = "bench-mlp-mlpc";
        jsc.setJobGroup(group, "mlp: MultilayerPerceptronClassifier", false);
        log.watch(group);
        BreezeIterationClock clock = BreezeIterationClock.install();
        long start = System.currentTimeMillis();
        MultilayerPerceptronClassificationModel model;
        try {
            model = mlpc.fit(df);
        } finally {
            if (clock != null) {
                clock.close();
            }
        }
        long end = System.currentTimeMillis();
        jsc.sc().listenerBus().waitUntilEmpty();
        List<JobLog.Job> jobs = log.jobs(0);
        List<Long> ends = clock == null ? List.of() : clock.iterationEnds();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("settings", "layers [" + d + ", " + h + ", " + k + "], solver l-bfgs, tol 0, maxIter " + maxIter
                + ", blockSize " + mlpc.getBlockSize());
        m.put("iterations", ends.size());
        m.put("jobs", jobs.size());
        m.put("fitSeconds", (end - start) / 1e3);
        double[] gaps = gaps(ends, start);
        m.put("iterationSeconds", gaps);
        double sec;
        if (gaps.length > o.warmup) {
            sec = Stats.median(Arrays.copyOfRange(gaps, o.warmup, gaps.length));
            m.put("secondsFrom", "median gap between breeze's end-of-iteration lines after " + o.warmup
                    + " warm-up iterations");
        } else {
            sec = (end - start) / 1e3 / Math.max(1, ends.size());
            m.put("secondsFrom", "the whole fit over its iterations (too few iterations logged)");
        }
        m.put("secondsPerIteration", sec);
        double[] history = model.summary().objectiveHistory();
        m.put("objectiveHistory", history);
        // One evaluation of loss and gradient per L-BFGS iteration when the first trial step is taken.
        m.put("gflops", 2.0 * df.count() * (2.0 * d * h + 3.0 * h * k) / sec * 1e-9);
        return m;
    }

    /** Gaps between consecutive instants, the first from the start. */
    private static double[] gaps(List<Long> ends, long start) {
        double[] g = new double[ends.size()];
        long prev = start;
        for (int i = 0; i < g.length; i++) {
            g[i] = (ends.get(i) - prev) / 1e3;
            prev = ends.get(i);
        }
        return g;
    }

    private static Map<String, Object> downhill(JavaSparkContext jsc, Settings settings, TrainingData data,
                                                Path output, Options o) {
        Map<String, Object> m = new LinkedHashMap<>();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        long start = System.currentTimeMillis();
        try {
            new TrainCommand(settings, quiet).train(jsc, data);
        } catch (Exception | LinkageError e) {
            return failed("train failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        m.put("callSeconds", (System.currentTimeMillis() - start) / 1e3);
        List<JsonNode> records = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(output.resolve(MetricsLog.NAME))) {
                if (!line.isBlank()) {
                    records.add(JSON.readTree(line));
                }
            }
        } catch (IOException e) {
            return failed("no " + MetricsLog.NAME + " from train: " + e.getMessage());
        }
        double[] gaps = new double[records.size()];
        double[] evals = new double[records.size()];
        double prev = 0;
        long prevEvals = 0;
        for (int i = 0; i < gaps.length; i++) {
            double t = records.get(i).path("elapsedSeconds").asDouble();
            long e = records.get(i).path("evaluations").asLong();
            gaps[i] = t - prev;
            evals[i] = e - prevEvals;
            prev = t;
            prevEvals = e;
        }
        m.put("iterations", records.size());
        m.put("iterationSeconds", gaps);
        if (gaps.length <= o.warmup) {
            return failed("train made " + gaps.length + " iterations, not more than the " + o.warmup + " warm-up");
        }
        double sec = Stats.median(Arrays.copyOfRange(gaps, o.warmup, gaps.length));
        double evalsPerIteration = Stats.median(Arrays.copyOfRange(evals, o.warmup, evals.length));
        m.put("secondsPerIteration", sec);
        m.put("evaluationsPerIteration", evalsPerIteration);
        m.put("secondsFrom", "median gap of metrics.jsonl elapsedSeconds after " + o.warmup + " warm-up iterations");
        m.put("objective", records.get(records.size() - 1).path("objective").asDouble());
        m.put("gflops", evalsPerIteration * 2.0 * data.rows() * (2.0 * data.numFeatures * o.hidden
                + 3.0 * o.hidden * ImageData.CLASSES) / sec * 1e-9);
        return m;
    }

    /**
     * Forward and backward passes of a d-H-K sigmoid/softmax network over the data packed as train packs it
     * (BlockBuilder, FOR_MATRIX_PRODUCTS), two threads taking alternate blocks, each with its own gradient: the
     * products through DataBlock.multiplyTransposed / transposeMultiplyAddMatrix and Gemm, the element-wise
     * steps in plain loops. Median wall seconds of several passes after one warm-up pass.
     */
    static Map<String, Object> kernelPass(ImageData images, long rows, int blockRows, int h, int k,
                                          FeaturePrecision precision, long seed) throws Exception {
        int d = images.numFeatures;
        List<DataBlock> blocks = new ArrayList<>();
        BlockBuilder b = new BlockBuilder(d, precision, BlockLayout.FOR_MATRIX_PRODUCTS);
        double[] x = new double[d];
        long zeros = 0;
        for (long i = 0; i < rows; i++) {
            int label = images.fill(i, x);
            for (double v : x) {
                zeros += v == 0.0 ? 1 : 0;
            }
            b.addDenseRow(label, 1.0, x);
            if (b.numRows() == blockRows) {
                blocks.add(b.build());
            }
        }
        if (b.numRows() > 0) {
            blocks.add(b.build());
        }
        java.util.Random r = new java.util.Random(seed);
        double[] w1 = new double[h * d];
        double[] w2 = new double[k * h];
        for (int i = 0; i < w1.length; i++) {
            w1[i] = r.nextGaussian() * Math.sqrt(2.0 / (d + h));
        }
        for (int i = 0; i < w2.length; i++) {
            w2[i] = r.nextGaussian() * Math.sqrt(2.0 / (h + k));
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Double> times = new ArrayList<>();
            long budget = System.nanoTime() + 20_000_000_000L;
            for (int pass = 0; pass < 8 && (pass < 3 || System.nanoTime() < budget); pass++) {
                long t0 = System.nanoTime();
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    int first = t;
                    fs.add(pool.submit(() -> {
                        Pass p = new Pass(d, h, k, blockRows);
                        for (int i = first; i < blocks.size(); i += 2) {
                            p.run(blocks.get(i), w1, w2);
                        }
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
                times.add((System.nanoTime() - t0) / 1e9);
            }
            double[] all = times.stream().mapToDouble(Double::doubleValue).toArray();
            double sec = Stats.median(Arrays.copyOfRange(all, 1, all.length));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("passes", all.length - 1);
            m.put("passSeconds", all);
            m.put("secondsPerPass", sec);
            m.put("gflops", 2.0 * rows * (2.0 * d * h + 3.0 * h * k) / sec * 1e-9);
            m.put("denseBlocks", blocks.stream().filter(DataBlock::isDense).count());
            m.put("blocks", blocks.size());
            m.put("zeroFraction", (double) zeros / ((double) rows * d));
            return m;
        } finally {
            pool.shutdownNow();
        }
    }

    /** One thread's scratch and gradient for {@link #kernelPass}. */
    private static final class Pass {
        final int d;
        final int h;
        final int k;
        final double[] z1;
        final double[] z2;
        final double[] dh;
        final double[] g1;
        final double[] g2;

        Pass(int d, int h, int k, int rows) {
            this.d = d;
            this.h = h;
            this.k = k;
            z1 = new double[rows * h];
            z2 = new double[rows * k];
            dh = new double[rows * h];
            g1 = new double[h * d];
            g2 = new double[k * h];
        }

        void run(DataBlock block, double[] w1, double[] w2) {
            int n = block.numRows();
            block.multiplyTransposed(w1, 0, h, z1);
            for (int i = 0; i < n * h; i++) {
                z1[i] = 1.0 / (1.0 + Math.exp(-z1[i]));
            }
            Gemm.multiplyTransposed(n, k, h, z1, 0, h, w2, 0, h, z2, 0, k, false);
            for (int i = 0; i < n; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < k; c++) {
                    max = Math.max(max, z2[i * k + c]);
                }
                double sum = 0;
                for (int c = 0; c < k; c++) {
                    z2[i * k + c] = Math.exp(z2[i * k + c] - max);
                    sum += z2[i * k + c];
                }
                for (int c = 0; c < k; c++) {
                    z2[i * k + c] /= sum;
                }
                z2[i * k + (int) block.label(i)] -= 1.0;
            }
            Gemm.transposedMultiplyAdd(k, h, n, z2, 0, k, z1, 0, h, g2, 0, h);
            Gemm.multiply(n, h, k, z2, 0, k, w2, 0, h, dh, 0, h, false);
            for (int i = 0; i < n * h; i++) {
                dh[i] *= z1[i] * (1.0 - z1[i]);
            }
            block.transposeMultiplyAddMatrix(dh, h, g1, 0);
        }
    }

    private static void progress(String what) {
        System.err.println("bench: mlp: " + what + " ...");
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
