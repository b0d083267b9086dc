package dev.downhill.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.driver.Downhill;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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

    record Run(int code, String out, String err) {
    }

    static Run run(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Downhill.run(args.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
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

    @Test
    void scoringFromTheShardsGivesTheAssembledModelsBits() throws IOException {
        String[][] models = {
            {"logistic", "2"},
            {"softmax", "3"},
        };
        for (String[] m : models) {
            String objective = m[0];
            Path input = libsvm(dir.resolve(objective + "-data"), 450, 90, Integer.parseInt(m[1]), 11);
            Path model = dir.resolve(objective + "-model");
            Run train = run(List.of("train", "--input", input.toString(), "--objective", objective, "--output",
                    model.toString(), "--master", "local[2]", "--partitions", "3", "--progress-bar", "off",
                    "--aggregation", "sharded", "--shards", "4", "--max-iter", "15", "--l2", "1e-3"));
            assertEquals(0, train.code(), train.err());
            Map<String, JsonNode> metrics = new LinkedHashMap<>();
            Map<String, Map<String, String>> predictions = new LinkedHashMap<>();
            for (String path : new String[] {"assembled", "sharded"}) {
                ShardedModelFile.assembleLimitBytes = "sharded".equals(path) ? 0 : Long.MAX_VALUE;
                TrainingResult loaded = ModelFile.loadForScoring(model.toString(), new Configuration());
                if ("sharded".equals(path)) { // the commands score on the executors when the parameters are null
                    assertNull(loaded.parameters);
                    assertEquals(4, loaded.shardFiles.size());
                } else {
                    assertNotNull(loaded.parameters);
                }
                Path report = dir.resolve(objective + "-" + path + ".json");
                Run e = run(List.of("evaluate", "--model", model.toString(), "--input", input.toString(),
                        "--output", report.toString(), "--master", "local[2]"));
                assertEquals(0, e.code(), e.err());
                metrics.put(path, new ObjectMapper().readTree(report.toFile()));
                Path predicted = dir.resolve(objective + "-" + path + "-predicted");
                Run p = run(List.of("predict", "--model", model.toString(), "--input", input.toString(),
                        "--output", predicted.toString(), "--master", "local[2]"));
                assertEquals(0, p.code(), p.err());
                predictions.put(path, predictionFiles(predicted));
            }
            JsonNode a = metrics.get("assembled").get("metrics");
            assertTrue(a.size() >= 5 && a.get("accuracy").asDouble() > 0.6, a.toString());
            if ("logistic".equals(objective)) {
                assertTrue(a.get("rocAuc").asDouble() > 0.6, a.toString());
            }
            // the whole report: metrics, per-class counts, weights (the same model and input paths)
            assertEquals(metrics.get("assembled"), metrics.get("sharded"), objective + " report");
            Map<String, String> pa = predictions.get("assembled");
            assertTrue(pa.size() >= 3, "prediction parts " + pa.keySet());
            List<String> rows = new ArrayList<>();
            pa.values().forEach(text -> rows.addAll(text.lines().skip(1).toList()));
            assertEquals(450, rows.size());
            assertEquals(pa, predictions.get("sharded"), objective + " predictions");
        }
    }
}
