package dev.downhill.driver.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.driver.io.TrainingDataLoader;
import dev.downhill.driver.settings.Settings;
import dev.downhill.driver.train.MetricsLog;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * A cluster counterpart of the bench's {@code scale} section (issue #14), run on its own:
 * {@code java -cp <bench classpath> dev.downhill.driver.bench.ClusterScaleBench [--scale-* options] [--json PATH]}
 * (the classpath scripts/bench uses). Hashed text-like sparse logistic regression ({@link HashedTextData})
 * at 2^k features on the standalone cluster of {@code scripts/local-cluster} (started and stopped here), every run
 * a child process as a user would start it:
 * <ul>
 *   <li>{@code scripts/downhill-submit --driver-memory 1g train --aggregation sharded} at each size of
 *       --scale-log2-features (when train has the setting; until then the row says so);</li>
 *   <li>the tree-aggregated run at the largest size a driver of --scale-tree-heap holds (its parameters times
 *       {@link TrainingDataLoader#DRIVER_BYTES_PER_PARAMETER} within the heap), with that heap, and sharded at that
 *       size too, for the cost ratio (target: sharded at most 1.5 x tree per iteration) and the iteration-by-iteration
 *       objectives (target: relative difference at most 1e-10);</li>
 *   <li>the tree path with a 1 GiB driver at the larger sizes (refused: what sharded is for);</li>
 *   <li>Spark ml's LogisticRegression at the tree size with the tree's heap ({@link ScaleMlLr}).</li>
 * </ul>
 * Each Downhill row's figures come from the run's metrics.jsonl: seconds per iteration (median of the iterations'
 * "millis" after the first), bytes shuffled (written) and task-result bytes to the driver per iteration (medians),
 * and the driver heap's peaks (largest over the run). A fixed number of L-BFGS iterations (tolerances 0).
 */
final class ClusterScaleBench {
    private ClusterScaleBench() {}

    /** The section's options ({@code --scale-*}). */
    static final class Options {
        long rows = 20_000;
        List<Integer> log2Features = List.of(25, 26);
        int iterations = 5;
        String treeHeap = "4g";
        /** 0: the largest size the tree heap holds. */
        int treeLog2;
        String workerMemory = "3g";
        String executorMemory = "2g";
        int minTokens = 20;
        int maxTokens = 60;
        double l2 = 1e-4;
        /** Keep data and outputs here (default: a temporary folder, deleted). */
        String dir;
        /** A running cluster's master URL (default: start one with scripts/local-cluster). */
        String master;
        /** The sharded runs' --slice-copies (0: train's default). */
        int sliceCopies;
    }

    static final String USAGE = String.join("\n",
            "scale section (sharded vs tree aggregation on hashed sparse data, scripts/local-cluster, child runs):",
            "  --scale-rows N                rows of hashed text-like data (default 20000)",
            "  --scale-log2-features LIST    sizes 2^k for the sharded runs (default 25,26)",
            "  --scale-iterations N          L-BFGS iterations of every run (default 5)",
            "  --scale-tree-heap SIZE        the tree run's driver heap (default 4g)",
            "  --scale-tree-log2-features K  the tree (and ml LR) size (default: the largest the tree heap holds)",
            "  --scale-worker-memory SIZE    each of the 2 workers' memory (default 3g)",
            "  --scale-executor-memory SIZE  spark.executor.memory (default 2g)",
            "  --scale-master URL            use this cluster instead of starting scripts/local-cluster",
            "  --scale-dir PATH              keep data and outputs here (default: a temporary folder)",
            "  --scale-slice-copies N        the sharded runs' --slice-copies (default: train's, 2)");

    static boolean parse(Options o, String key, String value) {
        switch (key) {
            case "scale-rows" -> o.rows = Long.parseLong(value.replace("_", ""));
            case "scale-log2-features" -> o.log2Features = Arrays.stream(value.split(",")).map(String::trim)
                    .map(Integer::valueOf).toList();
            case "scale-iterations" -> o.iterations = Integer.parseInt(value);
            case "scale-tree-heap" -> o.treeHeap = value;
            case "scale-tree-log2-features" -> o.treeLog2 = Integer.parseInt(value);
            case "scale-worker-memory" -> o.workerMemory = value;
            case "scale-executor-memory" -> o.executorMemory = value;
            case "scale-master" -> o.master = value;
            case "scale-dir" -> o.dir = value;
            case "scale-slice-copies" -> o.sliceCopies = Integer.parseInt(value);
            default -> {
                return false;
            }
        }
        return true;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    static Path home() throws Exception {
        // driver/target/test-classes -> the project folder
        Path classes = Path.of(ClusterScaleBench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return classes.getParent().getParent().getParent();
    }

    /** Whether this build's train knows {@code --aggregation sharded}. */
    static boolean shardedAvailable() {
        try {
            Settings.parse(Settings.TRAIN, List.of("--input", "x", "--aggregation", "sharded"));
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The largest k whose 2^k-feature logistic model a driver of {@code heapBytes} holds (train's own test). */
    static int largestTreeLog2(long heapBytes) {
        int k = 10;
        while (k < 30 && ((1L << (k + 1)) + 1) * TrainingDataLoader.DRIVER_BYTES_PER_PARAMETER <= heapBytes) {
            k++;
        }
        return k;
    }

    static long bytes(String size) {
        String s = size.trim().toLowerCase(Locale.ROOT);
        long unit = switch (s.charAt(s.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            case 't' -> 1L << 40;
            default -> 1;
        };
        return Long.parseLong(unit == 1 ? s : s.substring(0, s.length() - 1)) * unit;
    }

    static Map<String, Object> run(Options o, long seed, PrintStream out) throws Exception {
        Path home = home();
        int treeLog2 = o.treeLog2 > 0 ? o.treeLog2 : largestTreeLog2(bytes(o.treeHeap));
        boolean sharded = shardedAvailable();
        TreeSet<Integer> sizes = new TreeSet<>(o.log2Features);
        sizes.add(treeLog2);
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("rows", o.rows);
        section.put("tokensPerRow", o.minTokens + ".." + o.maxTokens);
        section.put("iterations", o.iterations);
        section.put("treeLog2Features", treeLog2);
        section.put("treeHeap", o.treeHeap);
        section.put("shardedAvailable", sharded);
        out.printf(Locale.ROOT, "%n== scale: hashed text-like sparse logistic regression, %,d rows, %d-%d tokens a"
                + " row, sizes 2^%s, %d L-BFGS iterations, seed %d ==%n", o.rows, o.minTokens, o.maxTokens, sizes,
                o.iterations, seed);
        if (!sharded) {
            out.println("train has no --aggregation sharded yet: the sharded rows are not run");
        }
        Path root = o.dir != null ? Path.of(o.dir) : Files.createTempDirectory("downhill-bench-scale");
        Files.createDirectories(root);
        Path state = root.resolve("cluster");
        String master = o.master;
        List<Map<String, Object>> runs = new ArrayList<>();
        section.put("runs", runs);
        try {
            if (master == null) {
                progress("starting scripts/local-cluster (2 workers, 1 core, " + o.workerMemory
                        + " each)");
                Child c = child(home, root.resolve("local-cluster.log"), 300, home.resolve("scripts/local-cluster")
                        .toString(), "start", "--state", state.toString(), "--port", "0", "--webui-port", "0",
                        "--workers", "2", "--worker-cores", "1", "--worker-memory", o.workerMemory);
                master = c.output.lines().filter(l -> l.startsWith("spark://")).findFirst()
                        .orElseThrow(() -> new IllegalStateException("local-cluster start failed:\n" + c.output));
            }
            section.put("master", master);
            Map<Integer, Path> data = new LinkedHashMap<>();
            for (int k : sizes) {
                progress("writing " + o.rows + " rows hashed into 2^" + k + " buckets");
                data.put(k, new HashedTextData(seed, k, o.minTokens, o.maxTokens)
                        .write(root.resolve("data-" + k), o.rows, 4));
            }
            Map<String, Object> treeRun = downhill(home, master, o, root, data, treeLog2, "tree", o.treeHeap);
            runs.add(treeRun);
            Map<Integer, Map<String, Object>> shardedRuns = new LinkedHashMap<>();
            for (int k : sizes) {
                if (k > treeLog2) {
                    runs.add(downhill(home, master, o, root, data, k, "tree", "1g"));
                }
                if (sharded) {
                    Map<String, Object> r = downhill(home, master, o, root, data, k, "sharded", "1g");
                    shardedRuns.put(k, r);
                    runs.add(r);
                }
            }
            progress("Spark ml LogisticRegression at 2^" + treeLog2 + ", driver " + o.treeHeap);
            Map<String, Object> ml = mlLr(master, o, root, data.get(treeLog2), treeLog2);
            runs.add(ml);

            // Sharded against tree where both ran.
            Map<String, Object> sh = shardedRuns.get(treeLog2);
            if (sh != null && treeRun.get("secondsPerIteration") instanceof Double t
                    && sh.get("secondsPerIteration") instanceof Double s) {
                section.put("shardedOverTreeSecondsPerIteration", s / t);
                section.put("objectiveMaxRelativeDifference", maxRelativeDifference(
                        (double[]) treeRun.get("objectives"), (double[]) sh.get("objectives")));
            }
            print(out, runs);
            if (section.get("shardedOverTreeSecondsPerIteration") instanceof Double ratio) {
                out.printf(Locale.ROOT, "sharded / tree seconds per iteration at 2^%d: %.3f (target <= 1.5);"
                        + " objectives, iteration by iteration, max relative difference %.3e (target <= 1e-10)%n",
                        treeLog2, ratio, (Double) section.get("objectiveMaxRelativeDifference"));
            }
            section.put("loadAverageAtEnd", Bench.loadAverage());
        } finally {
            if (o.master == null && Files.exists(state)) {
                child(home, root.resolve("local-cluster-stop.log"), 120,
                        home.resolve("scripts/local-cluster").toString(), "stop", "--state", state.toString());
            }
            if (o.dir == null) {
                deleteRecursively(root);
            }
        }
        return section;
    }

    static double maxRelativeDifference(double[] a, double[] b) {
        if (a == null || b == null || a.length != b.length) {
            return Double.NaN;
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]) / Math.max(Math.abs(a[i]), Double.MIN_NORMAL));
        }
        return max;
    }

    private static void print(PrintStream out, List<Map<String, Object>> runs) {
        out.printf(Locale.ROOT, "%-30s %9s %10s %12s %12s %12s %12s  %s%n", "run", "driver", "s/iter", "shuffled/it",
                "results/it", "heap peak", "live peak", "note");
        for (Map<String, Object> r : runs) {
            if (r.get("error") != null) {
                out.printf(Locale.ROOT, "%-30s %9s %10s %12s %12s %12s %12s  not run: %s%n", r.get("name"),
                        r.get("driverHeap"), "-", "-", "-", "-", "-", r.get("error"));
                continue;
            }
            out.printf(Locale.ROOT, "%-30s %9s %10.3f %12s %12s %12s %12s  %s%n", r.get("name"), r.get("driverHeap"),
                    (Double) r.get("secondsPerIteration"), mib(r.get("shuffleWriteBytesPerIteration")),
                    mib(r.get("taskResultBytesPerIteration")), mib(r.get("driverHeapPeakBytes")),
                    mib(r.get("driverHeapLivePeakBytes")), r.getOrDefault("note", ""));
        }
        out.println("bytes in MiB; shuffled = shuffle bytes written, results = task results sent to the driver;"
                + " heap peak = sum of heap pools' peaks, live peak = largest heap in use after a collection");
    }

    private static String mib(Object bytes) {
        return bytes instanceof Number n ? String.format(Locale.ROOT, "%.1f", n.doubleValue() / (1 << 20)) : "-";
    }

    private static Map<String, Object> downhill(Path home, String master, Options o, Path root, Map<Integer, Path> data,
                                                int k, String aggregation, String heap) throws Exception {
        String name = "downhill " + aggregation + " 2^" + k;
        progress(name + ", driver " + heap);
        Path output = root.resolve("out-" + aggregation + "-" + k + "-" + heap);
        List<String> cmd = new ArrayList<>(List.of(home.resolve("scripts/downhill-submit").toString(), "--master",
                master, "--driver-memory", heap, "--conf", "spark.executor.memory=" + o.executorMemory,
                "--conf", "spark.driver.maxResultSize=0", "train", "--input", data.get(k).toString(),
                "--format", "libsvm", "--num-features", String.valueOf(1 << k), "--objective", "logistic",
                "--optimizer", "lbfgs", "--l2", String.valueOf(o.l2), "--max-iter", String.valueOf(o.iterations),
                "--tol", "0", "--rel-tol", "0", "--f-tol", "0", "--partitions", "4", "--checkpoint-every", "1000000",
                "--output", output.toString()));
        if (shardedAvailable()) {
            cmd.addAll(List.of("--aggregation", aggregation));
        }
        if (o.sliceCopies > 0 && "sharded".equals(aggregation)) {
            cmd.addAll(List.of("--slice-copies", String.valueOf(o.sliceCopies)));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("driverHeap", heap);
        m.put("command", String.join(" ", cmd));
        long start = System.nanoTime();
        Child c = child(home, root.resolve(output.getFileName() + ".log"), 1800, cmd.toArray(String[]::new));
        m.put("wallSeconds", (System.nanoTime() - start) / 1e9);
        m.put("exitCode", c.code);
        List<JsonNode> records = new ArrayList<>();
        Path metrics = output.resolve(MetricsLog.NAME);
        for (String line : Files.exists(metrics) ? Files.readAllLines(metrics) : List.<String>of()) {
            if (!line.isBlank()) {
                records.add(JSON.readTree(line));
            }
        }
        int n = records.size();
        if (c.code != 0) {
            String last = c.output.lines().filter(l -> l.startsWith("downhill:") || l.contains("Exception"))
                    .reduce((a, b) -> b).orElse("exit " + c.code);
            String why = "exit " + c.code + ": " + (last.length() > 160 ? last.substring(0, 160) + "..." : last);
            if (n < o.iterations) {
                m.put("error", why);
                return m;
            }
            // Every iteration ran: its figures stand, and the row says what failed after them.
            m.put("note", "after the iterations, " + why);
        }
        double[] objectives = new double[n];
        double[] seconds = new double[n];
        double[] shuffled = new double[n];
        double[] results = new double[n];
        long peak = 0;
        long live = -1;
        for (int i = 0; i < n; i++) {
            JsonNode r = records.get(i);
            objectives[i] = r.path("objective").asDouble();
            seconds[i] = r.path("millis").asDouble() / 1e3;
            shuffled[i] = r.path("shuffleWriteBytes").asDouble();
            results[i] = r.path("taskResultBytes").asDouble();
            peak = Math.max(peak, r.path("driverHeapPeakBytes").asLong());
            live = Math.max(live, r.path("driverHeapLivePeakBytes").asLong(-1));
        }
        int from = n > 1 ? 1 : 0; // the first iteration's figures include the starting point's pass
        m.put("iterations", n);
        m.put("objectives", objectives);
        m.put("iterationSeconds", seconds);
        m.put("secondsPerIteration", n == 0 ? null : Stats.median(Arrays.copyOfRange(seconds, from, n)));
        m.put("shuffleWriteBytesPerIteration", n == 0 ? null : Stats.median(Arrays.copyOfRange(shuffled, from, n)));
        m.put("taskResultBytesPerIteration", n == 0 ? null : Stats.median(Arrays.copyOfRange(results, from, n)));
        m.put("driverHeapPeakBytes", peak);
        m.put("driverHeapLivePeakBytes", live);
        if (!shardedAvailable()) {
            m.merge("note", "train has no --aggregation: tree aggregation", (a, b) -> a + "; " + b);
        }
        return m;
    }

    private static Map<String, Object> mlLr(String master, Options o, Path root, Path data, int k) throws Exception {
        Path json = root.resolve("ml-lr.json");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The bench JVM's flags (Spark's --add-opens), not its heap.
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-Xmx") && !a.startsWith("-agent") && !a.startsWith("-javaagent")) {
                cmd.add(a);
            }
        }
        cmd.addAll(List.of("-Xmx" + o.treeHeap, "-cp", System.getProperty("java.class.path"),
                ScaleMlLr.class.getName(), master, data.toString(), String.valueOf(1 << k),
                String.valueOf(o.iterations), String.valueOf(o.l2), o.executorMemory, json.toString()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "spark ml LogisticRegression 2^" + k);
        m.put("driverHeap", o.treeHeap);
        Child c = child(null, root.resolve("ml-lr.log"), 1800, cmd.toArray(String[]::new));
        if (!Files.exists(json)) {
            m.put("error", "exit " + c.code + ", no figures");
            return m;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> figures = JSON.readValue(json.toFile(), Map.class);
        m.putAll(figures);
        m.put("note", figures.get("settings"));
        return m;
    }

    public static void main(String[] args) throws Exception {
        Options o = new Options();
        String json = null;
        long seed = 42;
        for (int i = 0; i + 1 < args.length; i += 2) {
            String key = args[i].replaceFirst("^--", "");
            if (key.equals("json")) {
                json = args[i + 1];
            } else if (key.equals("seed")) {
                seed = Long.parseLong(args[i + 1]);
            } else if (!parse(o, key, args[i + 1])) {
                System.err.println("unknown option --" + key + "\n" + USAGE);
                System.exit(2);
            }
        }
        Map<String, Object> section = run(o, seed, System.out);
        if (json != null) {
            JSON.writerWithDefaultPrettyPrinter().writeValue(new java.io.File(json), Json.clean(section));
        }
    }

    private static void progress(String what) {
        System.err.println("bench: scale: " + what + " ...");
    }

    record Child(int code, String output) {}

    private static Child child(Path home, Path log, int timeoutSeconds, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("SPARK_HOME"); // SparkSubmit from the Maven classpath, as the cluster runs
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Child(-1, "timed out after " + timeoutSeconds + " s\n" + Files.readString(log));
        }
        return new Child(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
