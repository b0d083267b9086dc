package dev.downhill.driver;

import static dev.downhill.driver.TrainCommandLineTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.downhill.driver.TrainCommandLineTest.Run;
import dev.downhill.driver.export.OnnxExport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code export} through the command line on models {@code train} wrote: ONNX Runtime, given the raw feature rows,
 * returns the scores {@code predict} writes for the same rows (standardization folded into the saved first layer,
 * so nothing else is applied), for every objective; and its refusals exit 2 (settings, an existing output) or 3 (no
 * model) naming the path, and --overwrite replaces a file, never a folder.
 */
class ExportCommandTest {
    private static final int N = 60;
    private static final int D = 4;

    private static SparkSession spark;
    private static double[][] x;
    private static Path binary;
    private static Path multiclass;
    private static Path regression;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws IOException {
        spark = TestSpark.start("ExportCommandTest");
        Random r = new Random(13);
        x = new double[N][D];
        double[] yBinary = new double[N];
        double[] yClass = new double[N];
        double[] yValue = new double[N];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < D; j++) {
                // offsets and scales far from standardized, so folding the standardization matters
                x[i][j] = 10.0 * j + (j + 1) * r.nextGaussian();
            }
            double z = 0.8 * (x[i][0]) - 0.5 * (x[i][1] - 10) + 0.3 * (x[i][3] - 30);
            yBinary[i] = z + 0.5 * r.nextGaussian() > 0 ? 1 : 0;
            yClass[i] = z < -0.7 ? 0 : z < 0.7 ? 1 : 2;
            yValue[i] = z + 0.1 * r.nextGaussian();
        }
        binary = csv("binary.csv", yBinary);
        multiclass = csv("multiclass.csv", yClass);
        regression = csv("regression.csv", yValue);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static Path csv(String name, double[] y) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < N; i++) {
            sb.append(y[i]);
            for (int j = 0; j < D; j++) {
                sb.append(',').append(x[i][j]);
            }
            sb.append('\n');
        }
        Path file = dir.resolve(name);
        Files.writeString(file, sb.toString());
        return file;
    }

    private static Path trained(Path input, String objective, String name, String... extra) {
        Path model = dir.resolve(name);
        Run t = run(TrainCommandLineTest.train(input, objective, model, extra));
        assertEquals(0, t.code(), t.err());
        return model;
    }

    private static Run export(Path model, Path output, String... extra) {
        List<String> args = new ArrayList<>(List.of("export", "--model", model.toString(), "--format", "onnx",
                "--output", output.toString()));
        args.addAll(List.of(extra));
        return run(args.toArray(new String[0]));
    }

    /** predict's score columns, row by row in input order (one small file: one part file). */
    private static double[][] predictedScores(Path model, Path input, String name) throws IOException {
        Path out = dir.resolve(name);
        Run p = run("predict", "--model", model.toString(), "--input", input.toString(), "--output", out.toString(),
                "--master", "local[2]");
        assertEquals(0, p.code(), p.err());
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.list(out)) {
            for (Path part : files.filter(f -> f.getFileName().toString().startsWith("part-")).sorted().toList()) {
                List<String> partLines = Files.readAllLines(part, StandardCharsets.UTF_8);
                lines.addAll(partLines.subList(1, partLines.size())); // each part has a header
            }
        }
        assertEquals(N, lines.size());
        double[][] scores = new double[N][];
        for (int i = 0; i < N; i++) {
            String[] fields = lines.get(i).split(",");
            scores[i] = new double[fields.length - 2]; // label, prediction, then the scores
            for (int c = 0; c < scores[i].length; c++) {
                scores[i][c] = Double.parseDouble(fields[c + 2]);
            }
        }
        return scores;
    }

    private static double[][] onnxScores(Path onnx) throws OrtException, IOException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(Files.readAllBytes(onnx), new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(env, x);
             OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
            return (double[][]) result.get(0).getValue();
        }
    }

    private static void assertSameScores(Path model, Path input, String name) throws Exception {
        Path onnx = dir.resolve(name + ".onnx");
        Run e = export(model, onnx);
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains(onnx.toString()) && e.out().contains("opset 13"), e.out());
        double[][] want = predictedScores(model, input, name + "-predictions");
        double[][] got = onnxScores(onnx);
        double worst = 0;
        for (int i = 0; i < N; i++) {
            assertEquals(want[i].length, got[i].length, "scores per row");
            for (int c = 0; c < want[i].length; c++) {
                double diff = Math.abs(got[i][c] - want[i][c]);
                assertTrue(diff <= 1e-6 * Math.abs(want[i][c]) + 1e-15, name + " row " + i + " score " + c
                        + ": onnx " + got[i][c] + ", predict " + want[i][c]);
                worst = Math.max(worst, diff / Math.max(Math.abs(want[i][c]), 1e-300));
            }
        }
        System.out.println("export vs predict, " + name + ": largest relative difference " + worst);
    }

    @Test
    void logisticLinearModel() throws Exception {
        assertSameScores(trained(binary, "logistic", "logistic-linear", "--l2", "0.01"), binary, "logistic-linear");
    }

    @Test
    void softmaxNetwork() throws Exception {
        assertSameScores(trained(multiclass, "softmax", "softmax-mlp", "--model", "mlp", "--hidden", "6,5",
                "--activation", "tanh", "--max-iter", "30"), multiclass, "softmax-mlp");
    }

    @Test
    void leastSquaresNetwork() throws Exception {
        assertSameScores(trained(regression, "least-squares", "least-squares-mlp", "--model", "mlp", "--hidden", "5",
                "--activation", "gelu", "--max-iter", "30"), regression, "least-squares-mlp");
    }

    @Test
    void hingeLinearModel() throws Exception {
        assertSameScores(trained(binary, "hinge", "hinge-linear", "--l2", "0.01", "--max-iter", "50"), binary,
                "hinge-linear");
    }

    @Test
    void refusesAnExistingOutputAndKeepsIt() throws IOException {
        Path model = trained(binary, "logistic", "for-refusals", "--max-iter", "5");
        Path existing = dir.resolve("existing.onnx");
        Files.writeString(existing, "keep me");
        Run e = export(model, existing);
        assertEquals(ExitCode.BAD_SETTINGS, e.code(), e.err());
        assertTrue(e.err().contains(existing.toString()) && e.err().contains("already exists"), e.err());
        assertEquals("keep me", Files.readString(existing));

        Run missing = export(dir.resolve("no-such-model"), dir.resolve("never.onnx"));
        assertEquals(ExitCode.BAD_INPUT, missing.code(), missing.err());
        assertTrue(missing.err().contains("no-such-model"), missing.err());
        assertFalse(Files.exists(dir.resolve("never.onnx")));

        Run csv = run("export", "--model", model.toString(), "--format", "csv", "--output",
                dir.resolve("never.onnx").toString());
        assertEquals(ExitCode.BAD_SETTINGS, csv.code());
        assertTrue(csv.err().contains("--format csv"), csv.err());

        Run input = export(model, dir.resolve("never.onnx"), "--input", binary.toString());
        assertEquals(ExitCode.BAD_SETTINGS, input.code());
        assertTrue(input.err().contains("--input does not apply to export"), input.err());

        Run noOutput = run("export", "--model", model.toString());
        assertEquals(ExitCode.BAD_SETTINGS, noOutput.code());
        assertTrue(noOutput.err().contains("--output is required"), noOutput.err());
        assertFalse(Files.exists(dir.resolve("never.onnx")));

        // --overwrite replaces a file (here with the model), never a folder
        Run replaced = export(model, existing, "--overwrite");
        assertEquals(0, replaced.code(), replaced.err());
        assertTrue(Files.size(existing) > 100 && !Files.readString(existing, StandardCharsets.ISO_8859_1)
                .equals("keep me"));
        Path folder = Files.createDirectories(dir.resolve("a-folder.onnx"));
        Run onFolder = export(model, folder, "--overwrite");
        assertEquals(ExitCode.BAD_SETTINGS, onFolder.code(), onFolder.err());
        assertTrue(onFolder.err().contains("a-folder.onnx is a folder"), onFolder.err());
        Run underFile = export(model, existing.resolve("x.onnx"));
        assertEquals(ExitCode.BAD_SETTINGS, underFile.code(), underFile.err());
        assertTrue(underFile.err().contains("is a file, not a folder"), underFile.err());

        // --format auto (the default) is onnx
        Run auto = run("export", "--model", model.toString(), "--output", dir.resolve("auto.onnx").toString());
        assertEquals(0, auto.code(), auto.err());
        assertTrue(Files.size(dir.resolve("auto.onnx")) > 0);
    }

    @Test
    void onnxIsNotAnInputFormat() {
        Run t = run(TrainCommandLineTest.train(binary, "logistic", dir.resolve("never"), "--format", "onnx"));
        assertEquals(ExitCode.BAD_SETTINGS, t.code());
        assertTrue(t.err().contains("--format onnx is a model format"), t.err());
    }
}
