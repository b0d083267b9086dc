package dev.downhill.driver.bench;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The command line of {@code scripts/bench}. */
final class BenchOptions {
    static final List<String> SECTIONS = List.of("dense", "sparse", "scaling", "overhead");
    /** Sections run only when --sections names them: optimizers (OptimizerRace) takes minutes. */
    static final List<String> OPTIONAL_SECTIONS = List.of("optimizers", "mlp", "scale", "scale-local");
    static final List<String> SYSTEMS = List.of("downhill", "mllib-gd", "ml-lr", "raw-loop", "core-loop",
            "memory-sweep");

    long rows = 1_000_000;
    int denseFeatures = 100;
    int sparseFeatures = 1 << 20;
    int nnz = 20;
    int iterations = 10;
    int warmup = 5;
    /** 0: one per core of the master (two for the optimizers and mlp sections). */
    int partitions;
    int blockRows = 4096;
    /** Untimed Downhill jobs on small data before any section (at most 20 ms each). */
    int sparkWarmupJobs = 1000;
    /** How Downhill (and core-loop) store features; the other systems always use doubles. */
    dev.downhill.core.data.FeaturePrecision precision = dev.downhill.core.data.FeaturePrecision.FLOAT64;
    long seed = 42;
    String master = "local[2]";
    Set<String> sections = new LinkedHashSet<>(SECTIONS);
    Set<String> systems = new LinkedHashSet<>(SYSTEMS);
    /** Empty: rows/8, rows/4, rows/2, rows. */
    List<Long> scalingRows = new ArrayList<>();
    long overheadRows = 1000;
    String json;
    boolean help;
    /** The optimizers section's options (--race-*). */
    RaceOptions race;
    /** The mlp section's options (--mlp-*). */
    MlpBench.Options mlp = new MlpBench.Options();
    /** The scale section's options (--scale-*): sharded against tree on scripts/local-cluster, 1 GiB drivers. */
    ClusterScaleBench.Options scale = new ClusterScaleBench.Options();
    /** The scale-local section's options (--scale-local-*): both paths in this JVM, local mode. */
    ScaleBench.Options scaleLocal = new ScaleBench.Options();

    static final String USAGE = String.join("\n",
            "usage: scripts/bench [options]",
            "Times one full-batch gradient iteration of logistic regression with Downhill, Spark MLlib's",
            "GradientDescent, Spark ml LogisticRegression and a plain Java loop (1 and 2 threads) on the same",
            "seeded data, in one JVM with a local Spark session; prints a table and checks the project's targets.",
            "",
            "  --rows N                rows of the dense and sparse data sets (default 1000000)",
            "  --dense-features D      features of the dense data (default 100)",
            "  --sparse-features D     features of the sparse data (default 1048576 = 2^20)",
            "  --nnz K                 non-zeros per sparse row (default 20)",
            "  --iterations N          timed iterations per measurement; medians over them (default 10)",
            "  --warmup N              untimed iterations first (default 5)",
            "  --partitions P          partitions of every cached data set (default 1 per core of --master;",
            "                          2 per core in the optimizers and mlp sections)",
            "  --block-rows N          rows per Downhill block (default 4096, as in production)",
            "  --spark-warmup N        untimed Downhill jobs on 2000 rows before any section, at most 20 ms",
            "                          each, so the JIT has compiled Spark's job path (default 1000)",
            "  --feature-precision P   float64 (default) or float32: how Downhill and core-loop store features",
            "                          (the targets are defined with float64)",
            "  --sections LIST         any of dense,sparse,scaling,overhead (default all), and optimizers, mlp, scale,",
            "                          scale-local",
            "                          (run only when named)",
            "  --systems LIST          any of downhill,mllib-gd,ml-lr,raw-loop,core-loop,memory-sweep (default",
            "                          all; scaling and overhead time Downhill and the sweep only). core-loop:",
            "                          worker-core's LossEvaluator over the same blocks on 1 and 2 threads",
            "                          without Spark; memory-sweep: reading the cached arrays once on 2 threads",
            "  --scaling-rows LIST     row counts of the scaling section (default rows/8,rows/4,rows/2,rows)",
            "  --overhead-rows N       rows of the overhead section (default 1000)",
            "  --seed S                data seed (default 42)",
            "  --master URL            Spark master (default local[2])",
            "  --json PATH             also write every figure as JSON to PATH",
            "  --help                  this text",
            "",
            "mlp section (MultilayerPerceptronClassifier against train --model mlp, the kernels' FLOP rate and the",
            "machine's dense multiply rate):",
            "scale-local section (sharded against tree aggregation in this JVM, local mode):",
            "  --scale-local-log2-features L  log2 of the feature counts (default 20,22)",
            "  --scale-local-rows N    rows of the hashed sparse data (default 200000)",
            "  --scale-local-nnz K     non-zeros drawn per row, skewed like text (default 30)",
            "  --scale-local-iterations N  L-BFGS iterations per run (default 5)",
            "  --scale-local-shards S  slices of the sharded runs (default one per 2^20 parameters)",
            "",
            "  --mlp-rows N            rows of image-like data (default 60000)",
            "  --mlp-side S            images are S x S pixels, S^2 features (default 28)",
            "  --mlp-hidden H          hidden sigmoid units (default 128)",
            "  --mlp-iterations N      timed L-BFGS iterations of each system (default 10)",
            "  --mlp-warmup N          iterations before them, not timed (default 3)",
            "  --mlp-limit-rounds N    timed rounds of the limit's products (default 3)",
            "  --mlp-dir PATH          keep the CSV and train's output here (default: a temporary folder)",
            "",
            RaceOptions.USAGE, "", ClusterScaleBench.USAGE);

