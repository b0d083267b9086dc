package dev.downhill.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.driver.checkpoint.DownhillRuns;
import dev.downhill.driver.checkpoint.DownhillRuns.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * evaluate and predict with a sharded model scored from its shards on the executors (each data partition pulls
 * the parameters its features need) against the same model assembled on the driver and broadcast: the same
 * metrics and the same prediction files, byte for byte, in local[2] on a model both paths can hold. The path is
 * forced by {@link ShardedModelFile#assembleLimitBytes}.
 */
class ShardedScoringTest {
    @TempDir
    Path dir;

    @AfterEach
    void restoreLimit() {
        ShardedModelFile.assembleLimitBytes = -1;
    }

    static Run run(List<String> args) {
        return DownhillRuns.inProcess(args);
    }

    /**
     * Sparse rows skewed like text, in libsvm form, spread over three files so the input has several partitions
     * with different feature sets; labels 0 .. classes - 1 from a random linear rule.
     */
    static Path libsvm(Path folder, int rows, int d, int classes, long seed) throws IOException {
        Random r = new Random(seed);
        double[][] truth = new double[classes][];
        for (int c = 0; c < classes; c++) {
            truth[c] = r.doubles(d, -1, 1).toArray();
        }
        Files.createDirectories(folder);
        StringBuilder[] files = {new StringBuilder(), new StringBuilder(), new StringBuilder()};
        for (int i = 0; i < rows; i++) {
            TreeSet<Integer> idx = new TreeSet<>();
            int nnz = 2 + r.nextInt(8);
            // file f draws mostly from its own third of the features
            int f = i * files.length / rows;
            while (idx.size() < nnz) {
                int j = r.nextDouble() < 0.8 ? f * d / 3 + r.nextInt(d / 3) : r.nextInt(d);
                idx.add(j);
            }
            StringBuilder row = new StringBuilder();
            double[] margin = new double[classes];
            for (int j : idx) {
                double v = Math.round(r.nextDouble() * 100) / 25.0 + 0.25;
                for (int c = 0; c < classes; c++) {
                    margin[c] += truth[c][j] * v;
                }
                row.append(' ').append(j + 1).append(':').append(v);
            }
            int label = 0;
            if (classes == 2) {
                label = margin[0] + r.nextGaussian() > 0 ? 1 : 0;
            } else {
                for (int c = 1; c < classes; c++) {
                    label = margin[c] > margin[label] ? c : label;
                }
            }
            files[f].append(label).append(row).append('\n');
        }
        for (int f = 0; f < files.length; f++) {
            Files.writeString(folder.resolve("part-" + f + ".libsvm"), files[f].toString());
        }
        return folder;
    }

    static Map<String, String> predictionFiles(Path out) throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        try (java.util.stream.Stream<Path> list = Files.list(out)) {
            for (Path p : list.filter(f -> f.getFileName().toString().startsWith("part-")).sorted().toList()) {
                // the part file names carry a run id: keep their number only
                files.put(p.getFileName().toString().substring(0, 10), Files.readString(p));
            }
        }
        return files;
    }

    /** Dense CSV rows "label,a,b,c,d" with a linear target and noise, split over three files. */
    static Path csv(Path folder, int rows, long seed) throws IOException {
        Random r = new Random(seed);
        Files.createDirectories(folder);
        for (int f = 0; f < 3; f++) {
            StringBuilder sb = new StringBuilder("label,a,b,c,d\n");
            for (int i = 0; i < rows / 3; i++) {
                double[] x = r.doubles(4, -2, 2).toArray();
                double y = 1.5 * x[0] - 2 * x[1] + 0.5 * x[3] + 0.3 + 0.1 * r.nextGaussian();
                sb.append(y);
                for (double v : x) {
                    sb.append(',').append(v);
                }
                sb.append('\n');
            }
            Files.writeString(folder.resolve("part-" + f + ".csv"), sb.toString());
        }
        return folder;
    }

    @Test
    void scoringFromTheShardsGivesTheAssembledModelsBits() throws IOException {
        for (String objective : new String[] {"logistic", "softmax"}) {
            Path input = libsvm(dir.resolve(objective + "-data"), 450, 90, "logistic".equals(objective) ? 2 : 3, 11);
            Path model = dir.resolve(objective + "-model");
            Run train = run(List.of("train", "--input", input.toString(), "--objective", objective, "--output",
                    model.toString(), "--master", "local[2]", "--partitions", "3", "--progress-bar", "off",
                    "--aggregation", "sharded", "--shards", "4", "--max-iter", "15", "--l2", "1e-3"));
            assertEquals(0, train.code(), train.err());
            JsonNode metrics = bothPathsAgree(objective, model, input, 450, List.of());
            assertTrue(metrics.size() >= 5 && metrics.get("accuracy").asDouble() > 0.6, metrics.toString());
            if ("logistic".equals(objective)) {
                assertTrue(metrics.get("rocAuc").asDouble() > 0.6, metrics.toString());
            }
        }
        // dense rows, one output, input columns carried through
        Path input = csv(dir.resolve("ls-data"), 300, 12);
        Path model = dir.resolve("ls-model");
        Run train = run(List.of("train", "--input", input.toString(), "--objective", "least-squares", "--output",
                model.toString(), "--master", "local[2]", "--partitions", "2", "--progress-bar", "off",
                "--aggregation", "sharded", "--shards", "3", "--optimizer", "lbfgs", "--max-iter", "30"));
        assertEquals(0, train.code(), train.err());
        JsonNode metrics = bothPathsAgree("least-squares", model, input, 300, List.of("--keep-columns", "b,0"));
        assertTrue(metrics.get("r2").asDouble() > 0.9, metrics.toString());
    }

    /**
     * Evaluates and predicts with the model assembled on the driver, then scored from its shards; asserts the
     * same report and the same prediction files; returns the metrics.
     */
    private JsonNode bothPathsAgree(String name, Path model, Path input, int rows, List<String> predictExtra)
            throws IOException {
        Map<String, JsonNode> reports = new LinkedHashMap<>();
        Map<String, Map<String, String>> predictions = new LinkedHashMap<>();
        for (String path : new String[] {"assembled", "sharded"}) {
            ShardedModelFile.assembleLimitBytes = "sharded".equals(path) ? 0 : Long.MAX_VALUE;
            TrainingResult loaded = ModelFile.loadForScoring(model.toString(), new Configuration());
            if ("sharded".equals(path)) { // the commands score on the executors when the parameters are null
                assertNull(loaded.parameters);
                assertTrue(loaded.shardFiles.size() >= 3, loaded.shardFiles.toString());
            } else {
                assertNotNull(loaded.parameters);
            }
            Path report = dir.resolve(name + "-" + path + ".json");
            Run e = run(List.of("evaluate", "--model", model.toString(), "--input", input.toString(),
                    "--output", report.toString(), "--master", "local[2]"));
            assertEquals(0, e.code(), e.err());
            reports.put(path, new ObjectMapper().readTree(report.toFile()));
            Path predicted = dir.resolve(name + "-" + path + "-predicted");
            List<String> args = new ArrayList<>(List.of("predict", "--model", model.toString(), "--input",
                    input.toString(), "--output", predicted.toString(), "--master", "local[2]"));
            args.addAll(predictExtra);
            Run p = run(args);
            assertEquals(0, p.code(), p.err());
            for (Run r : List.of(e, p)) { // the path each command said it took
                assertEquals("sharded".equals(path), r.out().contains("scored from the shards on the executors"),
                        r.out());
            }
            predictions.put(path, predictionFiles(predicted));
        }
        // the whole report: metrics, per-class counts, weights (the same model and input paths)
        assertEquals(reports.get("assembled"), reports.get("sharded"), name + " report");
        Map<String, String> pa = predictions.get("assembled");
        assertTrue(pa.size() >= 2, "prediction parts " + pa.keySet());
        List<String> lines = new ArrayList<>();
        pa.values().forEach(text -> lines.addAll(text.lines().skip(1).toList()));
        assertEquals(rows, lines.size());
        assertEquals(pa, predictions.get("sharded"), name + " predictions");
        return reports.get("assembled").get("metrics");
    }

    /** The rows of report.html's tables naming a training-set metric ("training ..."), in order. */
    static Map<String, String> trainingRows(Path output) throws IOException {
        String html = Files.readString(output.resolve(TrainingReport.HTML));
        Map<String, String> rows = new LinkedHashMap<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<tr><th>(training [^<]*)</th><td>([^<]*)</td>")
                .matcher(html);
        while (m.find()) {
            if (!m.group(1).equals("training time")) { // the outcome's, not a metric
                rows.put(m.group(1), m.group(2));
            }
        }
        return rows;
    }

    @Test
    void shardedReportHasTheTreeReportsTrainingMetrics() throws IOException {
        Path input = libsvm(dir.resolve("report-data"), 300, 60, 3, 13);
        Map<String, Map<String, String>> rows = new LinkedHashMap<>();
        for (String aggregation : new String[] {"tree", "sharded"}) {
            Path out = dir.resolve("report-" + aggregation);
            Run train = run(List.of("train", "--input", input.toString(), "--objective", "softmax", "--output",
                    out.toString(), "--master", "local[2]", "--partitions", "3", "--progress-bar", "off",
                    "--aggregation", aggregation, "--max-iter", "20", "--l2", "1e-3", "--optimizer", "lbfgs",
                    "--preconditioner", "diagonal"));
            assertEquals(0, train.code(), train.err());
            rows.put(aggregation, trainingRows(out));
        }
        Map<String, String> tree = rows.get("tree");
        Map<String, String> sharded = rows.get("sharded");
        assertTrue(tree.size() >= 3 && tree.containsKey("training accuracy"), tree.toString());
        assertEquals(tree.keySet(), sharded.keySet());
        // the models differ by the two paths' rounding (about 1e-10), the printed figures by about as little
        for (String key : tree.keySet()) {
            double a = Double.parseDouble(tree.get(key));
            double b = Double.parseDouble(sharded.get(key));
            assertEquals(a, b, 1e-8 * Math.max(1, Math.abs(a)), key);
        }
    }

    @Test
    void aBadShardIsBadInputNamingTheFile() throws IOException {
        Path input = libsvm(dir.resolve("bad-data"), 90, 30, 2, 14);
        Path model = dir.resolve("bad-model");
        Run train = run(List.of("train", "--input", input.toString(), "--objective", "logistic", "--output",
                model.toString(), "--master", "local[2]", "--progress-bar", "off", "--aggregation", "sharded",
                "--shards", "2", "--max-iter", "3"));
        assertEquals(0, train.code(), train.err());
        ShardedModelFile.assembleLimitBytes = 0;
        Path shard = model.resolve("model-shards/part-00001-of-00002.safetensors");
        Files.writeString(shard, "not a safetensors file");
        List<String> evaluate = List.of("evaluate", "--model", model.toString(), "--input", input.toString(),
                "--output", dir.resolve("bad.json").toString(), "--master", "local[2]");
        List<String> predict = List.of("predict", "--model", model.toString(), "--input", input.toString(),
                "--output", dir.resolve("bad-predicted").toString(), "--master", "local[2]");
        for (List<String> args : List.of(evaluate, predict)) {
            // read by a task on an executor: the failure still reaches the user as bad input
            Run r = run(args);
            assertEquals(3, r.code(), r.err());
            assertTrue(r.err().contains("part-00001-of-00002.safetensors"), r.err());
        }
        Files.delete(shard);
        for (List<String> args : List.of(evaluate, predict)) {
            Run r = run(args);
            assertEquals(3, r.code(), r.err());
            assertTrue(r.err().contains("part-00001-of-00002.safetensors") && r.err().contains("does not exist"),
                    r.err());
        }
    }
}
