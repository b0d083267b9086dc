package dev.downhill.driver;

import static dev.downhill.driver.TrainCommandLineTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.driver.EvaluateCommandTest.Data;
import dev.downhill.driver.TrainCommandLineTest.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code predict} through the command line on models {@code train} wrote: the files Spark reads back (CSV and
 * Parquet) have one row per input row, the documented columns, predictions that are the threshold or argmax
 * of the scores and speak the data's labels, and scores equal to the model's own formulas (computed here from
 * model.json).
 */
class PredictCommandTest {
    private static final double TOL = 1e-12;

    private static SparkSession spark;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        spark = TestSpark.startWithSparkLibraries("PredictCommandTest");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static String[] predict(Path model, Path input, Path output, String... extra) {
        List<String> args = new ArrayList<>(List.of("predict", "--model", model.toString(), "--input",
                input.toString(), "--output", output.toString(), "--master", "local[2]"));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    private static Path trained(Path input, String objective, String name, String... extra) {
        Path model = dir.resolve(name);
        Run t = run(TrainCommandLineTest.train(input, objective, model, extra));
        assertEquals(0, t.code(), t.err());
        return model;
    }

    /** The CSV as Spark reads it, every column a string named by the header (numbers parsed by the test). */
    private static Dataset<Row> readCsv(Path output) {
        return spark.read().option("header", "true").csv(output.toString());
    }

    private static double number(Row row, int i) {
        return Double.parseDouble(row.getString(i));
    }

    private static List<Path> partFiles(Path output) throws IOException {
        try (Stream<Path> files = Files.list(output)) {
            return files.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList();
        }
    }

    private static double[] sorted(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s;
    }

    private static void assertSameValues(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length);
        double[] e = sorted(expected);
        double[] a = sorted(actual);
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], TOL, "value " + i + " in sorted order");
        }
    }

    @Test
    void logisticCsvFromTwoFilesSpeaksMinusOnePlusOneAndThresholdsItsScores() throws Exception {
        Data first = EvaluateCommandTest.tiedBinary(250, 31);
        Data second = EvaluateCommandTest.tiedBinary(150, 32);
        Path folder = dir.resolve("pm-data");
        first.writeLibsvm(folder.resolve("a.libsvm"));
        second.writeLibsvm(folder.resolve("b.libsvm"));
        Path model = trained(folder, "logistic", "pm-model", "--binary-labels", "pm1", "--max-iter", "15");
        Path out = dir.resolve("pm-predictions");
        Run r = run(predict(model, folder, out));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("predicted 400 rows"), r.out());

        // One part file per input split: a folder of part files as Spark writes them.
        assertTrue(partFiles(out).size() >= 2, "part files: " + partFiles(out));
        Dataset<Row> df = readCsv(out);
        assertArrayEquals(new String[] {"label", "prediction", "score"}, df.columns());
        List<Row> rows = df.collectAsList();
        assertEquals(400, rows.size());
        double[] scores = new double[rows.size()];
        long[] byLabelAndPrediction = new long[4];
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            double label = number(row, 0);
            double prediction = number(row, 1);
            scores[i] = number(row, 2);
            assertTrue(label == 1.0 || label == -1.0, "label " + label);
            assertEquals(scores[i] > 0.5 ? 1.0 : -1.0, prediction, "prediction is the threshold of the score");
            byLabelAndPrediction[(label > 0 ? 2 : 0) + (prediction > 0 ? 1 : 0)]++;
        }
        ReferenceModel m = new ReferenceModel(model.resolve("model.json"));
        double[] expected = new double[400];
        long[] expectedPairs = new long[4];
        int i = 0;
        for (Data d : List.of(first, second)) {
            for (int j = 0; j < d.labels().length; j++, i++) {
                expected[i] = m.probabilities(d.x()[j])[1];
                expectedPairs[(d.labels()[j] > 0 ? 2 : 0) + m.predictedClass(d.x()[j])]++;
            }
        }
        assertSameValues(expected, scores);
        assertArrayEquals(expectedPairs, byLabelAndPrediction);
    }

    @Test
    void softmaxParquetHoldsProbabilityArraysThatSumToOne() throws Exception {
        TestData t = TestData.multiclass(300, 3, 3, 33);
        Path input = t.writeLibsvm(dir.resolve("multi/data.libsvm"), 1.0);
        Path model = trained(input, "softmax", "softmax-model", "--max-iter", "15");
        Path out = dir.resolve("softmax-parquet");
        Run r = run(predict(model, input, out, "--output-format", "parquet"));
        assertEquals(0, r.code(), r.err());

        Dataset<Row> df = spark.read().parquet(out.toString());
        assertArrayEquals(new String[] {"label", "prediction", "score"}, df.columns());
        assertEquals("array<double>", df.schema().apply("score").dataType().simpleString());
        List<Row> rows = df.collectAsList();
        assertEquals(300, rows.size());
        ReferenceModel m = new ReferenceModel(model.resolve("model.json"));
        double[] firstProbability = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            List<Double> p = row.getList(2);
            assertEquals(3, p.size());
            double sum = 0;
            int argmax = 0;
            for (int c = 0; c < 3; c++) {
                sum += p.get(c);
                argmax = p.get(c) > p.get(argmax) ? c : argmax;
            }
            assertEquals(1.0, sum, 1e-12);
            assertEquals(m.classLabels[argmax], row.getDouble(1), "prediction is the label of the argmax");
            assertTrue(row.getDouble(0) >= 1 && row.getDouble(0) <= 3);
            firstProbability[i] = p.get(0);
        }
        double[] expected = new double[t.rows()];
        for (int i = 0; i < t.rows(); i++) {
            expected[i] = m.probabilities(t.x[i])[0];
        }
        assertSameValues(expected, firstProbability);
    }

    @Test
    void softmaxCsvHasOneScoreColumnPerClassNamedByItsLabel() throws Exception {
        TestData t = TestData.multiclass(120, 2, 3, 34);
        Path input = t.writeLibsvm(dir.resolve("multi-csv/data.libsvm"), 1.0);
        Path model = trained(input, "softmax", "softmax-csv-model", "--max-iter", "8");
        Path out = dir.resolve("softmax-csv");
        assertEquals(0, run(predict(model, input, out)).code());
        Dataset<Row> df = readCsv(out);
        assertArrayEquals(new String[] {"label", "prediction", "score_1", "score_2", "score_3"}, df.columns());
        for (Row row : df.collectAsList()) {
            double sum = number(row, 2) + number(row, 3) + number(row, 4);
            assertEquals(1.0, sum, 1e-12);
        }
        assertEquals(120, df.count());
    }

    @Test
    void unlabeledCsvGivesPredictionsInInputOrderWithoutALabelColumn() throws Exception {
        TestData t = TestData.regression(200, 3, 35);
        Path train = t.writeCsv(dir.resolve("reg/train.csv"));
        Path model = trained(train, "least-squares", "ls-model", "--max-iter", "10");
        // The same features with no label column.
        StringBuilder sb = new StringBuilder("f1,f2,f3\n");
        for (double[] x : t.x) {
            sb.append(x[0]).append(',').append(x[1]).append(',').append(x[2]).append('\n');
        }
        Path unlabeled = Files.writeString(dir.resolve("reg/unlabeled.csv"), sb.toString());
        Path out = dir.resolve("ls-predictions");
        Run r = run(predict(model, unlabeled, out, "--label-column", "none"));
        assertEquals(0, r.code(), r.err());

        Dataset<Row> df = readCsv(out);
        assertArrayEquals(new String[] {"prediction", "score"}, df.columns());
        // One small file is one split, so one part file with the rows in input order.
        List<Path> parts = partFiles(out);
        assertEquals(1, parts.size(), parts.toString());
        List<String> lines = Files.readAllLines(parts.get(0));
        assertEquals("prediction,score", lines.get(0));
        assertEquals(201, lines.size());
        ReferenceModel m = new ReferenceModel(model.resolve("model.json"));
        for (int i = 0; i < t.rows(); i++) {
            String[] fields = lines.get(i + 1).split(",");
            double z = m.outputs(t.x[i])[0];
            assertEquals(z, Double.parseDouble(fields[0]), TOL, "row " + i);
            assertEquals(fields[0], fields[1], "least squares: the score is the prediction");
        }
    }

    @Test
    void unlabeledLibsvmIsReadWithLabelColumnNone() throws Exception {
        Data data = EvaluateCommandTest.tiedBinary(50, 36);
        Path labeled = data.writeLibsvm(dir.resolve("unl/train.libsvm"));
        Path model = trained(labeled, "hinge", "hinge-model", "--binary-labels", "pm1", "--max-iter", "5");
        // Labels stripped; a row with no non-zero feature would be a blank line (skipped), so it gets "1:0".
        String text = Files.readString(labeled).replaceAll("(?m)^-?1 ?", "").replaceAll("(?m)^$", "1:0");
        Path unlabeled = Files.writeString(dir.resolve("unl/rows.libsvm"), text);
        Path out = dir.resolve("hinge-predictions");
        Run r = run(predict(model, unlabeled, out, "--label-column", "none", "--output-format", "parquet"));
        assertEquals(0, r.code(), r.err());
        Dataset<Row> df = spark.read().parquet(out.toString());
        assertArrayEquals(new String[] {"prediction", "score"}, df.columns());
        for (Row row : df.collectAsList()) {
            assertEquals(row.getDouble(1) > 0 ? 1.0 : -1.0, row.getDouble(0), "hinge: the sign of the decision value");
        }
        assertEquals(50, df.count());
    }

    // ---- bad input and settings ----

    private static Path smallModel;

    private static Path smallModel() throws IOException {
        if (smallModel == null) {
            Path input = EvaluateCommandTest.tiedBinary(100, 37).writeLibsvm(dir.resolve("small/train.libsvm"));
            smallModel = trained(input, "logistic", "small-model", "--binary-labels", "pm1", "--max-iter", "3");
        }
        return smallModel;
    }

    @Test
    void moreFeaturesThanTheModelKnowsIsExitThreeNamingFileLineAndText() throws Exception {
        Path input = Files.writeString(dir.resolve("wide.libsvm"), "1 1:1\n1 2:1 5:2\n");
        Path out = dir.resolve("wide-out");
        Run r = run(predict(smallModel(), input, out));
        assertEquals(ExitCode.BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains("wide.libsvm line 2") && r.err().contains("\"1 2:1 5:2\"")
                && r.err().contains("feature index 5 is beyond the 3 features"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        // The failed write leaves no folder behind, so the rerun after fixing the data is not refused.
        assertFalse(Files.exists(out), "a failed predict left " + out);
    }

    @Test
    void aMissingModelIsExitThreeNamingIt() throws Exception {
        Path missing = dir.resolve("gone");
        Run r = run(predict(missing, dir.resolve("small/train.libsvm"), dir.resolve("gone-out")));
        assertEquals(ExitCode.BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains(missing.toString()) && r.err().contains("does not exist"), r.err());
    }

    @Test
    void anExistingOutputIsRefusedBeforeSparkStarts() throws Exception {
        Path out = Files.createDirectories(dir.resolve("taken"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        // Refused before the model is even read: no model is needed.
        Run r = run(predict(dir.resolve("any-model"), dir.resolve("any.libsvm"), out));
        assertEquals(ExitCode.BAD_SETTINGS, r.code(), r.err());
        assertTrue(r.err().contains("already exists"), r.err());
        assertEquals("mine", Files.readString(out.resolve("keep.txt")));
    }

    @Test
    void helpListsTheSettingsPredictReads() {
        Run r = run("predict", "--help");
        assertEquals(0, r.code());
        String own = r.out().substring(0, r.out().indexOf("Settings of other commands"));
        for (String key : List.of("--model", "--input", "--output", "--output-format", "--label-column")) {
            assertTrue(own.contains("  " + key), "predict --help lacks " + key + ":\n" + r.out());
        }
        assertFalse(own.contains("  --l2"), r.out());
    }
}
