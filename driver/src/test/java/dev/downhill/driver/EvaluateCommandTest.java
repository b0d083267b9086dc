package dev.downhill.driver;

import static dev.downhill.driver.TrainCommandLineTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.driver.TrainCommandLineTest.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evaluate} through the command line on models {@code train} wrote: every metric against Spark ML's
 * evaluators (or, for macro-F1 and the confusion matrix, a count made here) on predictions this test computes
 * itself from model.json; and bad models and data give exit code 3 with a message naming the file.
 */
class EvaluateCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double TOL = 1e-9;

    private static SparkSession spark;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        spark = TestSpark.startWithSparkLibraries("EvaluateCommandTest");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Rows as written to a file: features and the label as it appears in the data. */
    record Data(double[][] x, double[] labels) {
        Path writeLibsvm(Path file) throws IOException {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < labels.length; i++) {
                sb.append(labels[i] == Math.rint(labels[i]) ? String.valueOf((long) labels[i]) : labels[i]);
                for (int j = 0; j < x[i].length; j++) {
                    if (x[i][j] != 0.0) {
                        sb.append(' ').append(j + 1).append(':').append(x[i][j]);
                    }
                }
                sb.append('\n');
            }
            Files.createDirectories(file.getParent());
            return Files.writeString(file, sb.toString());
        }
    }

    /**
     * -1/+1 labels from a logistic model on features in {0, 1, 2}: only 27 distinct rows, so many rows share a
     * score and the ROC AUC must handle ties.
     */
    static Data tiedBinary(int n, long seed) {
        Random r = new Random(seed);
        double[] w = {1.2, -0.8, 0.5};
        double[][] x = new double[n][3];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double z = -0.4;
            for (int j = 0; j < 3; j++) {
                x[i][j] = r.nextInt(3);
                z += w[j] * x[i][j];
            }
            y[i] = r.nextDouble() < 1.0 / (1.0 + Math.exp(-z)) ? 1 : -1;
        }
        return new Data(x, y);
    }

    static String[] train(Path input, String objective, Path output, String... extra) {
        return TrainCommandLineTest.train(input, objective, output, extra);
    }

    static String[] evaluate(Path model, Path input, String... extra) {
        List<String> args = new ArrayList<>(List.of("evaluate", "--model", model.toString(), "--input",
                input.toString(), "--master", "local[2]"));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    private static JsonNode trainAndEvaluate(Path input, String objective, String name, String... trainExtra)
            throws IOException {
        Path model = dir.resolve(name);
        Run t = run(train(input, objective, model, trainExtra));
        assertEquals(0, t.code(), t.err());
        Run e = run(evaluate(model, input));
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("evaluation written to "), e.out());
        return JSON.readTree(model.resolve("evaluation.json").toFile());
    }

    private static double metric(JsonNode report, String key) {
        JsonNode v = report.get("metrics").get(key);
        assertTrue(v != null && v.isNumber(), key + " in " + report);
        return v.asDouble();
    }

    private static Dataset<Row> frame(List<Row> rows, StructType schema) {
        return spark.createDataFrame(rows, schema);
    }

    private static double multiclass(Dataset<Row> df, String metric, double metricLabel) {
        return new MulticlassClassificationEvaluator().setLabelCol("label").setPredictionCol("prediction")
                .setProbabilityCol("probability").setMetricName(metric).setMetricLabel(metricLabel).evaluate(df);
    }

    /** Class index, predicted index, model output z and class probabilities per row, as Spark ML reads them. */
    private static Dataset<Row> predictionsOf(ReferenceModel m, Data data) {
        StructType schema = new StructType()
                .add("label", DataTypes.DoubleType)
                .add("prediction", DataTypes.DoubleType)
                .add("z", DataTypes.DoubleType)
                .add("probability", new VectorUDT());
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < data.labels().length; i++) {
            double[] x = data.x()[i];
            double[] p = "hinge".equals(m.objective) ? new double[] {0.5, 0.5} : m.probabilities(x);
            rows.add(RowFactory.create((double) m.classOf(data.labels()[i]), (double) m.predictedClass(x),
                    m.outputs(x)[0], Vectors.dense(p)));
        }
        return frame(rows, schema);
    }

    private static void assertConfusionMatrix(JsonNode report, ReferenceModel m, Data data) {
        int k = m.classLabels.length;
        double[][] counts = new double[k][k];
        for (int i = 0; i < data.labels().length; i++) {
            counts[m.classOf(data.labels()[i])][m.predictedClass(data.x()[i])]++;
        }
        JsonNode matrix = report.get("confusionMatrix");
        for (int c = 0; c < k; c++) {
            assertEquals(m.classLabels[c], matrix.get("labels").get(c).asDouble());
            for (int p = 0; p < k; p++) {
                assertEquals(counts[c][p], matrix.get("counts").get(c).get(p).asDouble(), "C[" + c + "][" + p + "]");
            }
        }
    }

    @Test
    void logisticWithMinusOnePlusOneLabelsAndTiedScoresMatchesSparkMl() throws Exception {
        Data data = tiedBinary(400, 21);
        Path input = data.writeLibsvm(dir.resolve("tied/data.libsvm"));
        JsonNode report = trainAndEvaluate(input, "logistic", "logistic", "--binary-labels", "pm1", "--max-iter", "40");
        ReferenceModel m = new ReferenceModel(dir.resolve("logistic/model.json"));
        assertEquals(-1.0, m.classLabels[0]);
        Dataset<Row> df = predictionsOf(m, data);

        double auc = new BinaryClassificationEvaluator().setLabelCol("label").setRawPredictionCol("z")
                .setMetricName("areaUnderROC").setNumBins(0).evaluate(df);
        assertEquals(auc, metric(report, "rocAuc"), TOL);
        assertEquals(multiclass(df, "accuracy", 1.0), metric(report, "accuracy"), TOL);
        assertEquals(multiclass(df, "precisionByLabel", 1.0), metric(report, "precision"), TOL);
        assertEquals(multiclass(df, "recallByLabel", 1.0), metric(report, "recall"), TOL);
        assertEquals(multiclass(df, "fMeasureByLabel", 1.0), metric(report, "f1"), TOL);
        assertEquals(multiclass(df, "logLoss", 1.0), metric(report, "logLoss"), TOL);
        assertEquals(400, report.get("rows").asLong());
        assertEquals(1.0, report.get("positiveLabel").asDouble());
        assertConfusionMatrix(report, m, data);
        // The ties are real: far fewer distinct scores than rows.
        assertTrue(df.select("z").distinct().count() <= 27);
    }

    @Test
    void hingeReportsNoLogLossAndItsAucRanksDecisionValues() throws Exception {
        Data data = tiedBinary(300, 22);
        Data zeroOne = new Data(data.x(), java.util.Arrays.stream(data.labels()).map(y -> y > 0 ? 1 : 0).toArray());
        Path input = zeroOne.writeLibsvm(dir.resolve("hinge/data.libsvm"));
        // "-0" is the label 0 too (parsed as -0.0, which a plain Double lookup would not find).
        Files.writeString(input, Files.readString(input).replaceFirst("(?m)^0 ", "-0 "));
        assertTrue(Files.readString(input).contains("\n-0 ") || Files.readString(input).startsWith("-0 "));
        JsonNode report = trainAndEvaluate(input, "hinge", "hinge-model", "--max-iter", "25", "--l2", "0.01");
        ReferenceModel m = new ReferenceModel(dir.resolve("hinge-model/model.json"));
        Dataset<Row> df = predictionsOf(m, zeroOne);
        assertTrue(report.get("metrics").get("logLoss").isNull(), report.toString());
        assertTrue(report.get("notApplicable").get("logLoss").asText().contains("not probabilities"));
        double auc = new BinaryClassificationEvaluator().setLabelCol("label").setRawPredictionCol("z")
                .setMetricName("areaUnderROC").setNumBins(0).evaluate(df);
        assertEquals(auc, metric(report, "rocAuc"), TOL);
        assertEquals(multiclass(df, "accuracy", 1.0), metric(report, "accuracy"), TOL);
        assertEquals(multiclass(df, "fMeasureByLabel", 1.0), metric(report, "f1"), TOL);
    }

    @Test
    void softmaxWithLabelsOneToKMatchesSparkMlAndAHandCount() throws Exception {
        TestData t = TestData.multiclass(450, 4, 3, 23);
        Path input = t.writeLibsvm(dir.resolve("multi/data.libsvm"), 1.0);
        JsonNode report = trainAndEvaluate(input, "softmax", "softmax", "--max-iter", "40");
        ReferenceModel m = new ReferenceModel(dir.resolve("softmax/model.json"));
        double[] labels = new double[t.rows()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = t.y[i] + 1;
        }
        Data data = new Data(t.x, labels);
        Dataset<Row> df = predictionsOf(m, data);
        assertEquals(multiclass(df, "accuracy", 0.0), metric(report, "accuracy"), TOL);
        assertEquals(multiclass(df, "weightedPrecision", 0.0), metric(report, "weightedPrecision"), TOL);
        assertEquals(multiclass(df, "weightedRecall", 0.0), metric(report, "weightedRecall"), TOL);
        // Spark's "f1" is the weighted F1.
        assertEquals(multiclass(df, "f1", 0.0), metric(report, "weightedF1"), TOL);
        assertEquals(multiclass(df, "logLoss", 0.0), metric(report, "logLoss"), TOL);
        assertConfusionMatrix(report, m, data);

        // Macro-F1 by hand: the plain mean of the per-class F1 of the three classes.
        int k = 3;
        double[] tp = new double[k];
        double[] actual = new double[k];
        double[] predicted = new double[k];
        for (int i = 0; i < labels.length; i++) {
            int a = m.classOf(labels[i]);
            int p = m.predictedClass(t.x[i]);
            actual[a]++;
            predicted[p]++;
            tp[a] += a == p ? 1 : 0;
        }
        double macro = 0;
        for (int c = 0; c < k; c++) {
            double precision = predicted[c] == 0 ? 0 : tp[c] / predicted[c];
            double recall = tp[c] / actual[c];
            macro += precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) / k;
        }
        assertEquals(macro, metric(report, "macroF1"), TOL);
        assertEquals("[1.0,2.0,3.0]", report.get("confusionMatrix").get("labels").toString());
    }

    @Test
    void leastSquaresFromCsvMatchesSparkMlRegressionEvaluator() throws Exception {
        TestData t = TestData.regression(300, 3, 24);
        Path input = t.writeCsv(dir.resolve("reg/data.csv"));
        Path model = dir.resolve("ls");
        assertEquals(0, run(train(input, "least-squares", model, "--max-iter", "25")).code());
        Path report = dir.resolve("reports/ls-eval.json");
        Run e = run(evaluate(model, input, "--output", report.toString()));
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("RMSE") && e.out().contains("R^2"), e.out());
        assertFalse(Files.exists(model.resolve("evaluation.json")), "--output replaces the default location");
        JsonNode r = JSON.readTree(report.toFile());

        ReferenceModel m = new ReferenceModel(model.resolve("model.json"));
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < t.rows(); i++) {
            rows.add(RowFactory.create(t.y[i], m.outputs(t.x[i])[0]));
        }
        Dataset<Row> df = frame(rows, new StructType().add("label", DataTypes.DoubleType)
                .add("prediction", DataTypes.DoubleType));
        for (String name : List.of("rmse", "mae", "r2")) {
            double spark = new RegressionEvaluator().setLabelCol("label").setPredictionCol("prediction")
                    .setMetricName(name).evaluate(df);
            assertEquals(spark, metric(r, name), TOL, name);
        }
        assertFalse(r.has("confusionMatrix"));
    }

    /**
     * evaluate on networks: accuracy and log-loss of a softmax MLP (labels 1..3), and RMSE, MAE and R^2 of a
     * regression MLP read from CSV, equal those computed by hand from the reference network rebuilt from
     * model.json and model.safetensors.
     */
    @Test
    void networksAreEvaluatedAsTheReferenceScoresThem() throws Exception {
        TestData t = TestData.multiclass(300, 4, 3, 33);
        Path input = t.writeLibsvm(dir.resolve("mlp/data.libsvm"), 1.0);
        JsonNode report = trainAndEvaluate(input, "softmax", "mlp-softmax", "--model", "mlp", "--hidden", "6",
                "--activation", "gelu", "--max-iter", "30", "--step", "0.02");
        NetworkTrainingTest.Reference m = new NetworkTrainingTest.Reference(dir.resolve("mlp-softmax"));
        double correct = 0;
        double logLoss = 0;
        for (int i = 0; i < t.rows(); i++) {
            double[] p = m.scores(t.x[i]);
            int best = 0;
            for (int k = 1; k < p.length; k++) {
                best = p[k] > p[best] ? k : best;
            }
            int y = (int) t.y[i]; // class index; the file's label is y + 1
            correct += best == y ? 1 : 0;
            logLoss -= Math.log(p[y]);
        }
        assertEquals(correct / t.rows(), metric(report, "accuracy"), TOL);
        assertEquals(logLoss / t.rows(), metric(report, "logLoss"), TOL);
        assertTrue(correct / t.rows() > 0.5, "a network that learned something: " + correct / t.rows());

        TestData r = TestData.regression(250, 3, 34);
        Path csv = r.writeCsv(dir.resolve("mlp-reg/data.csv"));
        Path model = dir.resolve("mlp-ls");
        Run tr = run(train(csv, "least-squares", model, "--model", "mlp", "--hidden", "5", "--activation",
                "softplus", "--max-iter", "30", "--step", "0.02"));
        assertEquals(0, tr.code(), tr.err());
        Run e = run(evaluate(model, csv));
        assertEquals(0, e.code(), e.err());
        JsonNode reg = JSON.readTree(model.resolve("evaluation.json").toFile());
        NetworkTrainingTest.Reference ref = new NetworkTrainingTest.Reference(model);
        double sq = 0;
        double abs = 0;
        double mean = 0;
        for (int i = 0; i < r.rows(); i++) {
            mean += r.y[i] / r.rows();
        }
        double total = 0;
        for (int i = 0; i < r.rows(); i++) {
            double d = ref.outputs(r.x[i])[0] - r.y[i];
            sq += d * d;
            abs += Math.abs(d);
            total += (r.y[i] - mean) * (r.y[i] - mean);
        }
        assertEquals(Math.sqrt(sq / r.rows()), metric(reg, "rmse"), TOL);
        assertEquals(abs / r.rows(), metric(reg, "mae"), TOL);
        assertEquals(1 - sq / total, metric(reg, "r2"), TOL);
    }

    @Test
    void instanceWeightsWeighEveryMetricAsSparkMlWeighsThem() throws Exception {
        Data data = tiedBinary(300, 27);
        Random r = new Random(28);
        double[] weights = new double[300];
        StringBuilder sb = new StringBuilder("y,w,a,b,c\n");
        for (int i = 0; i < 300; i++) {
            weights[i] = 1 + r.nextInt(4) / 2.0; // 1, 1.5, 2, 2.5: exact in binary, and not all 1
            double[] x = data.x()[i];
            sb.append(data.labels()[i] > 0 ? 1 : 0).append(',').append(weights[i]).append(',').append(x[0])
                    .append(',').append(x[1]).append(',').append(x[2]).append('\n');
        }
        Path input = Files.writeString(dir.resolve("weighted.csv"), sb.toString());
        Path model = dir.resolve("weighted-model");
        assertEquals(0, run(train(input, "logistic", model, "--weight-column", "1", "--max-iter", "25")).code());
        Run e = run(evaluate(model, input, "--weight-column", "1"));
        assertEquals(0, e.code(), e.err());
        JsonNode report = JSON.readTree(model.resolve("evaluation.json").toFile());
        assertEquals(300, report.get("rows").asLong());
        assertEquals(java.util.Arrays.stream(weights).sum(), report.get("weightSum").asDouble(), 1e-12);

        ReferenceModel m = new ReferenceModel(model.resolve("model.json"));
        StructType schema = new StructType().add("label", DataTypes.DoubleType).add("prediction", DataTypes.DoubleType)
                .add("z", DataTypes.DoubleType).add("probability", new VectorUDT()).add("w", DataTypes.DoubleType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            double[] x = data.x()[i];
            rows.add(RowFactory.create(data.labels()[i] > 0 ? 1.0 : 0.0, (double) m.predictedClass(x), m.outputs(x)[0],
                    Vectors.dense(m.probabilities(x)), weights[i]));
        }
        Dataset<Row> df = frame(rows, schema);
        double auc = new BinaryClassificationEvaluator().setLabelCol("label").setRawPredictionCol("z")
                .setWeightCol("w").setMetricName("areaUnderROC").setNumBins(0).evaluate(df);
        assertEquals(auc, metric(report, "rocAuc"), TOL);
        for (String[] pair : new String[][] {{"accuracy", "accuracy"}, {"precisionByLabel", "precision"},
                {"recallByLabel", "recall"}, {"fMeasureByLabel", "f1"}, {"logLoss", "logLoss"}}) {
            double spark = new MulticlassClassificationEvaluator().setLabelCol("label").setPredictionCol("prediction")
                    .setProbabilityCol("probability").setWeightCol("w").setMetricName(pair[0]).setMetricLabel(1.0)
                    .evaluate(df);
            assertEquals(spark, metric(report, pair[1]), TOL, pair[1]);
        }
    }

    // ---- bad models and bad data: exit code 3, the message names the file ----

    private static Path logisticModel;

    private static Path logisticModel() throws IOException {
        if (logisticModel == null) {
            Path input = tiedBinary(200, 25).writeLibsvm(dir.resolve("small/train.libsvm"));
            Path model = dir.resolve("small-model");
            Run t = run(train(input, "logistic", model, "--binary-labels", "pm1", "--max-iter", "5"));
            assertEquals(0, t.code(), t.err());
            logisticModel = model;
        }
        return logisticModel;
    }

    private static void assertBadInput(Run r, String... parts) {
        assertEquals(ExitCode.BAD_INPUT, r.code(), "stdout: " + r.out() + "\nstderr: " + r.err());
        assertTrue(r.err().startsWith("downhill: error: "), r.err());
        for (String part : parts) {
            assertTrue(r.err().contains(part), "message lacks '" + part + "': " + r.err());
        }
        assertFalse(r.err().contains("\tat "), "a stack trace was printed: " + r.err());
    }

    @Test
    void aFeatureIndexBeyondTheModelNamesFileLineAndText() throws Exception {
        Path input = Files.writeString(dir.resolve("wide.libsvm"), "1 1:1 2:0\n-1 1:2 3:1\n1 2:1 4:0.5\n");
        Run r = run(evaluate(logisticModel(), input));
        assertBadInput(r, "wide.libsvm line 3", "\"1 2:1 4:0.5\"", "feature index 4 is beyond the 3 features",
                "model.json");
        assertFalse(Files.exists(logisticModel().resolve("evaluation.json")));
    }

    @Test
    void aCsvWithMoreFeatureColumnsThanTheModelNamesFileLineAndText() throws Exception {
        // The model has 3 features; these rows have 4 besides the label.
        Path input = Files.writeString(dir.resolve("wide.csv"), "y,a,b,c,d\n1,0,1,2,0\n-1,1,1,1,0\n");
        Run r = run(evaluate(logisticModel(), input));
        assertBadInput(r, "wide.csv line 2", "\"1,0,1,2,0\"", "it has 4 feature column(s)", "trained on 3 features");
    }

    @Test
    void aLabelTheModelDoesNotKnowNamesFileAndLine() throws Exception {
        // The model was trained on -1/+1 labels: 0 is not one of them.
        Path input = Files.writeString(dir.resolve("zero.libsvm"), "1 1:1\n-1 2:1\n0 3:1\n");
        Run r = run(evaluate(logisticModel(), input));
        assertBadInput(r, "zero.libsvm line 3", "label 0 is not one of the labels the model was trained on (-1, 1)",
                "\"0 3:1\"");
    }

    @Test
    void aMissingModelFolderIsNamed() throws Exception {
        Path input = tiedBinary(10, 26).writeLibsvm(dir.resolve("any.libsvm"));
        Path missing = dir.resolve("no-such-model");
        Run r = run(evaluate(missing, input));
        assertBadInput(r, missing.toString(), "does not exist");
    }

    @Test
    void aModelOfAnotherFormatVersionIsRefused() throws Exception {
        Path model = Files.createDirectories(dir.resolve("future-model"));
        String json = Files.readString(logisticModel().resolve("model.json")).replace("\"formatVersion\" : 1",
                "\"formatVersion\" : 7");
        Files.writeString(model.resolve("model.json"), json);
        Run r = run(evaluate(model, dir.resolve("small/train.libsvm")));
        assertBadInput(r, model.resolve("model.json").toString(), "formatVersion 7", "reads version 1");
    }

    @Test
    void settingsEvaluateDoesNotReadAreRefusedBeforeSparkStarts() throws Exception {
        Run r = run(evaluate(logisticModel(), dir.resolve("small/train.libsvm"), "--objective", "softmax"));
        assertEquals(ExitCode.BAD_SETTINGS, r.code());
        assertTrue(r.err().contains("--objective does not apply to evaluate"), r.err());
        Run unlabeled = run(evaluate(logisticModel(), dir.resolve("small/train.libsvm"), "--label-column", "none"));
        assertEquals(ExitCode.BAD_SETTINGS, unlabeled.code());
        assertTrue(unlabeled.err().contains("evaluate needs labels"), unlabeled.err());
        Run noModel = run("evaluate", "--input", "x.libsvm");
        assertEquals(ExitCode.BAD_SETTINGS, noModel.code());
        assertTrue(noModel.err().contains("--model is required"), noModel.err());
    }

    @Test
    void helpListsTheSettingsEvaluateReads() {
        Run r = run("evaluate", "--help");
        assertEquals(0, r.code());
        String settings = r.out().substring(0, r.out().indexOf("Settings of other commands"));
        for (String key : List.of("--model", "--input", "--output", "--format", "--label-column", "--weight-column")) {
            assertTrue(settings.contains("  " + key), "evaluate --help lacks " + key + ":\n" + r.out());
        }
        assertFalse(settings.contains("  --objective"), r.out());
        assertTrue(r.out().contains("evaluation.json"), r.out());
    }
}
