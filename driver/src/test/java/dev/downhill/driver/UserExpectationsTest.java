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
}
