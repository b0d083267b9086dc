package dev.downhill.driver;

import static dev.downhill.driver.BadInputHarness.model;
import static dev.downhill.driver.BadInputHarness.run;
import static dev.downhill.driver.BadInputHarness.train;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.driver.api.Downhill;
import dev.downhill.driver.api.DownhillModel;
import dev.downhill.driver.io.BadInputException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java API against the command line and the README's formulas: a DataFrame trains the model the command
 * line trains on the same rows (to rounding: other keys, other summation order), the same bits however the
 * DataFrame is partitioned; train(path) writes the command line's bytes; predictions are the formulas applied
 * to the model's own weights; save and load round-trip; bad rows are named.
 */
class JavaApiTest {
    private static SparkSession spark;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        spark = TestSpark.start("JavaApiTest");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static final StructType SCHEMA = new StructType(new StructField[] {
        DataTypes.createStructField("label", DataTypes.DoubleType, true),
        DataTypes.createStructField("features", new VectorUDT(), true)});

    static Dataset<Row> frame(TestData t) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < t.rows(); i++) {
            rows.add(RowFactory.create(t.y[i], Vectors.dense(t.x[i])));
        }
        return spark.createDataFrame(rows, SCHEMA);
    }

    private static Downhill.Builder logistic() {
        return Downhill.builder().objective("logistic").l2(0.01).tol(1e-10).maxIter(5000).partitions(3).quiet();
    }

    @Test
    void aDataFrameTrainsWhatTheCommandLineTrains() throws Exception {
        TestData t = TestData.binary(300, 4, 31);
        Path libsvm = t.writeLibsvm(dir.resolve("same/data.libsvm"), 0.0);
        Path cli = dir.resolve("same/cli");
        BadInputHarness.assertSuccess(run(train(libsvm, "logistic", cli, "--l2", "0.01", "--tol", "1e-10",
                "--max-iter", "5000", "--partitions", "3")), cli);
        ReferenceModel reference = new ReferenceModel(cli.resolve("model.json"));

        DownhillModel a = logistic().build().train(frame(t).coalesce(1));
        DownhillModel b = logistic().build().train(frame(t).repartition(5));
        // Content keys: the same rows in any partitioning are the same blocks, so the same bits.
        assertArrayEquals(a.trainingResult().parameters, b.trainingResult().parameters);
        assertEquals("gradient-tolerance", a.stopReason());
        // Against the file: rows keyed by content rather than by offset sum in another order, so L-BFGS takes a
        // path that differs at rounding level; both stop at ||grad f|| <= 1e-10, so agree to about 1e-9.
        for (int j = 0; j < 4; j++) {
            assertEquals(reference.weights[0][j], a.weights(0)[j], 1e-8);
        }
        assertEquals(reference.intercepts[0], a.intercept(0), 1e-8);

        // train(path) is the command line itself: the same model.json bytes.
        Path api = dir.resolve("same/api");
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        logistic().output(api.toString()).progress(new PrintStream(progress, true, StandardCharsets.UTF_8)).build()
                .train(libsvm.toString());
        assertEquals(model(cli), model(api));
        assertTrue(progress.toString(StandardCharsets.UTF_8).contains("iteration "), "no progress lines");
        assertTrue(Files.exists(api.resolve("report.html")));
    }

    @Test
    void aDataFrameHonoursTheValidationSettings() throws Exception {
        // Regression: the API once built its own loader options and left the holdout out, so a DataFrame
        // silently trained on every row.
        TestData t = TestData.binary(400, 3, 37);
        Path out = dir.resolve("validation");
        logistic().validationFraction(0.3).output(out.toString()).build().train(frame(t));
        List<String> lines = java.nio.file.Files.readAllLines(out.resolve("metrics.jsonl"));
        assertTrue(!lines.isEmpty() && lines.get(0).contains("\"validationLoss\""), lines.toString());
    }

    @Test
    void predictionsAreTheFormulasOnTheModelsWeights() throws Exception {
        TestData t = TestData.multiclass(240, 3, 3, 7);
        Dataset<Row> data = frame(t);
        Path saved = dir.resolve("softmax");
        DownhillModel m = Downhill.builder().objective("softmax").l2(0.05).maxIter(300).quiet().build().train(data);
        m.save(saved.toString());
        ReferenceModel reference = new ReferenceModel(saved.resolve("model.json"));
        List<Row> scored = m.transform(data).select("features", "rawPrediction", "probability", "prediction")
                .collectAsList();
        assertEquals(t.rows(), scored.size());
        for (Row r : scored) {
            double[] x = ((Vector) r.get(0)).toArray();
            assertArrayEquals(reference.outputs(x), ((Vector) r.get(1)).toArray(), 1e-12);
            assertArrayEquals(reference.probabilities(x), ((Vector) r.get(2)).toArray(), 1e-12);
            assertEquals(reference.classLabels[reference.predictedClass(x)], r.getDouble(3));
            assertEquals(r.getDouble(3), m.predict(Vectors.dense(x)));
            assertArrayEquals(reference.probabilities(x), m.probabilities(Vectors.dense(x)), 1e-12);
        }

        // Load what save wrote: the same model, the same predictions.
        DownhillModel loaded = DownhillModel.load(saved.toString());
        assertArrayEquals(m.trainingResult().parameters, loaded.trainingResult().parameters);
        assertEquals(m.predict(Vectors.dense(0.3, -1, 2)), loaded.predict(Vectors.dense(0.3, -1, 2)));
    }

    /**
     * A network through the Java API on a DataFrame: the same bits however the DataFrame is partitioned (rows keyed
     * by content, dropout masks by row key); transform's probabilities, predict and probabilities equal the
     * reference rebuilt from the saved model.json and model.safetensors, and the command line's predict on the
     * saved folder; the saved objective is f at the saved parameters; save and load round-trip the parameters.
     */
    @Test
    void aNetworkTrainsOnADataFramePredictsAsTheReferenceAndRoundTrips() throws Exception {
        TestData t = TestData.multiclass(240, 3, 3, 41);
        Dataset<Row> data = frame(t);
        java.util.function.Supplier<Downhill.Builder> mlp = () -> Downhill.builder().objective("softmax")
                .model("mlp").hidden(6, 4).activation("tanh").dropout(0.1).l2(1e-3).step(0.02).maxIter(40)
                .blockRows(32).batchFraction(0.5).partitions(3).quiet();
        DownhillModel m = mlp.get().build().train(data.coalesce(1));
        DownhillModel other = mlp.get().build().train(data.repartition(4));
        assertArrayEquals(m.trainingResult().parameters, other.trainingResult().parameters);
        assertEquals("mlp 3 -> 6 -> 4 -> 3 (tanh, dropout 0.1)", m.architecture().describe());
        assertEquals(6 * 3, m.parameters("layers.0.weight").length);

        Path saved = dir.resolve("mlp");
        m.save(saved.toString());
        NetworkTrainingTest.Reference reference = new NetworkTrainingTest.Reference(saved);
        assertEquals(reference.objective(t), m.objectiveValue(), 1e-9 * reference.objective(t),
                "the saved objective is f (no dropout) at the saved parameters");
        List<Row> scored = m.transform(data).select("features", "probability", "prediction").collectAsList();
        assertEquals(t.rows(), scored.size());
        for (Row r : scored) {
            double[] x = ((Vector) r.get(0)).toArray();
            double[] p = reference.scores(x);
            assertArrayEquals(p, ((Vector) r.get(1)).toArray(), 1e-12);
            assertArrayEquals(p, m.probabilities(Vectors.dense(x)), 1e-12);
            int best = 0;
            for (int k = 1; k < p.length; k++) {
                best = p[k] > p[best] ? k : best;
            }
            assertEquals(m.classLabels()[best], r.getDouble(2));
            assertEquals(r.getDouble(2), m.predict(Vectors.dense(x)));
        }

        // The command line's predict on the folder save wrote: the same probabilities, row by row.
        Path libsvm = t.writeLibsvm(dir.resolve("mlp-data/data.libsvm"), 0.0);
        Path predictions = dir.resolve("mlp-predictions");
        BadInputHarness.Run p = run(List.of("predict", "--model", saved.toString(), "--input", libsvm.toString(),
                "--output", predictions.toString(), "--master", "local[2]"));
        assertEquals(0, p.code(), p.describe());
        List<String> lines = new ArrayList<>();
        try (var files = Files.list(predictions)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("part-")).sorted().toList()) {
                List<String> part = Files.readAllLines(f);
                lines.addAll(part.subList(1, part.size()));
            }
        }
        assertEquals(t.rows(), lines.size());
        for (int i = 0; i < t.rows(); i++) {
            String[] cols = lines.get(i).split(",");
            double[] expected = m.probabilities(Vectors.dense(t.x[i]));
            for (int k = 0; k < 3; k++) {
                assertEquals(expected[k], Double.parseDouble(cols[2 + k]), 1e-12, "row " + i);
            }
        }

        DownhillModel loaded = DownhillModel.load(saved.toString());
        assertArrayEquals(m.trainingResult().parameters, loaded.trainingResult().parameters);
        assertEquals(m.architecture(), loaded.architecture());
        assertEquals(m.transform(data).select("probability").collectAsList(),
                loaded.transform(data).select("probability").collectAsList());
    }

    @Test
    void numericColumnsHingeAndLeastSquares() throws Exception {
        TestData t = TestData.regression(150, 2, 3);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < t.rows(); i++) {
            rows.add(RowFactory.create(t.x[i][0], t.x[i][1], t.y[i], (double) (t.y[i] > 0.7 ? 1 : -1)));
        }
        Dataset<Row> data = spark.createDataFrame(rows, new StructType(new StructField[] {
            DataTypes.createStructField("a", DataTypes.DoubleType, false),
            DataTypes.createStructField("b", DataTypes.DoubleType, false),
            DataTypes.createStructField("y", DataTypes.DoubleType, false),
            DataTypes.createStructField("sign", DataTypes.DoubleType, false)}));

        DownhillModel ls = Downhill.builder().objective("least-squares").labelColumn("y").featureColumns("a", "b")
                .tol(1e-10).maxIter(5000).quiet().build().train(data);
        List<Row> out = ls.transform(data).select("a", "b", "prediction").collectAsList();
        assertFalse(ls.transform(data).columns().length > 5, "the assembled vector column is dropped");
        for (Row r : out) {
            double z = ls.weights(0)[0] * r.getDouble(0) + ls.weights(0)[1] * r.getDouble(1) + ls.intercept(0);
            assertEquals(z, r.getDouble(2), 1e-12);
        }

        DownhillModel hinge = Downhill.builder().objective("hinge").binaryLabels("pm1").labelColumn("sign")
                .featureColumns("a", "b").maxIter(200).quiet().build().train(data);
        Dataset<Row> h = hinge.transform(data);
        assertFalse(List.of(h.columns()).contains("probability"), "hinge gives no probabilities");
        for (Row r : h.select("a", "b", "rawPrediction", "prediction").collectAsList()) {
            double z = hinge.weights(0)[0] * r.getDouble(0) + hinge.weights(0)[1] * r.getDouble(1)
                    + hinge.intercept(0);
            assertArrayEquals(new double[] {-z, z}, ((Vector) r.get(2)).toArray(), 1e-12);
            assertEquals(z > 0 ? 1.0 : -1.0, r.getDouble(3), "predictions in the data's labels (-1/+1)");
        }
    }

    @Test
    void badRowsAndSettingsAreCleanExceptions() {
        List<Row> rows = new ArrayList<>();
        rows.add(RowFactory.create(1.0, Vectors.dense(1, 2)));
        rows.add(RowFactory.create(Double.NaN, Vectors.dense(3, 4)));
        Dataset<Row> bad = spark.createDataFrame(rows, SCHEMA);
        BadInputException e = assertThrows(BadInputException.class, () -> logistic().build().train(bad));
        assertTrue(e.getMessage().startsWith("bad row of the DataFrame: the label (column 'label') is NaN"),
                e.getMessage());
        BadInputException missing = assertThrows(BadInputException.class,
                () -> logistic().featuresColumn("x").build().train(bad));
        assertTrue(missing.getMessage().contains("the DataFrame has no column 'x' (--features-column)"),
                missing.getMessage());
    }
}
