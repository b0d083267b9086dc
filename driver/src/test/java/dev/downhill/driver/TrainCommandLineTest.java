package dev.downhill.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.core.data.BlockBuilder;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.L2Penalty;
import dev.downhill.core.objective.LocalDataLoss;
import dev.downhill.core.objective.RegularizedObjective;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} through the command line, as users run it: settings, loading, training, the model file,
 * and what happens with bad settings and bad input (message, exit code, no model).
 */
class TrainCommandLineTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Exit code and captured streams of one in-process run. */
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Downhill.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String[] train(Path input, String objective, Path output, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--input", input.toString(), "--objective", objective,
                "--output", output.toString(), "--master", "local[2]", "--partitions", "3"));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    /** The objective of the model in a model file, recomputed from its weights with a local fold. */
    static double objectiveOf(JsonNode model, TestData t, Objective objective, double l2, double labelShift) {
        int d = model.get("numFeatures").asInt();
        int k = objective == Objective.SOFTMAX ? model.get("numClasses").asInt() : 1;
        LinearModel linear = new LinearModel(d, k);
        double[] theta = new double[linear.numParameters()];
        for (int c = 0; c < k; c++) {
            JsonNode w = k == 1 ? model.get("weights") : model.get("weights").get(c);
            for (int j = 0; j < d; j++) {
                theta[c * d + j] = w.get(j).asDouble();
            }
            theta[k * d + c] = k == 1 ? model.get("intercepts").asDouble() : model.get("intercepts").get(c).asDouble();
        }
        BlockBuilder b = new BlockBuilder(d);
        for (int i = 0; i < t.rows(); i++) {
            b.addDenseRow(t.y[i] + labelShift, 1.0, t.x[i]);
        }
        List<DataBlock> blocks = List.of(b.build());
        return new RegularizedObjective(new LocalDataLoss(blocks, linear, objective.loss(Math.max(k, 2))),
                new L2Penalty(l2, linear)).value(theta);
    }

    @Test
    void trainsLogisticAndWritesACompleteModel() throws Exception {
        TestData t = TestData.binary(300, 4, 1);
        Path input = t.writeLibsvm(dir.resolve("in/data.libsvm"), 0.0);
        Path out = dir.resolve("model");
        Run r = run(train(input, "logistic", out, "--l2", "0.01", "--tol", "1e-6", "--max-iter", "3000"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("iteration    1/3000  objective "), r.out());
        assertTrue(r.out().contains("model written to "), r.out());

        JsonNode m = JSON.readTree(out.resolve("model.json").toFile());
        for (String field : List.of("formatVersion", "objective", "l2", "numFeatures", "numClasses", "weights",
                "intercepts", "iterations", "objectiveValue", "gradientNorm", "stopReason")) {
            assertTrue(m.has(field), "model.json lacks " + field);
        }
        assertEquals("logistic", m.get("objective").asText());
        assertEquals(0.01, m.get("l2").asDouble());
        assertEquals(4, m.get("numFeatures").asInt());
        assertEquals(2, m.get("numClasses").asInt());
        assertEquals(4, m.get("weights").size());
        assertTrue(m.get("intercepts").isNumber());
        assertEquals("gradient-tolerance", m.get("stopReason").asText());
        assertTrue(m.get("gradientNorm").asDouble() <= 1e-6);
        // The weights in the file are the ones whose objective the file reports.
        double recomputed = objectiveOf(m, t, Objective.LOGISTIC, 0.01, 0.0);
        assertEquals(m.get("objectiveValue").asDouble(), recomputed, 1e-12 * recomputed);

        // metrics.jsonl: one record per iteration, in order, ending at the model's iterate.
        List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertEquals(m.get("iterations").asInt(), lines.size());
        for (int i = 0; i < lines.size(); i++) {
            JsonNode rec = JSON.readTree(lines.get(i));
            assertEquals(i + 1, rec.get("iteration").asInt());
            for (String field : List.of("objective", "gradientNorm", "step", "millis", "computeMillis",
                    "aggregationMillis", "updateMillis")) {
                assertTrue(rec.get(field).isNumber(), field + " in " + lines.get(i));
            }
        }
        JsonNode last = JSON.readTree(lines.get(lines.size() - 1));
        assertEquals(m.get("objectiveValue").asDouble(), last.get("objective").asDouble());
        assertEquals(m.get("gradientNorm").asDouble(), last.get("gradientNorm").asDouble());

        // report.html and the plot it shows: a real PNG, and the outcome, data and settings in the page.
        java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(out.resolve("loss.png").toFile());
        assertEquals(900, png.getWidth());
        String html = Files.readString(out.resolve("report.html"));
        for (String part : List.of("<img src=\"loss.png\"", "<th>stop reason</th><td>gradient-tolerance</td>",
                "<th>rows trained on</th><td>300</td>", "<th>features</th><td>4</td>", "<th>l2</th><td>0.01</td>",
                "<th>iterations</th><td>" + m.get("iterations").asInt() + "</td>")) {
            assertTrue(html.contains(part), "report.html lacks " + part);
        }
        assertTrue(r.out().contains("report written to "), r.out());
    }

    @Test
    void progressEveryNthIterationPrintsOnlyThose() throws Exception {
        TestData t = TestData.binary(100, 3, 9);
        Path input = t.writeLibsvm(dir.resolve("every.libsvm"), 0.0);
        // gd with no tolerance runs all 10 iterations.
        Run r = run(train(input, "logistic", dir.resolve("every"), "--max-iter", "10", "--progress-every", "4",
                "--tol", "0", "--rel-tol", "0", "--f-tol", "0", "--optimizer", "gd"));
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().filter(l -> l.startsWith("iteration")).toList();
        assertEquals(3, lines.size(), r.out()); // 4, 8 and the last, 10
        assertTrue(lines.get(0).startsWith("iteration  4/10") && lines.get(2).startsWith("iteration 10/10"), r.out());
        assertTrue(lines.get(0).matches(".*\\(compute \\d+, aggregation \\d+, update \\d+\\)  ETA .*"), lines.get(0));
        assertEquals(10, Files.readAllLines(dir.resolve("every/metrics.jsonl")).size());
    }

    @Test
    void softmaxWithLabelsOneToKRecordsTheLabelsAndWritesKWeightVectors() throws Exception {
        TestData t = TestData.multiclass(300, 3, 3, 2);
        Path input = t.writeLibsvm(dir.resolve("multi.libsvm"), 1.0);
        Path out = dir.resolve("softmax");
        Run r = run(train(input, "softmax", out, "--l2", "0.05", "--max-iter", "50", "--optimizer", "gd"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("labels 1..3 are read as classes 0..2"), r.out());
        JsonNode m = JSON.readTree(out.resolve("model.json").toFile());
        assertEquals(3, m.get("numClasses").asInt());
        assertEquals("[1.0,2.0,3.0]", m.get("classLabels").toString());
        assertEquals(3, m.get("weights").size());
        assertEquals(3, m.get("weights").get(0).size());
        assertEquals(3, m.get("intercepts").size());
        assertEquals(50, m.get("iterations").asInt());
        assertEquals("max-iterations", m.get("stopReason").asText());
        double recomputed = objectiveOf(m, t, Objective.SOFTMAX, 0.05, 0.0);
        assertEquals(m.get("objectiveValue").asDouble(), recomputed, 1e-12 * recomputed);
    }

    @Test
    void leastSquaresFromCsvWithHeader() throws Exception {
        TestData t = TestData.regression(200, 3, 3);
        Path input = t.writeCsv(dir.resolve("reg.csv"));
        Path out = dir.resolve("ls");
        Run r = run(train(input, "least-squares", out, "--max-iter", "20"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("200 rows x 3 features (csv)"), r.out());
        JsonNode m = JSON.readTree(out.resolve("model.json").toFile());
        assertEquals(0, m.get("numClasses").asInt());
        assertFalse(m.has("classLabels"));
        assertTrue(m.get("intercepts").isNumber());
        double recomputed = objectiveOf(m, t, Objective.LEAST_SQUARES, 0.0, 0.0);
        assertEquals(m.get("objectiveValue").asDouble(), recomputed, 1e-12 * recomputed);
    }

    @Test
    void identicalRunsWriteIdenticalModelBytes() throws Exception {
        TestData t = TestData.binary(400, 5, 4);
        Path input = t.writeLibsvm(dir.resolve("same.libsvm"), 0.0);
        Run a = run(train(input, "hinge", dir.resolve("a"), "--max-iter", "30", "--l2", "0.1"));
        Run b = run(train(input, "hinge", dir.resolve("b"), "--max-iter", "30", "--l2", "0.1", "--master", "local[1]"));
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        assertArrayEquals(Files.readAllBytes(dir.resolve("a/model.json")), Files.readAllBytes(dir.resolve("b/model.json")));
    }

    @Test
    void minusOnePlusOneLabelsAreRefusedByDefaultAndReadAsZeroOneWhenAsked() throws Exception {
        TestData t = TestData.binary(200, 3, 5);
        // y in {0,1} written as 2y-1 in {-1,+1}.
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < t.rows(); i++) {
            sb.append(t.y[i] == 1 ? "+1" : "-1");
            for (int j = 0; j < 3; j++) {
                sb.append(' ').append(j + 1).append(':').append(t.x[i][j]);
            }
            sb.append('\n');
        }
        Path pm = Files.writeString(dir.resolve("pm.libsvm"), sb.toString());
        Path zo = t.writeLibsvm(dir.resolve("zo.libsvm"), 0.0);
        Run refused = run(train(pm, "logistic", dir.resolve("refused"), "--max-iter", "25"));
        assertBadInput(refused, dir.resolve("refused"), "label -1 in", "pm.libsvm line ", "--binary-labels pm1");
        // Both run to machine precision (not to a stopping tolerance), so only rounding may separate them.
        Run a = run(train(pm, "logistic", dir.resolve("pm"), "--max-iter", "25", "--binary-labels", "pm1",
                "--rel-tol", "0", "--f-tol", "0"));
        Run b = run(train(zo, "logistic", dir.resolve("zo"), "--max-iter", "25", "--rel-tol", "0", "--f-tol", "0"));
        assertEquals(0, a.code(), a.err());
        assertTrue(a.out().contains("labels -1/+1 are read as 0/1"), a.out());
        JsonNode ma = JSON.readTree(dir.resolve("pm/model.json").toFile());
        JsonNode mb = JSON.readTree(dir.resolve("zo/model.json").toFile());
        assertEquals("[-1.0,1.0]", ma.get("classLabels").toString());
        // Same rows, but "+1"/"-1" shift byte offsets, so rows sit in other partitions: equal up to rounding.
        for (int j = 0; j < 3; j++) {
            assertEquals(mb.get("weights").get(j).asDouble(), ma.get("weights").get(j).asDouble(), 1e-12);
        }
        double f = mb.get("objectiveValue").asDouble();
        assertEquals(f, ma.get("objectiveValue").asDouble(), 1e-12 * f);
    }

    @Test
    void divergenceExitsWith4KeepsTheBestParametersAndWritesNoModel() throws Exception {
        TestData t = TestData.regression(200, 3, 10);
        Path input = t.writeLibsvm(dir.resolve("diverge.libsvm"), 0.0);
        Path out = dir.resolve("diverge");
        // L is about 4 here, so a step of 20 overshoots every iteration: f rises geometrically.
        Run r = run(train(input, "least-squares", out, "--step", "20", "--max-iter", "100",
                "--divergence-rises", "4", "--optimizer", "gd", "--standardize", "false"));
        assertEquals(ExitCode.DIVERGED, r.code(), r.err());
        assertTrue(r.err().startsWith("downhill: error: training diverged at iteration 4: the objective rose 4"
                + " iterations in a row"), r.err());
        assertTrue(r.err().contains("try a smaller --step"), r.err());
        assertFalse(Files.exists(out.resolve("model.json")));
        JsonNode lastGood = JSON.readTree(out.resolve("last-good-model.json").toFile());
        assertEquals("diverged", lastGood.get("stopReason").asText());
        assertEquals(0, lastGood.get("iterations").asInt(), "the start (all zeros) was the best point seen");
        double recomputed = objectiveOf(lastGood, t, Objective.LEAST_SQUARES, 0.0, 0.0);
        assertEquals(lastGood.get("objectiveValue").asDouble(), recomputed, 1e-12 * recomputed);
    }

    // ---- bad input: a clear message naming file and text, exit code 3, no model ----

    private void assertBadInput(Run r, Path output, String... mustContain) {
        assertEquals(ExitCode.BAD_INPUT, r.code(), "stdout: " + r.out() + "\nstderr: " + r.err());
        assertTrue(r.err().startsWith("downhill: error: "), r.err());
        for (String s : mustContain) {
            assertTrue(r.err().contains(s), "message lacks '" + s + "': " + r.err());
        }
        assertFalse(r.err().contains("\tat "), "a stack trace was printed: " + r.err());
        assertFalse(Files.exists(output.resolve("model.json")), "a model was written");
    }

    @Test
    void malformedLibsvmLineIsReportedWithFileLineAndText() throws Exception {
        Path input = Files.writeString(dir.resolve("bad.libsvm"), "1 1:0.5 2:1.5\n0 1:0.25\n1 1:0.5 2:x7\n0 2:1\n");
        Path out = dir.resolve("bad-out");
        Run r = run(train(input, "logistic", out));
        assertBadInput(r, out, "bad.libsvm line 3", "\"1 1:0.5 2:x7\"", "'x7' is not a number");
    }

    @Test
    void nonNumericCsvFieldIsReportedWithFileLineAndText() throws Exception {
        Path input = Files.writeString(dir.resolve("bad.csv"), "y,a,b\n1.5,2,3\n0.5,two,4\n");
        Path out = dir.resolve("csv-out");
        Run r = run(train(input, "least-squares", out));
        assertBadInput(r, out, "bad.csv line 3", "\"0.5,two,4\"", "'two' is not a number");
    }

    @Test
    void missingPathIsReported() {
        Path missing = dir.resolve("no-such-folder/data.libsvm");
        Path out = dir.resolve("missing-out");
        Run r = run(train(missing, "logistic", out));
        assertBadInput(r, out, missing.toString(), "does not exist");
    }

    @Test
    void labelThatDoesNotFitTheObjectiveNamesTheRow() throws Exception {
        Path input = Files.writeString(dir.resolve("labels.libsvm"), "1 1:0.5\n0 1:0.25\n2 1:1.5\n");
        Path out = dir.resolve("labels-out");
        Run r = run(train(input, "logistic", out));
        assertBadInput(r, out, "labels.libsvm line 3", "label 2");
    }

    // ---- bad settings: exit code 2 before Spark starts ----

    @Test
    void unknownSettingSuggestsTheCloseOne() throws Exception {
        Path input = Files.writeString(dir.resolve("ok.libsvm"), "1 1:0.5\n0 1:0.25\n");
        Run r = run(train(input, "logistic", dir.resolve("x"), "--stpe", "0.1"));
        assertEquals(ExitCode.BAD_SETTINGS, r.code());
        assertTrue(r.err().contains("unknown setting --stpe") && r.err().contains("--step"), r.err());
    }

    @Test
    void outOfRangeSettingNamesKeyAndRange() throws Exception {
        Path input = Files.writeString(dir.resolve("ok2.libsvm"), "1 1:0.5\n0 1:0.25\n");
        Run r = run(train(input, "logistic", dir.resolve("x"), "--l2", "-1"));
        assertEquals(ExitCode.BAD_SETTINGS, r.code());
        assertTrue(r.err().contains("--l2 '-1' is not valid"), r.err());
        Run missing = run("train", "--input", input.toString(), "--output", dir.resolve("y").toString());
        assertEquals(ExitCode.BAD_SETTINGS, missing.code());
        assertTrue(missing.err().contains("--objective is required"), missing.err());
    }

    @Test
    void helpListsEverySetting() {
        Run r = run("train", "--help");
        assertEquals(0, r.code());
        for (var s : dev.downhill.driver.settings.Settings.ALL) {
            assertTrue(r.out().contains("--" + s.key()), "help lacks --" + s.key());
        }
    }

    /** The real entry point in its own JVM: main's exit codes, JDK 17 flags, Kryo registration required. */
    @Test
    void mainInASeparateJvmExitsWithTheDocumentedCodes() throws Exception {
        TestData t = TestData.binary(200, 3, 6);
        Path input = t.writeLibsvm(dir.resolve("jvm.libsvm"), 0.0);
        Path out = dir.resolve("jvm-out");
        Process ok = java("train", "--input", input.toString(), "--objective", "logistic", "--output", out.toString(),
                "--master", "local[2]", "--max-iter", "5");
        assertEquals(0, ok.exitValue(), new String(ok.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        assertTrue(Files.exists(out.resolve("model.json")));

        Path bad = Files.writeString(dir.resolve("jvm-bad.libsvm"), "1 3:1 2:1\n");
        Process failed = java("train", "--input", bad.toString(), "--objective", "logistic", "--output",
                dir.resolve("jvm-bad-out").toString(), "--master", "local[2]");
        String text = new String(failed.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(ExitCode.BAD_INPUT, failed.exitValue(), text);
        assertTrue(text.contains("jvm-bad.libsvm line 1") && text.contains("comes after 3"), text);
    }

    private Process java(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The JDK 17 flags surefire gave this JVM (from pom.xml's spark.jdk17.flags).
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-") || a.startsWith("-Djdk.") || a.startsWith("-Dio.netty") || a.startsWith("-XX:+Ignore")) {
                cmd.add(a);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Downhill.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the Downhill JVM did not finish in 120 s");
        }
        return p;
    }

    static {
        // Keeps File-based paths in messages comparable on every platform.
        assert File.separatorChar == '/';
    }
}
