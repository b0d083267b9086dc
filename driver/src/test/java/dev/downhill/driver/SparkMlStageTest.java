package dev.downhill.driver;

import static dev.downhill.driver.BadInputHarness.assertSuccess;
import static dev.downhill.driver.BadInputHarness.run;
import static dev.downhill.driver.BadInputHarness.train;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.driver.ml.DownhillClassificationModel;
import dev.downhill.driver.ml.DownhillClassifier;
import dev.downhill.driver.ml.DownhillRegressionModel;
import dev.downhill.driver.ml.DownhillRegressor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
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
 * The Spark ML stages: DownhillClassifier in a Pipeline after VectorAssembler, inside a CrossValidator over
 * two regParam values with BinaryClassificationEvaluator; the model it keeps is the one the command line trains
 * on the same rows with the chosen --l2 (to rounding), predicts by the README's formulas, and predicts the same
 * after save and load. DownhillRegressor reaches the ridge optimum of the normal equations.
 */
class SparkMlStageTest {
    private static SparkSession spark;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        spark = TestSpark.startWithSparkLibraries("SparkMlStageTest");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Columns x1..xd (doubles), then label. */
    static Dataset<Row> columns(TestData t) {
        List<StructField> fields = new ArrayList<>();
        for (int j = 1; j <= t.features(); j++) {
            fields.add(DataTypes.createStructField("x" + j, DataTypes.DoubleType, false));
        }
        fields.add(DataTypes.createStructField("label", DataTypes.DoubleType, false));
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < t.rows(); i++) {
            Object[] v = new Object[t.features() + 1];
            for (int j = 0; j < t.features(); j++) {
                v[j] = t.x[i][j];
            }
            v[t.features()] = t.y[i];
            rows.add(RowFactory.create(v));
        }
        return spark.createDataFrame(rows, DataTypes.createStructType(fields));
    }

    static VectorAssembler assembler(int d) {
        String[] in = new String[d];
        for (int j = 0; j < d; j++) {
            in[j] = "x" + (j + 1);
        }
        return new VectorAssembler().setInputCols(in).setOutputCol("features");
    }

    @Test
    void classifierInAPipelineInsideCrossValidator() throws Exception {
        TestData t = TestData.binary(400, 3, 17);
        Dataset<Row> data = columns(t);
        DownhillClassifier classifier = new DownhillClassifier().setMaxIter(5000).setTol(1e-10).setNumPartitions(3);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {assembler(3), classifier});
        double[] regParams = {0.001, 2.0};
        ParamMap[] grid = new ParamGridBuilder().addGrid(classifier.regParam(), regParams).build();
        CrossValidator cv = new CrossValidator().setEstimator(pipeline).setEvaluator(new BinaryClassificationEvaluator())
                .setEstimatorParamMaps(grid).setNumFolds(2).setSeed(7);
        CrossValidatorModel fitted = cv.fit(data);

        double[] auc = fitted.avgMetrics();
        assertEquals(2, auc.length);
        for (double a : auc) {
            assertTrue(a > 0.5 && a <= 1.0, "AUC " + a);
        }
        int best = auc[0] >= auc[1] ? 0 : 1;
        PipelineModel bestPipeline = (PipelineModel) fitted.bestModel();
        DownhillClassificationModel model = (DownhillClassificationModel) bestPipeline.stages()[1];
        assertEquals(2, model.numClasses());
        assertEquals(3, model.numFeatures());
        assertEquals(regParams[best], ((DownhillClassifier) model.parent()).getRegParam());

        // The command line on the same rows with the chosen --l2: the same model.
        Path libsvm = t.writeLibsvm(dir.resolve("cv/data.libsvm"), 0.0);
        Path cli = dir.resolve("cv/cli");
        assertSuccess(run(train(libsvm, "logistic", cli, "--l2", Double.toString(regParams[best]), "--tol", "1e-10",
                "--max-iter", "5000", "--partitions", "3")), cli);
        ReferenceModel reference = new ReferenceModel(cli.resolve("model.json"));
        // Both stop once ||grad f|| <= 1e-10, summing rows in another order: equal to about that, not to bits.
        double[] p = model.trainingResult().parameters;
        for (int j = 0; j < 3; j++) {
            assertEquals(reference.weights[0][j], p[j], 1e-10);
        }
        assertEquals(reference.intercepts[0], p[3], 1e-10);

        // Predictions by the formulas on the fitted weights.
        List<Row> scored = fitted.transform(data).select("features", "rawPrediction", "probability", "prediction")
                .collectAsList();
        ReferenceModel own = new ReferenceModel(saveData(model, dir.resolve("cv/own")));
        for (Row r : scored) {
            double[] x = ((Vector) r.get(0)).toArray();
            double z = own.outputs(x)[0];
            assertArrayEquals(new double[] {-z, z}, ((Vector) r.get(1)).toArray(), 1e-12);
            assertArrayEquals(own.probabilities(x), ((Vector) r.get(2)).toArray(), 1e-12);
            assertEquals(own.predictedClass(x), r.getDouble(3));
        }

        // Saved and loaded, the CrossValidatorModel predicts the same.
        String saved = dir.resolve("cv/saved").toString();
        fitted.write().overwrite().save(saved);
        CrossValidatorModel loaded = CrossValidatorModel.load(saved);
        List<Row> again = loaded.transform(data).select("rawPrediction", "probability", "prediction").collectAsList();
        List<Row> before = fitted.transform(data).select("rawPrediction", "probability", "prediction").collectAsList();
        assertEquals(before, again);
        DownhillClassificationModel loadedModel =
                (DownhillClassificationModel) ((PipelineModel) loaded.bestModel()).stages()[1];
        assertArrayEquals(p, loadedModel.trainingResult().parameters);
        assertEquals(model.uid(), loadedModel.uid());
    }

    @Test
    void elasticNetParamSplitsRegParamIntoL1AndL2AsSparkMlDoes() throws Exception {
        TestData t = TestData.binary(300, 4, 23);
        Dataset<Row> data = assembler(4).transform(columns(t));
        DownhillClassificationModel model = new DownhillClassifier().setRegParam(0.2).setElasticNetParam(0.25)
                .setTol(0).setNumPartitions(3).fit(data);
        // lambda (alpha ||w||_1 + ((1 - alpha)/2)||w||^2) = --l1 0.05 --l2 0.15.
        Path libsvm = t.writeLibsvm(dir.resolve("en/data.libsvm"), 0.0);
        Path cli = dir.resolve("en/cli");
        assertSuccess(run(train(libsvm, "logistic", cli, "--l1", "0.05", "--l2", "0.15", "--tol", "0",
                "--partitions", "3")), cli);
        ReferenceModel reference = new ReferenceModel(cli.resolve("model.json"));
        double[] p = model.trainingResult().parameters;
        // A DataFrame's rows are keyed by content, a file's by offset: the sums run in another order, and FISTA
        // (the default with L1) stops where f stops changing measurably, about 1e-8 of the problem's scale.
        for (int j = 0; j < 4; j++) {
            assertEquals(reference.weights[0][j], p[j], 1e-6);
        }
        assertEquals(reference.intercepts[0], p[4], 1e-6);
        double f = model.trainingResult().objectiveValue;
        assertEquals(JSON_OBJECTIVE.apply(cli), f, 1e-12 * f);
        assertEquals(0.05, model.trainingResult().l1, 1e-15);
    }

    private static final java.util.function.Function<Path, Double> JSON_OBJECTIVE = dir -> {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("model.json").toFile())
                    .get("objectiveValue").asDouble();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    };

    /** Writes the model's PATH/data/model.json through its Spark ML writer and returns that file. */
    private static Path saveData(DownhillClassificationModel model, Path path) throws Exception {
        model.write().overwrite().save(path.toString());
        return path.resolve("data/model.json");
    }

    @Test
    void estimatorParamsCopyAndPersist() throws Exception {
        DownhillClassifier c = new DownhillClassifier().setObjective("softmax").setRegParam(0.5).setMaxIter(7)
                .setWeightCol("w").setDownhillSettings("block-rows=64 step=0.25").setLabelCol("y");
        DownhillClassifier copy = c.copy(new ParamMap().put(c.regParam(), 0.125));
        assertNotSame(c, copy);
        assertEquals(c.uid(), copy.uid());
        assertEquals(0.125, copy.getRegParam());
        assertEquals(0.5, c.getRegParam());
        assertEquals("softmax", copy.getObjective());
        String path = dir.resolve("estimator").toString();
        c.write().overwrite().save(path);
        DownhillClassifier back = DownhillClassifier.load(path);
        assertEquals(c.uid(), back.uid());
        assertEquals("softmax", back.getObjective());
        assertEquals(0.5, back.getRegParam());
        assertEquals(7, back.getMaxIter());
        assertEquals("w", back.getWeightCol());
        assertEquals("y", back.getLabelCol());
        assertEquals("block-rows=64 step=0.25", back.getDownhillSettings());
        assertTrue(c.explainParams().contains("regParam: L2 strength lambda"), c.explainParams());
    }

    @Test
    void regressorReachesTheRidgeOptimum() throws Exception {
        TestData t = TestData.regression(300, 3, 23);
        double lambda = 0.1;
        DownhillRegressor regressor = new DownhillRegressor().setRegParam(lambda).setTol(1e-11).setMaxIter(20000)
                .setLabelCol("label");
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {assembler(3), regressor})
                .fit(columns(t));
        DownhillRegressionModel model = (DownhillRegressionModel) fitted.stages()[1];
        double[] expected = ridge(t, lambda);
        assertArrayEquals(expected, model.trainingResult().parameters, 1e-8);
        List<Row> out = fitted.transform(columns(t)).select("features", "prediction").collectAsList();
        for (Row r : out) {
            double[] x = ((Vector) r.get(0)).toArray();
            double z = expected[3];
            for (int j = 0; j < 3; j++) {
                z += expected[j] * x[j];
            }
            assertEquals(z, r.getDouble(1), 1e-8);
        }
        String path = dir.resolve("regressor").toString();
        model.write().overwrite().save(path);
        assertArrayEquals(model.trainingResult().parameters,
                DownhillRegressionModel.load(path).trainingResult().parameters);
    }

    /**
     * Networks as Spark ML stages: DownhillClassifier.setHiddenLayers in a Pipeline after VectorAssembler gives
     * rawPrediction [-z, z], probability [1 - p, p] and prediction as the reference rebuilt from the stage's saved
     * PATH/data (model.json and model.safetensors) computes them, and as the command line's predict on that folder;
     * the saved pipeline loads with the same parameters and the same predictions.
     */
    @Test
    void aNetworkClassifierInAPipelinePredictsAsTheReferenceAndRoundTrips() throws Exception {
        TestData t = TestData.binary(300, 3, 29);
        Dataset<Row> data = columns(t);
        DownhillClassifier classifier = new DownhillClassifier().setHiddenLayers(5).setActivation("sigmoid")
                .setRegParam(1e-3).setMaxIter(40).setNumPartitions(2);
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {assembler(3), classifier}).fit(data);
        DownhillClassificationModel model = (DownhillClassificationModel) fitted.stages()[1];
        assertEquals("mlp 3 -> 5 -> 1 (sigmoid)", model.trainingResult().architecture.describe());
        assertEquals(3 * 5 + 5 + 5 + 1, model.trainingResult().parameters.length);

        Path stage = dir.resolve("mlp-stage");
        model.write().overwrite().save(stage.toString());
        NetworkTrainingTest.Reference reference = new NetworkTrainingTest.Reference(stage.resolve("data"));
        List<Row> scored = fitted.transform(data).select("features", "rawPrediction", "probability", "prediction")
                .collectAsList();
        assertEquals(t.rows(), scored.size());
        for (Row r : scored) {
            double[] x = ((Vector) r.get(0)).toArray();
            double z = reference.outputs(x)[0];
            double p = reference.scores(x)[0];
            assertArrayEquals(new double[] {-z, z}, ((Vector) r.get(1)).toArray(), 1e-12);
            assertArrayEquals(new double[] {1 - p, p}, ((Vector) r.get(2)).toArray(), 1e-12);
            assertEquals(p > 0.5 ? 1.0 : 0.0, r.getDouble(3));
        }

        // The command line's predict on the stage's data folder: the same probabilities, row by row.
        Path libsvm = t.writeLibsvm(dir.resolve("mlp-stage-data/data.libsvm"), 0.0);
        Path out = dir.resolve("mlp-stage-predictions");
        BadInputHarness.Run predict = run(List.of("predict", "--model", stage.resolve("data").toString(), "--input",
                libsvm.toString(), "--output", out.toString(), "--master", "local[2]"));
        assertEquals(0, predict.code(), predict.describe());
        List<String> lines = new ArrayList<>();
        try (var files = java.nio.file.Files.list(out)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("part-")).sorted().toList()) {
                List<String> part = java.nio.file.Files.readAllLines(f);
                lines.addAll(part.subList(1, part.size()));
            }
        }
        assertEquals(t.rows(), lines.size());
        for (int i = 0; i < t.rows(); i++) {
            assertEquals(reference.scores(t.x[i])[0], Double.parseDouble(lines.get(i).split(",")[2]), 1e-12);
        }

        String saved = dir.resolve("mlp-pipeline").toString();
        fitted.write().overwrite().save(saved);
        PipelineModel loaded = PipelineModel.load(saved);
        DownhillClassificationModel loadedModel = (DownhillClassificationModel) loaded.stages()[1];
        assertArrayEquals(model.trainingResult().parameters, loadedModel.trainingResult().parameters);
        assertEquals(model.trainingResult().architecture, loadedModel.trainingResult().architecture);
        assertEquals(fitted.transform(data).select("rawPrediction", "probability", "prediction").collectAsList(),
                loaded.transform(data).select("rawPrediction", "probability", "prediction").collectAsList());
    }

    /** DownhillRegressor with hidden layers: a regression network, which Spark ML does not have. */
    @Test
    void aNetworkRegressorInAPipelinePredictsAsTheReferenceAndRoundTrips() throws Exception {
        TestData t = TestData.regression(200, 3, 31);
        DownhillRegressor regressor = new DownhillRegressor().setHiddenLayers(4, 3).setActivation("tanh")
                .setMaxIter(30).setNumPartitions(2);
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {assembler(3), regressor})
                .fit(columns(t));
        DownhillRegressionModel model = (DownhillRegressionModel) fitted.stages()[1];
        assertEquals("mlp 3 -> 4 -> 3 -> 1 (tanh)", model.trainingResult().architecture.describe());
        Path stage = dir.resolve("mlp-regressor");
        model.write().overwrite().save(stage.toString());
        NetworkTrainingTest.Reference reference = new NetworkTrainingTest.Reference(stage.resolve("data"));
        assertEquals(reference.objective(t), model.trainingResult().objectiveValue,
                1e-9 * reference.objective(t));
        for (Row r : fitted.transform(columns(t)).select("features", "prediction").collectAsList()) {
            double[] x = ((Vector) r.get(0)).toArray();
            assertEquals(reference.outputs(x)[0], r.getDouble(1), 1e-12 * (1 + Math.abs(r.getDouble(1))));
        }
        DownhillRegressionModel loaded = DownhillRegressionModel.load(stage.toString());
        assertArrayEquals(model.trainingResult().parameters, loaded.trainingResult().parameters);
        assertEquals(model.trainingResult().architecture, loaded.trainingResult().architecture);
    }

    /**
     * The minimizer of (1/(2N)) sum (w.x_i + b - y_i)^2 + (lambda/2)||w||^2: the normal equations
     * [(1/N) X'X + lambda I, (1/N) X'1; (1/N) 1'X, 1] [w; b] = [(1/N) X'y; mean y], by Gaussian elimination.
     */
    static double[] ridge(TestData t, double lambda) {
        int d = t.features();
        int n = t.rows();
        double[][] a = new double[d + 1][d + 2];
        for (int i = 0; i < n; i++) {
            double[] x = new double[d + 1];
            System.arraycopy(t.x[i], 0, x, 0, d);
            x[d] = 1.0;
            for (int r = 0; r <= d; r++) {
                for (int c = 0; c <= d; c++) {
                    a[r][c] += x[r] * x[c] / n;
                }
                a[r][d + 1] += x[r] * t.y[i] / n;
            }
        }
        for (int j = 0; j < d; j++) {
            a[j][j] += lambda;
        }
        for (int col = 0; col <= d; col++) {
            int pivot = col;
            for (int r = col + 1; r <= d; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
                    pivot = r;
                }
            }
            double[] tmp = a[col];
            a[col] = a[pivot];
            a[pivot] = tmp;
            for (int r = 0; r <= d; r++) {
                if (r != col) {
                    double f = a[r][col] / a[col][col];
                    for (int c = col; c <= d + 1; c++) {
                        a[r][c] -= f * a[col][c];
                    }
                }
            }
        }
        double[] solution = new double[d + 1];
        for (int r = 0; r <= d; r++) {
            solution[r] = a[r][d + 1] / a[r][r];
        }
        return solution;
    }
}
