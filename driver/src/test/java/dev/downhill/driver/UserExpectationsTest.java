package dev.downhill.driver;

import static dev.downhill.driver.TrainCommandLineTest.run;
import static dev.downhill.driver.TrainCommandLineTest.train;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.driver.TrainCommandLineTest.Run;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a new user expects of a run (issue 16), through the command line: degenerate labels are refused,
 * separable data without L2 is called what it is, models know their features, the progress and the report
 * tell the truth, and a model kept by validation says which iterate it is.
 */
class UserExpectationsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = TestSpark.start("UserExpectationsTest");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** n LIBSVM rows with 3 random features, every one labeled {@code label}. */
    private static String oneClass(int n, String label) {
        Random r = new Random(7);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(label);
            for (int j = 1; j <= 3; j++) {
                sb.append(' ').append(j).append(':').append(r.nextGaussian());
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static void assertRefused(Run r, Path output, String... parts) {
        assertEquals(ExitCode.BAD_INPUT, r.code(), "stdout: " + r.out() + "\nstderr: " + r.err());
        for (String part : parts) {
            assertTrue(r.err().contains(part), "message lacks '" + part + "': " + r.err());
        }
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(Files.exists(output.resolve("model.json")), "a model was written");
    }

    // ---- 1. one class: refused alike by every classifier ----

    @Test
    void oneClassIsRefusedByLogisticHingeAndSoftmaxAlike() throws Exception {
        Path ones = write(dir.resolve("ones.libsvm"), oneClass(500, "1"));
        for (String objective : new String[] {"logistic", "hinge", "softmax"}) {
            Path out = dir.resolve("one-" + objective);
            assertRefused(run(train(ones, objective, out)), out, "all 500 rows have label 1",
                    "a classifier needs at least two classes");
        }
        Path minus = write(dir.resolve("minus.libsvm"), oneClass(40, "-1"));
        Path out = dir.resolve("minus");
        assertRefused(run(train(minus, "logistic", out, "--binary-labels", "pm1")), out,
                "all 40 rows have label -1", "at least two classes");
    }

    // ---- 2. separable data without a penalty: no minimizer, and the run says so ----

    /** Rows labeled by the side of a plane they lie on, at least 0.2 away from it: linearly separable. */
    private static String separable(int n, int k) {
        Random r = new Random(11);
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < n) {
            double[] x = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
            double z = 1.5 * x[0] - x[1] + 0.5 * x[2] + 0.3;
            double z2 = x[1] + x[2];
            if (Math.abs(z) < 0.2 || k == 3 && Math.abs(z2) < 0.2) {
                continue;
            }
            int label = k == 2 ? (z > 0 ? 1 : 0) : z < 0 ? 0 : z2 < 0 ? 1 : 2;
            sb.append(label).append(" 1:").append(x[0]).append(" 2:").append(x[1]).append(" 3:").append(x[2])
                    .append('\n');
            i++;
        }
        return sb.toString();
    }

    @Test
    void separableDataWithoutL2IsCalledUnboundedNotConverged() throws Exception {
        Path binary = write(dir.resolve("sep2.libsvm"), separable(300, 2));
        Path three = write(dir.resolve("sep3.libsvm"), separable(300, 3));
        for (String[] c : new String[][] {{"logistic", binary.toString()}, {"softmax", three.toString()}}) {
            Path out = dir.resolve("sep-" + c[0]);
            Run r = run(train(Path.of(c[1]), c[0], out, "--l2", "0"));
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("downhill: warning: the training data are linearly separable"), r.out());
            assertTrue(r.out().contains("has no minimizer") && r.out().contains("--l2 > 0"), r.out());
            assertTrue(r.out().contains(": no-minimizer (the iterations stopped on "), r.out());
            JsonNode m = JSON.readTree(out.resolve("model.json").toFile());
            assertEquals("no-minimizer", m.get("stopReason").asText(), c[0]);
            assertTrue(m.get("warning").asText().contains("linearly separable"), m.toString());
            assertTrue(Files.readString(out.resolve("report.html")).contains("linearly separable"));
            // With a penalty the same data has a minimizer: no warning.
            Path penalized = dir.resolve("sep-l2-" + c[0]);
            Run p = run(train(Path.of(c[1]), c[0], penalized, "--l2", "1e-3"));
            assertEquals(0, p.code(), p.err());
            assertFalse(p.out().contains("warning"), p.out());
            assertFalse(JSON.readTree(penalized.resolve("model.json").toFile()).has("warning"));
        }
    }

    @Test
    void anOrdinaryProblemWithoutL2IsNotFlagged() throws Exception {
        // Labels drawn from a logistic model: rows of both classes overlap, so the optimum is finite.
        TestData t = TestData.binary(400, 4, 21);
        Path input = t.writeLibsvm(dir.resolve("overlap.libsvm"), 0.0);
        Path out = dir.resolve("overlap");
        Run r = run(train(input, "logistic", out, "--l2", "0"));
        assertEquals(0, r.code(), r.err());
        assertFalse(r.out().contains("warning"), r.out());
        JsonNode m = JSON.readTree(out.resolve("model.json").toFile());
        assertEquals("gradient-tolerance", m.get("stopReason").asText());
        assertFalse(m.has("warning"));
        // Hinge reaches zero loss at a finite margin on separable data: it has minimizers, and is not flagged.
        Path sep = write(dir.resolve("sep-hinge.libsvm"), separable(200, 2));
        Run h = run(train(sep, "hinge", dir.resolve("hinge"), "--l2", "0", "--max-iter", "200"));
        assertEquals(0, h.code(), h.err());
        assertFalse(h.out().contains("no-minimizer"), h.out());
    }

    // ---- 5 and 6. the report and the model file say what happened ----

    @Test
    void reportCountsIterationsNamesTheMasterUsedAndShowsTheModel() throws Exception {
        TestData t = TestData.binary(300, 4, 3);
        Path input = t.writeLibsvm(dir.resolve("rep.libsvm"), 0.0);
        Path out = dir.resolve("rep");
        // No --master: the session already running (local[2]) is the one used, not the setting's default.
        Run r = run("train", "--input", input.toString(), "--objective", "logistic", "--output", out.toString(),
                "--l2", "0.01");
        assertEquals(0, r.code(), r.err());
        JsonNode m = JSON.readTree(out.resolve("model.json").toFile());
        long iterations = m.get("iterations").asLong();
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("<p>" + iterations + " iterations;"), html);
        assertTrue(html.contains("<tr><th>iterations</th><td>" + iterations + "</td></tr>"), html);
        assertTrue(html.contains("<tr><th>master</th><td>local[2]</td></tr>"), html);
        assertFalse(html.contains("local[*]"), html);
        assertTrue(html.contains("<h2>Model</h2>") && html.contains("<tr><th>training accuracy</th><td>0."), html);
        assertTrue(html.contains("training log-loss"), html);
        // The largest weights, by |w|, named by their LIBSVM index.
        int largest = 0;
        for (int j = 1; j < 4; j++) {
            if (Math.abs(m.get("weights").get(j).asDouble()) > Math.abs(m.get("weights").get(largest).asDouble())) {
                largest = j;
            }
        }
        assertTrue(html.contains("<h2>Largest weights</h2>"), html);
        String table = html.substring(html.indexOf("<h2>Largest weights</h2>"));
        assertTrue(table.indexOf("<td>index " + (largest + 1) + "</td>") == table.indexOf("<td>index "), table);
    }

    @Test
    void aModelKeptByValidationSaysWhichIterateItIsAndHowTheRunEnded() throws Exception {
        TestData t = TestData.regression(400, 30, 5);
        Path input = t.writeLibsvm(dir.resolve("val.libsvm"), 0.0);
        Path out = dir.resolve("val");
        Run r = run(train(input, "least-squares", out, "--validation-fraction", "0.5", "--optimizer", "gd",
                "--patience", "3", "--max-iter", "200"));
        assertEquals(0, r.code(), r.err());
        JsonNode m = JSON.readTree(out.resolve("model.json").toFile());
        assertEquals("best validation loss", m.get("selectedBy").asText(), m.toString());
        long kept = m.get("iterations").asLong();
        long last = m.get("lastIteration").asLong();
        assertTrue(last >= kept, m.toString());
        java.util.List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        JsonNode atKept = JSON.readTree(lines.get((int) kept - 1));
        JsonNode atLast = JSON.readTree(lines.get((int) last - 1));
        // gradientNorm and objectiveValue are the kept iterate's; the last* fields the last iterate's.
        assertEquals(atKept.get("gradientNorm").asDouble(), m.get("gradientNorm").asDouble());
        assertEquals(atKept.get("objective").asDouble(), m.get("objectiveValue").asDouble());
        assertEquals(atKept.get("validationLoss").asDouble(), m.get("validationLoss").asDouble());
        assertEquals(atLast.get("gradientNorm").asDouble(), m.get("lastGradientNorm").asDouble());
        assertEquals(atLast.get("objective").asDouble(), m.get("lastObjectiveValue").asDouble());
        assertTrue(r.out().contains("stopped after " + last + " iterations: " + m.get("stopReason").asText()),
                r.out());
        assertTrue(r.out().contains("model: iteration " + kept + ", selected by the best validation loss"), r.out());
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("validation rmse") && html.contains("training RMSE"), html);
    }

    // ---- 3. the model knows its features ----

    /** CSV with header "label,<names>": y = 3 a - 2 b + c + noise over columns in that order. */
    private static Path csv(Path file, String[] names, int n, long seed) throws IOException {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder("label");
        for (String name : names) {
            sb.append(',').append(name);
        }
        sb.append('\n');
        for (int i = 0; i < n; i++) {
            java.util.Map<String, Double> x = new java.util.HashMap<>();
            x.put("a", r.nextGaussian());
            x.put("b", r.nextGaussian());
            x.put("c", r.nextGaussian());
            double y = 3 * x.get("a") - 2 * x.get("b") + x.get("c") + 0.1 * r.nextGaussian();
            sb.append(y);
            for (String name : names) {
                sb.append(',').append(x.get(name));
            }
            sb.append('\n');
        }
        return write(file, sb.toString());
    }

    @Test
    void theModelRecordsItsFeatureNamesAndRefusesInputWithOthers() throws Exception {
        Path train = csv(dir.resolve("fn/train.csv"), new String[] {"a", "b", "c"}, 300, 1);
        Path model = dir.resolve("fn/model");
        Run t = run(train(train, "least-squares", model));
        assertEquals(0, t.code(), t.err());
        JsonNode m = JSON.readTree(model.resolve("model.json").toFile());
        assertEquals("[\"a\",\"b\",\"c\"]", m.get("featureNames").toString());
        assertTrue(Files.readString(model.resolve("report.html")).contains("<td>a</td>"), "weights named");

        // The same columns reversed: before, evaluate scored them silently (R^2 -1.43).
        Path reversed = csv(dir.resolve("fn/reversed.csv"), new String[] {"c", "b", "a"}, 100, 2);
        Run e = run("evaluate", "--model", model.toString(), "--input", reversed.toString(), "--output",
                dir.resolve("fn/eval.json").toString(), "--master", "local[2]");
        assertRefused(e, dir.resolve("fn/none"), "do not match the model's", "feature 0 (0-based) is 'a' in the model"
                + " but 'c' in the input", "[a, b, c]", "[c, b, a]");
        assertFalse(Files.exists(dir.resolve("fn/eval.json")));
        Run p = run("predict", "--model", model.toString(), "--input", reversed.toString(), "--output",
                dir.resolve("fn/pred").toString(), "--master", "local[2]");
        assertRefused(p, dir.resolve("fn/none"), "feature 0 (0-based) is 'a' in the model but 'c' in the input");
        assertFalse(Files.exists(dir.resolve("fn/pred")));

        // The same order is accepted; R^2 is near 1.
        Path same = csv(dir.resolve("fn/same.csv"), new String[] {"a", "b", "c"}, 100, 2);
        Run ok = run("evaluate", "--model", model.toString(), "--input", same.toString(), "--output",
                dir.resolve("fn/ok.json").toString(), "--master", "local[2]");
        assertEquals(0, ok.code(), ok.err());
        assertTrue(JSON.readTree(dir.resolve("fn/ok.json").toFile()).get("metrics").get("r2").asDouble() > 0.99);
    }

    @Test
    void predictCarriesInputColumnsThrough() throws Exception {
        Path train = csv(dir.resolve("keep/train.csv"), new String[] {"a", "b", "c"}, 200, 3);
        Path model = dir.resolve("keep/model");
        assertEquals(0, run(train(train, "least-squares", model)).code());
        // An id column the model does not know: the input has it as its last column, named in the header.
        StringBuilder sb = new StringBuilder("label,a,b,c\n");
        java.util.List<String> lines = Files.readAllLines(csv(dir.resolve("keep/x.csv"),
                new String[] {"a", "b", "c"}, 20, 4));
        for (int i = 1; i < lines.size(); i++) {
            sb.append(lines.get(i)).append('\n');
        }
        Path input = write(dir.resolve("keep/in.csv"), sb.toString());
        Path out = dir.resolve("keep/pred");
        Run p = run("predict", "--model", model.toString(), "--input", input.toString(), "--output", out.toString(),
                "--keep-columns", "a,0", "--master", "local[2]");
        assertEquals(0, p.code(), p.err());
        java.util.List<String> rows = new java.util.ArrayList<>();
        try (java.util.stream.Stream<Path> parts = Files.list(out)) {
            for (Path part : parts.filter(f -> f.getFileName().toString().startsWith("part-")).sorted().toList()) {
                java.util.List<String> partLines = Files.readAllLines(part);
                assertEquals("a,input_label,label,prediction,score", partLines.get(0));
                rows.addAll(partLines.subList(1, partLines.size()));
            }
        }
        assertEquals(20, rows.size());
        for (int i = 0; i < 20; i++) {
            String[] in = lines.get(i + 1).split(",");
            String[] o = rows.get(i).split(",");
            assertEquals(Double.parseDouble(in[1]), Double.parseDouble(o[0]), "column a copied, row " + i);
            assertEquals(Double.parseDouble(in[0]), Double.parseDouble(o[1]), "column 0 copied, row " + i);
        }
        Run bad = run("predict", "--model", model.toString(), "--input", input.toString(), "--output",
                dir.resolve("keep/bad").toString(), "--keep-columns", "id", "--master", "local[2]");
        assertRefused(bad, dir.resolve("keep/none"), "--keep-columns names column 'id'", "no such column");
    }

    @Test
    void parquetFeatureColumnsAreRecordedAndChecked() throws Exception {
        Random r = new Random(9);
        java.util.List<org.apache.spark.sql.Row> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            double a = r.nextGaussian();
            double b = r.nextGaussian();
            rows.add(org.apache.spark.sql.RowFactory.create(2 * a - b + 0.1 * r.nextGaussian(), a, b));
        }
        org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
                .add("label", "double").add("a", "double").add("b", "double");
        Path data = dir.resolve("pq/data");
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(data.toString());
        Path model = dir.resolve("pq/model");
        Run t = run(train(data, "least-squares", model, "--feature-columns", "a,b"));
        assertEquals(0, t.code(), t.err());
        assertEquals("[\"a\",\"b\"]", JSON.readTree(model.resolve("model.json").toFile()).get("featureNames")
                .toString());
        Run e = run("evaluate", "--model", model.toString(), "--input", data.toString(), "--feature-columns", "b,a",
                "--output", dir.resolve("pq/eval.json").toString(), "--master", "local[2]");
        assertRefused(e, dir.resolve("pq/none"), "feature 0 (0-based) is 'a' in the model but 'b' in the input");
    }

    // ---- 4. the ETA follows the convergence, not --max-iter ----

    @Test
    void theEtaComesFromTheConvergenceRateNotTheIterationLimit() throws Exception {
        TestData t = TestData.binary(400, 5, 8);
        Path input = t.writeLibsvm(dir.resolve("eta.libsvm"), 0.0);
        Path out = dir.resolve("eta");
        Run r = run(train(input, "logistic", out, "--l2", "1e-3", "--optimizer", "gd", "--max-iter", "100000",
                "--rel-tol", "1e-6"));
        assertEquals(0, r.code(), r.err());
        JsonNode m = JSON.readTree(out.resolve("model.json").toFile());
        long total = m.get("iterations").asLong();
        assertEquals("gradient-tolerance", m.get("stopReason").asText());
        assertTrue(total < 2000, "a short run: " + total);
        // Before: "ETA" from the first line on, counting toward 100000 iterations.
        for (String line : r.out().split("\n")) {
            if (line.startsWith("iteration      1/") || line.startsWith("iteration      2/")) {
                assertFalse(line.contains("ETA"), "no estimate from one or two iterations: " + line);
            }
        }
        java.util.List<String> records = Files.readAllLines(out.resolve("metrics.jsonl"));
        int estimates = 0;
        for (String record : records) {
            JsonNode rec = JSON.readTree(record);
            long it = rec.get("iteration").asLong();
            if (it >= 10 && it <= total - 2) {
                assertTrue(rec.has("etaIterations"), record);
                long expected = it + rec.get("etaIterations").asLong();
                // Gradient descent converges linearly: the rate predicts the end within a factor of 2.
                assertTrue(expected > total / 2 && expected < 2 * total, "iteration " + it + " expects "
                        + expected + " of " + total);
                estimates++;
            }
        }
        assertTrue(estimates > 5, "estimates: " + estimates);
    }
}
