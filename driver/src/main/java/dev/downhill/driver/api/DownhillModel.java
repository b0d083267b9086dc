package dev.downhill.driver.api;

import dev.downhill.core.loss.Objective;
import dev.downhill.driver.io.OutputException;
import dev.downhill.driver.io.OutputFolder;
import dev.downhill.driver.ml.DownhillClassificationModel;
import dev.downhill.driver.ml.DownhillRegressionModel;
import dev.downhill.driver.train.ModelFile;
import dev.downhill.driver.train.TrainingResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A trained Downhill model in Java code: it predicts one feature vector or a whole DataFrame, and saves as the
 * command line's {@code model.json} (so {@code downhill evaluate} and {@code predict} read what it saves, and
 * {@link #load} reads what {@code downhill train} wrote). See {@link ModelScorer} for the formulas.
 */
public final class DownhillModel {
    private final TrainingResult result;
    private final ModelScorer scorer;
    private final String featuresColumn;
    /** Numeric feature columns, or null for the vector column. */
    private final List<String> featureColumns;

    DownhillModel(TrainingResult result, String featuresColumn, List<String> featureColumns) {
        this.result = result;
        this.scorer = new ModelScorer(result);
        this.featuresColumn = featuresColumn;
        this.featureColumns = featureColumns == null ? null : List.copyOf(featureColumns);
    }

    /** Reads DIR/model.json (any Hadoop path), as {@code downhill train} or {@link #save} wrote it. */
    public static DownhillModel load(String dir) {
        return new DownhillModel(ModelFile.load(dir, hadoopConf()), "features", null);
    }

    /**
     * Writes DIR/model.json (to a temporary name, then renamed) as the command line's train does: holding the
     * folder's lock, and refusing ({@link OutputException} naming the folder) one another run holds or one that
     * already holds a model; {@link #save(String, boolean) save(dir, true)} replaces that model.
     */
    public void save(String dir) {
        save(dir, false);
    }

    /**
     * Writes DIR/model.json; with {@code overwrite}, first removes the model an earlier run or save left there
     * (its model, evaluation, metrics, report and checkpoints; other files are left alone), as
     * {@code downhill train --overwrite} does.
     */
    public void save(String dir, boolean overwrite) {
        Configuration conf = hadoopConf();
        try (OutputFolder.TrainOutput held = ApiOutput.prepare(dir, false, overwrite, conf, System.err,
                "save(dir, true)", false)) {
            ModelFile.save(dir, result, conf);
            held.modelWritten(conf, System.err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Configuration hadoopConf() {
        return SparkSession.getActiveSession().isDefined()
                ? SparkSession.active().sparkContext().hadoopConfiguration() : new Configuration();
    }

    /** The same model, reading its features from this vector (or array) column in {@link #transform}. */
    public DownhillModel withFeaturesColumn(String column) {
        return new DownhillModel(result, column, null);
    }

    /** The same model, reading its features from these numeric columns in {@link #transform}. */
    public DownhillModel withFeatureColumns(String... columns) {
        return new DownhillModel(result, featuresColumn, List.of(columns));
    }

    /** The predicted label (classifiers, in the data's labels) or value (least squares) of one row. */
    public double predict(Vector features) {
        return scorer.prediction(scorer.outputs(features));
    }

    /** The class probabilities of one row, in the order of {@link #classLabels()} (logistic and softmax). */
    public double[] probabilities(Vector features) {
        return scorer.probabilities(scorer.outputs(features));
    }

    /**
     * The DataFrame with columns added as Spark ML's models add them: {@code prediction} (the label or value),
     * for classifiers {@code rawPrediction} (a vector: [-z, z], or z for softmax) and for logistic and softmax
     * {@code probability} (a vector of class probabilities). A row whose features are null or of another size
     * than the model's is an error.
     */
    public Dataset<Row> transform(Dataset<Row> data) {
        String column = featuresColumn;
        Dataset<Row> input = data;
        if (featureColumns != null) {
            column = "downhill_features_" + Identifiable.randomUID("v").replace('-', '_');
            input = new VectorAssembler().setInputCols(featureColumns.toArray(new String[0])).setOutputCol(column)
                    .transform(data);
        }
        Dataset<Row> out;
        if (result.objective == Objective.LEAST_SQUARES) {
            out = new DownhillRegressionModel(Identifiable.randomUID("downhill"), result).setFeaturesCol(column)
                    .transform(input);
        } else {
            DownhillClassificationModel m = new DownhillClassificationModel(Identifiable.randomUID("downhill"),
                    result).setFeaturesCol(column);
            if (!scorer.hasProbabilities()) {
                m.setProbabilityCol("");
            }
            out = m.transform(input);
        }
        return featureColumns == null ? out : out.drop(column);
    }

    /** logistic, least-squares, softmax or hinge. */
    public String objective() {
        return result.objective.cliName();
    }

    public int numFeatures() {
        return result.numFeatures;
    }

    /** The data's label of each class; null for least squares. */
    public double[] classLabels() {
        return result.classLabels == null ? null : result.classLabels.clone();
    }

    /** Outputs: K for softmax, 1 otherwise. */
    public int numOutputs() {
        return result.numOutputs;
    }

    /** What the model is: linear, or a network's layers and activation. */
    public dev.downhill.core.model.Architecture architecture() {
        return result.architecture;
    }

    /**
     * One named parameter tensor, row-major, as model.safetensors holds it: {@code layers.i.weight} ([out, in]) or
     * {@code layers.i.bias} ([out]).
     */
    public double[] parameters(String tensorName) {
        for (dev.downhill.core.model.ParameterTensor t : result.architecture.tensors()) {
            if (t.name().equals(tensorName)) {
                return java.util.Arrays.copyOfRange(result.parameters, t.offset(), t.offset() + t.size());
            }
        }
        throw new IllegalArgumentException("no tensor " + tensorName + " in " + result.architecture.describe()
                + "; the tensors are " + result.architecture.tensors());
    }

    /** The weights of output k (0 unless softmax); linear models only (a network: {@link #parameters}). */
    public double[] weights(int k) {
        requireLinear("weights");
        double[] w = new double[result.numFeatures];
        System.arraycopy(result.parameters, k * result.numFeatures, w, 0, w.length);
        return w;
    }

    private void requireLinear(String what) {
        if (result.architecture.type() != dev.downhill.core.model.Architecture.Type.LINEAR) {
            throw new IllegalStateException("a network (" + result.architecture.describe() + ") has no single "
                    + what + " vector; read its layers with parameters(\"layers.0.weight\") and the like.");
        }
    }

    /** The intercept of output k; linear models only. */
    public double intercept(int k) {
        requireLinear("intercept");
        return result.parameters[result.numOutputs * result.numFeatures + k];
    }

    public long iterations() {
        return result.iterations;
    }

    /** The final objective f. */
    public double objectiveValue() {
        return result.objectiveValue;
    }

    public double gradientNorm() {
        return result.gradientNorm;
    }

    /** Why training stopped (as in model.json's stopReason). */
    public String stopReason() {
        return result.stopReason == null ? null : result.stopReason.label();
    }

    /** Everything training produced. */
    public TrainingResult trainingResult() {
        return result;
    }
}
