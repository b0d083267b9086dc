package dev.downhill.driver.sharded;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    record Run(int code, String out, String err) {
    }

    static Run run(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Downhill.run(args.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
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
        JsonNode w = m.get("weights");
        List<Double> all = new ArrayList<>();
        collect(w, all);
        collect(m.get("intercepts"), all);
        return all.stream().mapToDouble(Double::doubleValue).toArray();
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
            System.out.printf("--standardize %s: %d iterations, objective max relative difference %.3g, final %.15g"
                    + " vs %.15g, model max difference %.3g%n", standardize, a.size(), worst, b.get(b.size() - 1),
                    a.get(a.size() - 1), diff);
        }
    }

    @Test
    void unsupportedSettingsAreRefusedNamingTheSetting() throws IOException {
        Path input = libsvm(dir.resolve("small.libsvm"), 50, 20, 4);
        String[][] cases = {
            {"--model", "mlp", "--hidden", "4"},
            {"--optimizer", "adam"},
            {"--l1", "0.1"},
            {"--validation-fraction", "0.2"},
        };
        for (String[] extra : cases) {
            List<String> args = train(input, dir.resolve("refused"), "--aggregation", "sharded");
            args.addAll(List.of(extra));
            Run r = run(args);
            assertEquals(2, r.code(), String.join(" ", extra) + ": " + r.err());
            assertTrue(r.err().contains("--aggregation sharded") && r.err().contains(extra[0]), r.err());
        }
    }
}
