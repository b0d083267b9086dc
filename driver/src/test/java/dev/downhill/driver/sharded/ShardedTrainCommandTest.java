package dev.downhill.driver.sharded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.driver.checkpoint.DownhillRuns;
import dev.downhill.driver.checkpoint.DownhillRuns.Run;
import dev.downhill.driver.train.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * train --aggregation sharded against --aggregation tree on the same sparse data: the same objective at every
 * iteration (1e-10 relative), the same iterations and stop reason, the same model to 1e-8; and the settings it
 * does not support are refused with exit 2 naming the setting.
 */
class ShardedTrainCommandTest {
    @TempDir
    Path dir;

    static Run run(List<String> args) {
        return DownhillRuns.inProcess(args);
    }

    /** Sparse binary rows, skewed like text, in libsvm form (1-based indices). */
    static Path libsvm(Path file, int rows, int d, long seed) throws IOException {
        Random r = new Random(seed);
        double[] truth = r.doubles(d, -1, 1).toArray();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            TreeSet<Integer> idx = new TreeSet<>();
            int nnz = 3 + r.nextInt(10);
            while (idx.size() < nnz) {
                idx.add((int) Math.min(d - 1, Math.floor(Math.pow(r.nextDouble(), 2.5) * d)));
            }
            StringBuilder row = new StringBuilder();
            double margin = 0;
            for (int j : idx) {
                double v = Math.round(r.nextDouble() * 100) / 25.0 + 0.25;
                margin += truth[j] * v;
                row.append(' ').append(j + 1).append(':').append(v);
            }
            sb.append(margin + r.nextGaussian() > 0 ? 1 : 0).append(row).append('\n');
        }
        Files.writeString(file, sb.toString());
        return file;
    }

    static List<String> train(Path input, Path output, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--input", input.toString(), "--objective", "logistic",
                "--output", output.toString(), "--master", "local[2]", "--partitions", "3", "--progress-bar",
                "off"));
        args.addAll(List.of(extra));
        return args;
    }

    static List<Double> objectives(Path output) throws IOException {
        List<Double> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(output.resolve("metrics.jsonl"))) {
            JsonNode n = json.readTree(line);
            if (n.has("objective") && n.has("iteration")) {
                out.add(n.get("objective").asDouble());
            }
        }
        return out;
    }

    static double[] weights(Path output) throws IOException {
        JsonNode m = new ObjectMapper().readTree(output.resolve("model.json").toFile());
        if (m.has("shards")) {
            return shardedWeights(output, m);
        }
        JsonNode w = m.get("weights");
        List<Double> all = new ArrayList<>();
        collect(w, all);
        collect(m.get("intercepts"), all);
        return all.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * A sharded model's parameters, as a reader would assemble them: the shard files model.json lists, each
     * tensor in file order, concatenated; the layout is checked on the way (no weights in model.json, no
     * model.safetensors, the part files' ranges contiguous and matching their metadata).
     */
    static double[] shardedWeights(Path output, JsonNode m) throws IOException {
        assertTrue(m.get("weights") == null && m.get("intercepts") == null, "weights inline in a sharded model");
        assertTrue(!Files.exists(output.resolve("model.safetensors")), "model.safetensors written by the driver");
        List<Double> all = new ArrayList<>();
        int next = 0;
        for (JsonNode shard : m.get("shards")) {
            Path file = output.resolve(shard.get("file").asText());
            assertTrue(file.getParent().getFileName().toString().equals("model-shards"), file.toString());
            assertEquals(Files.size(file), shard.get("bytes").asLong(), file.toString());
            assertEquals(next, shard.get("start").asInt());
            SafeTensors.Contents c;
            try (java.io.InputStream in = Files.newInputStream(file)) {
                c = SafeTensors.read(in, file.toString());
            }
            assertEquals(String.valueOf(next), c.metadata.get("start"));
            for (double[] v : c.values.values()) {
                for (double x : v) {
                    all.add(x);
                }
            }
            next = shard.get("end").asInt();
            assertEquals(String.valueOf(next), c.metadata.get("end"));
            assertEquals(next, all.size(), file.toString());
        }
        return all.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static List<String> predictionLines(Path out) throws IOException {
        List<String> lines = new ArrayList<>();
        try (java.util.stream.Stream<Path> files = Files.list(out)) {
            for (Path p : files.filter(f -> f.getFileName().toString().startsWith("part-")).sorted().toList()) {
                List<String> part = Files.readAllLines(p);
                lines.addAll(part.subList(1, part.size())); // each part has a header
            }
        }
        return lines;
    }

    private static JsonNode m(Path file) throws IOException {
        return new ObjectMapper().readTree(file.resolve(file.toString().endsWith(".json") ? "" : "model.json")
                .toFile());
    }

    private static void collect(JsonNode n, List<Double> into) {
        if (n == null) {
            return;
        }
        if (n.isArray()) {
            n.forEach(c -> collect(c, into));
        } else if (n.isNumber()) {
            into.add(n.asDouble());
        }
    }

    @Test
    void shardedFollowsTheTreePathIterationByIteration() throws IOException {
        Path input = libsvm(dir.resolve("text.libsvm"), 600, 400, 3);
        for (String standardize : new String[] {"true", "false"}) {
            Run tree = run(train(input, dir.resolve("tree" + standardize), "--aggregation", "tree", "--max-iter",
                    "25", "--l2", "1e-3", "--standardize", standardize, "--preconditioner", "diagonal"));
            assertEquals(0, tree.code(), tree.err());
            Run sharded = run(train(input, dir.resolve("sharded" + standardize), "--aggregation", "sharded",
                    "--shards", "4", "--max-iter", "25", "--l2", "1e-3", "--standardize", standardize));
            assertEquals(0, sharded.code(), sharded.err() + sharded.out());
            assertTrue(sharded.out().contains("aggregation: sharded"), sharded.out());
            System.out.println(sharded.out());
            List<Double> a = objectives(dir.resolve("tree" + standardize));
            List<Double> b = objectives(dir.resolve("sharded" + standardize));
            assertEquals(a.size(), b.size(), tree.out() + "\n" + sharded.out());
            assertTrue(a.size() >= 10, "ran " + a.size() + " iterations");
            double worst = 0;
            for (int k = 0; k < a.size(); k++) {
                double rel = Math.abs(a.get(k) - b.get(k)) / Math.abs(a.get(k));
                worst = Math.max(worst, rel);
                assertTrue(rel <= 1e-10, "iteration " + (k + 1) + ": " + b.get(k) + " vs " + a.get(k));
            }
            double[] wa = weights(dir.resolve("tree" + standardize));
            double[] wb = weights(dir.resolve("sharded" + standardize));
            assertEquals(wa.length, wb.length);
            assertTrue(wa.length > 300, "read " + wa.length + " parameters from model.json");
            double diff = 0;
            for (int i = 0; i < wa.length; i++) {
                diff = Math.max(diff, Math.abs(wa[i] - wb[i]));
            }
            assertTrue(diff < 1e-8, "models differ by " + diff);
            assertEquals(4, m(dir.resolve("sharded" + standardize)).get("shards").size());
            // evaluate and predict score the sharded model as the tree one, to the models' difference
            for (String which : new String[] {"tree", "sharded"}) {
                Path model = dir.resolve(which + standardize);
                Run e = run(List.of("evaluate", "--model", model.toString(), "--input", input.toString(), "--output",
                        dir.resolve(which + standardize + "-eval.json").toString(), "--master", "local[2]"));
                assertEquals(0, e.code(), e.err());
                Run p = run(List.of("predict", "--model", model.toString(), "--input", input.toString(), "--output",
                        dir.resolve(which + standardize + "-predicted").toString(), "--master", "local[2]"));
                assertEquals(0, p.code(), p.err());
            }
            JsonNode ea = m(dir.resolve("tree" + standardize + "-eval.json")).get("metrics");
            JsonNode eb = m(dir.resolve("sharded" + standardize + "-eval.json")).get("metrics");
            assertEquals(ea.size(), eb.size());
            assertTrue(ea.size() >= 2, ea.toString());
            ea.fieldNames().forEachRemaining(key -> assertEquals(ea.get(key).asDouble(), eb.get(key).asDouble(),
                    1e-7 * Math.max(1, Math.abs(ea.get(key).asDouble())), key));
            List<String> pa = predictionLines(dir.resolve("tree" + standardize + "-predicted"));
            List<String> pb = predictionLines(dir.resolve("sharded" + standardize + "-predicted"));
            assertEquals(600, pa.size());
            assertEquals(pa.size(), pb.size());
            for (int i = 0; i < pa.size(); i++) {
                String[] ca = pa.get(i).split(",");
                String[] cb = pb.get(i).split(",");
                assertEquals(ca.length, cb.length);
                for (int c = 0; c < ca.length; c++) {
                    assertEquals(Double.parseDouble(ca[c]), Double.parseDouble(cb[c]), 1e-7, "row " + i);
                }
            }
            System.out.printf("--standardize %s: %d iterations, objective max relative difference %.3g, final %.15g"
                    + " vs %.15g, model max difference %.3g%n", standardize, a.size(), worst, b.get(b.size() - 1),
                    a.get(a.size() - 1), diff);
        }
    }

    static List<Double> validationLosses(Path output) throws IOException {
        List<Double> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(output.resolve("metrics.jsonl"))) {
            JsonNode n = json.readTree(line);
            if (n.has("validationLoss") && n.has("iteration")) {
                out.add(n.get("validationLoss").asDouble());
            }
        }
        return out;
    }

    /** The report's row that starts with {@code name}, up to the row's end. */
    static String reportRow(Path output, String name) throws IOException {
        String html = Files.readString(output.resolve("report.html"));
        int at = html.indexOf(name);
        assertTrue(at >= 0, name + " not in the report");
        return html.substring(at, html.indexOf("</tr>", at));
    }

    /** The "model: iteration N, selected by the best validation loss" line's N, or -1. */
    static int bestIteration(String out) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("model: iteration (\\d+), selected by the best"
                + " validation loss").matcher(out);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    @Test
    void shardedValidationStopsEarlyAtTheTreePathsIterationWithItsBestModel() throws IOException {
        Path input = libsvm(dir.resolve("overfit.libsvm"), 500, 400, 8);
        for (String standardize : new String[] {"true", "false"}) {
            String[] common = {"--max-iter", "80", "--l2", "1e-6", "--standardize", standardize,
                "--validation-fraction", "0.3", "--patience", "3", "--tol", "0", "--rel-tol", "0", "--f-tol", "0"};
            List<String> treeArgs = train(input, dir.resolve("vtree" + standardize), "--aggregation", "tree",
                    "--preconditioner", "diagonal");
            treeArgs.addAll(List.of(common));
            Run tree = run(treeArgs);
            assertEquals(0, tree.code(), tree.err());
            List<String> shardedArgs = train(input, dir.resolve("vsharded" + standardize), "--aggregation",
                    "sharded", "--shards", "4");
            shardedArgs.addAll(List.of(common));
            Run sharded = run(shardedArgs);
            assertEquals(0, sharded.code(), sharded.err() + sharded.out());
            List<Double> a = validationLosses(dir.resolve("vtree" + standardize));
            List<Double> b = validationLosses(dir.resolve("vsharded" + standardize));
            assertEquals(a.size(), b.size(), tree.out() + "\n" + sharded.out());
            assertTrue(a.size() < 80, "early stopping never stopped the tree run: " + tree.out());
            double worst = 0;
            for (int k = 0; k < a.size(); k++) {
                double rel = Math.abs(a.get(k) - b.get(k)) / Math.abs(a.get(k));
                worst = Math.max(worst, rel);
                assertTrue(rel <= 1e-10, "iteration " + (k + 1) + ": " + b.get(k) + " vs " + a.get(k));
            }
            assertTrue(sharded.out().contains("validation loss"), sharded.out());
            int best = bestIteration(tree.out());
            assertTrue(best > 0 && best < a.size(), tree.out());
            assertEquals(best, bestIteration(sharded.out()), sharded.out());
            // the model written is the best iterate's: the same parameters as the tree path's
            double[] wa = weights(dir.resolve("vtree" + standardize));
            double[] wb = weights(dir.resolve("vsharded" + standardize));
            double diff = 0;
            for (int i = 0; i < wa.length; i++) {
                diff = Math.max(diff, Math.abs(wa[i] - wb[i]));
            }
            assertTrue(diff < 1e-8, "models differ by " + diff);
            assertEquals(reportRow(dir.resolve("vtree" + standardize), "validation accuracy"),
                    reportRow(dir.resolve("vsharded" + standardize), "validation accuracy"));
            System.out.printf("validation, --standardize %s: %d iterations, best %d, validation loss max relative"
                    + " difference %.3g, model max difference %.3g%n", standardize, a.size(), best, worst, diff);
        }
    }

    @Test
    void aValidationFileGivesTheTreePathsLossesToo() throws IOException {
        Path input = libsvm(dir.resolve("train.libsvm"), 300, 200, 12);
        Path held = libsvm(dir.resolve("held.libsvm"), 120, 200, 13);
        String[] common = {"--max-iter", "10", "--l2", "1e-4", "--validation", held.toString(), "--patience",
            "100", "--tol", "0", "--rel-tol", "0", "--f-tol", "0"};
        List<String> treeArgs = train(input, dir.resolve("ftree"), "--aggregation", "tree", "--preconditioner",
                "diagonal");
        treeArgs.addAll(List.of(common));
        Run tree = run(treeArgs);
        assertEquals(0, tree.code(), tree.err());
        List<String> shardedArgs = train(input, dir.resolve("fsharded"), "--aggregation", "sharded", "--shards", "2");
        shardedArgs.addAll(List.of(common));
        Run sharded = run(shardedArgs);
        assertEquals(0, sharded.code(), sharded.err() + sharded.out());
        List<Double> a = validationLosses(dir.resolve("ftree"));
        List<Double> b = validationLosses(dir.resolve("fsharded"));
        assertEquals(10, a.size(), tree.out());
        assertEquals(a.size(), b.size(), sharded.out());
        for (int k = 0; k < a.size(); k++) {
            assertEquals(a.get(k), b.get(k), 1e-10 * Math.abs(a.get(k)), "iteration " + (k + 1));
        }
        assertEquals(bestIteration(tree.out()), bestIteration(sharded.out()), sharded.out());
    }

    @Test
    void overwriteRemovesTheEarlierRunsShards() throws IOException {
        Path input = libsvm(dir.resolve("few.libsvm"), 80, 30, 6);
        Path out = dir.resolve("again");
        Run first = run(train(input, out, "--aggregation", "sharded", "--shards", "5", "--max-iter", "3"));
        assertEquals(0, first.code(), first.err());
        assertEquals(5, Files.list(out.resolve("model-shards")).count());
        Run second = run(train(input, out, "--aggregation", "sharded", "--shards", "2", "--max-iter", "3",
                "--overwrite"));
        assertEquals(0, second.code(), second.err());
        try (java.util.stream.Stream<Path> files = Files.list(out.resolve("model-shards"))) {
            assertEquals(List.of("part-00000-of-00002.safetensors", "part-00001-of-00002.safetensors"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
        assertEquals(31, weights(out).length);
    }

    @Test
    void unsupportedSettingsAreRefusedNamingTheSetting() throws IOException {
        Path input = libsvm(dir.resolve("small.libsvm"), 50, 20, 4);
        String[][] cases = {
            {"--model", "mlp", "--hidden", "4"},
            {"--optimizer", "gd-linesearch"},
            {"--l1", "0.1", "--optimizer", "gd"},
            {"--preconditioner", "whiten"},
        };
        for (String[] extra : cases) {
            List<String> args = train(input, dir.resolve("refused"), "--aggregation", "sharded");
            args.addAll(List.of(extra));
            Run r = run(args);
            assertEquals(2, r.code(), String.join(" ", extra) + ": " + r.err());
            assertTrue(r.err().contains("--aggregation sharded") && r.err().contains(extra[0]), r.err());
        }
        for (String key : List.of("--shards", "--slice-copies")) {
            Run r = run(train(input, dir.resolve("refused"), "--aggregation", "tree", key, "3"));
            assertEquals(2, r.code(), key + ": " + r.err());
            assertTrue(r.err().contains(key + " applies to --aggregation sharded"), r.err());
        }
        Run r = run(train(input, dir.resolve("refused"), "--aggregation", "sharded", "--slice-copies", "0"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--slice-copies"), r.err());
    }
}