    static BenchOptions parse(String[] args) {
        BenchOptions o = new BenchOptions();
        java.util.Map<String, String> raceArgs = new java.util.LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                o.help = true;
                continue;
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            String key;
            String value;
            int eq = a.indexOf('=');
            if (eq > 0) {
                key = a.substring(2, eq);
                value = a.substring(eq + 1);
            } else {
                key = a.substring(2);
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--" + key + " needs a value");
                }
                value = args[++i];
            }
            switch (key) {
                case "rows" -> o.rows = positiveLong(key, value);
                case "dense-features" -> o.denseFeatures = positiveInt(key, value);
                case "sparse-features" -> o.sparseFeatures = positiveInt(key, value);
                case "nnz" -> o.nnz = positiveInt(key, value);
                case "iterations" -> o.iterations = positiveInt(key, value);
                case "warmup" -> o.warmup = nonNegativeInt(key, value);
                case "partitions" -> o.partitions = positiveInt(key, value);
                case "block-rows" -> o.blockRows = positiveInt(key, value);
                case "spark-warmup" -> o.sparkWarmupJobs = nonNegativeInt(key, value);
                case "feature-precision" -> {
                    if (!value.equals("float64") && !value.equals("float32")) {
                        throw new IllegalArgumentException("--feature-precision: '" + value
                                + "' is not float64 or float32");
                    }
                    o.precision = dev.downhill.core.data.FeaturePrecision.valueOf(value.toUpperCase(Locale.ROOT));
                }
                case "sections" -> o.sections = list(key, value, concat(SECTIONS, OPTIONAL_SECTIONS));
                case "systems" -> o.systems = list(key, value, SYSTEMS);
                case "scaling-rows" -> {
                    o.scalingRows = new ArrayList<>();
                    for (String s : value.split(",")) {
                        o.scalingRows.add(positiveLong(key, s.trim()));
                    }
                }
                case "overhead-rows" -> o.overheadRows = positiveLong(key, value);
                case "seed" -> o.seed = parseLong(key, value);
                case "master" -> o.master = value;
                case "json" -> o.json = value;
                case "scale-local-log2-features" -> {
                    o.scaleLocal.log2Features = new ArrayList<>();
                    for (String v : value.split(",")) {
                        o.scaleLocal.log2Features.add(positiveInt(key, v.trim()));
                    }
                }
                case "scale-local-rows" -> o.scaleLocal.rows = positiveLong(key, value);
                case "scale-local-nnz" -> o.scaleLocal.nnz = positiveInt(key, value);
                case "scale-local-iterations" -> o.scaleLocal.iterations = positiveInt(key, value);
                case "scale-local-shards" -> o.scaleLocal.shards = positiveInt(key, value);
                case "mlp-rows" -> o.mlp.rows = positiveLong(key, value);
                case "mlp-side" -> o.mlp.side = positiveInt(key, value);
                case "mlp-hidden" -> o.mlp.hidden = positiveInt(key, value);
                case "mlp-iterations" -> o.mlp.iterations = positiveInt(key, value);
                case "mlp-warmup" -> o.mlp.warmup = nonNegativeInt(key, value);
                case "mlp-limit-rounds" -> o.mlp.limitRounds = positiveInt(key, value);
                case "mlp-dir" -> o.mlp.dir = value;
                default -> {
                    if (key.startsWith("scale-") && ClusterScaleBench.parse(o.scale, key, value)) {
                        break;
                    }
                    if (!key.startsWith("race-")) {
                        throw new IllegalArgumentException("unknown option --" + key);
                    }
                    raceArgs.put(key, value);
                }
            }
        }
        o.race = RaceOptions.parse(raceArgs, java.util.Arrays.asList(args).contains("--rows")
                || java.util.Arrays.stream(args).anyMatch(a -> a.startsWith("--rows=")) ? o.rows : null);
        if (o.scalingRows.isEmpty()) {
            for (long div : new long[] {8, 4, 2, 1}) {
                o.scalingRows.add(Math.max(1, o.rows / div));
            }
        }
        return o;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static Set<String> list(String key, String value, List<String> allowed) {
        Set<String> out = new LinkedHashSet<>();
        for (String s : value.split(",")) {
            String t = s.trim().toLowerCase(Locale.ROOT);
            if (!allowed.contains(t)) {
                throw new IllegalArgumentException("--" + key + ": '" + t + "' is not one of " + allowed);
            }
            out.add(t);
        }
        // Keep the canonical order whatever order was given.
        Set<String> ordered = new LinkedHashSet<>(allowed);
        ordered.retainAll(out);
        return ordered;
    }

    private static long parseLong(String key, String value) {
        try {
            return Long.parseLong(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + ": '" + value + "' is not an integer");
        }
    }

    private static long positiveLong(String key, String value) {
        long v = parseLong(key, value);
        if (v < 1) {
            throw new IllegalArgumentException("--" + key + " must be >= 1, got " + value);
        }
        return v;
    }

    private static int positiveInt(String key, String value) {
        return Math.toIntExact(positiveLong(key, value));
    }

    private static int nonNegativeInt(String key, String value) {
        long v = parseLong(key, value);
        if (v < 0) {
            throw new IllegalArgumentException("--" + key + " must be >= 0, got " + value);
        }
        return Math.toIntExact(v);
    }
}
