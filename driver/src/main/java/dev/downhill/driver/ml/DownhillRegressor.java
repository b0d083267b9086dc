package dev.downhill.driver.ml;

import dev.downhill.driver.api.DownhillModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.regression.Regressor;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;

/**
 * Downhill's least squares as a Spark ML regressor: an {@code Estimator} for a {@code Pipeline} or a
 * {@code CrossValidator}. It minimizes f(w, b) = (1/(2N)) sum (w.x_i + b - y_i)^2 + lambda (alpha ||w||_1 +
 * ((1 - alpha)/2)||w||^2), lambda = {@code regParam}, alpha = {@code elasticNetParam}, over the columns
 * {@code labelCol} and {@code featuresCol} (a vector column), with {@code train}'s default optimizer (L-BFGS,
 * or FISTA with an L1 part) from zero, at most {@code maxIter} iterations, stopping at ||grad f|| <=
 * {@code tol} or train's relative tolerances; as Spark's LinearRegression with standardization off. Rows are keyed by content, so the fit does
 * not depend on how the DataFrame is partitioned.
 *
 * <p>Params besides the usual columns: {@code maxIter} (1000),
 * {@code regParam} (0), {@code elasticNetParam} (0), {@code tol} (1e-6), {@code weightCol} (none), {@code numPartitions} (0: from the
 * input size), {@code downhillSettings} (further train settings as "key=value key=value", command-line names)
 * and {@code outputDir} (where a fit writes model.json, metrics.jsonl and report.html, under the command line's
 * output rules: a folder holding a model is refused unless downhillSettings has overwrite=true; none: a
 * temporary folder).
 * Persistence: {@code save}/{@code load} ({@code DefaultParamsWritable}).
 */
public final class DownhillRegressor
        extends Regressor<Vector, DownhillRegressor, DownhillRegressionModel>
        implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    // First: the Params below ask for it as they are made.
    private final String uid = ConstructionUid.current();

    private final IntParam maxIter = new IntParam(this, "maxIter", "iteration limit (>= 0)", ParamValidators.gtEq(0));
    private final DoubleParam regParam = new DoubleParam(this, "regParam",
            "L2 strength lambda: adds (lambda/2)||w||^2 (>= 0)", ParamValidators.gtEq(0));
    private final DoubleParam elasticNetParam = new DoubleParam(this, "elasticNetParam",
            "elastic-net mixing alpha in [0, 1]: regParam (alpha ||w||_1 + ((1 - alpha)/2) ||w||^2), as in Spark ML",
            ParamValidators.inRange(0, 1));
    private final DoubleParam tol = new DoubleParam(this, "tol", "stop once ||grad f|| <= tol (>= 0)",
            ParamValidators.gtEq(0));
    private final Param<String> weightCol = new Param<>(this, "weightCol",
            "column of positive instance weights; empty: none");
    private final IntParam numPartitions = new IntParam(this, "numPartitions",
            "partitions of the cached data; 0: one per 32 MiB of input, at least 2", ParamValidators.gtEq(0));
    private final Param<String> downhillSettings = new Param<>(this, "downhillSettings",
            "further train settings under their command-line names: 'key=value key=value'");
    private final Param<String> outputDir = new Param<>(this, "outputDir",
            "folder a fit writes model.json, metrics.jsonl and report.html to (one holding a model is refused"
                    + " unless downhillSettings has overwrite=true); empty: a temporary folder");
    // As MultilayerPerceptronClassifier's layers, without the input and output widths (the data gives them).
    private final IntArrayParam hiddenLayers = new IntArrayParam(this, "hiddenLayers",
            "hidden layer widths of a network (--model mlp --hidden); empty: a linear model");
    private final Param<String> activation = new Param<>(this, "activation",
            "hidden activation of a network: relu, leaky-relu, tanh, sigmoid, gelu or softplus",
            ParamValidators.inArray(new String[] {"relu", "leaky-relu", "tanh", "sigmoid", "gelu", "softplus"}));

    public DownhillRegressor() {
        this(Identifiable.randomUID("downhillClassifier"));
    }

    public DownhillRegressor(String uid) {
        this(uid, ConstructionUid.announce(uid));
    }

    private DownhillRegressor(String uid, Void announced) {
        ConstructionUid.done();
        setDefault(maxIter, 1000);
        setDefault(regParam, 0.0);
        setDefault(elasticNetParam, 0.0);
        setDefault(tol, 1e-6);
        setDefault(weightCol, "");
        setDefault(numPartitions, 0);
        setDefault(downhillSettings, "");
        setDefault(outputDir, "");
        setDefault(hiddenLayers, new int[0]);
        setDefault(activation, "relu");
    }

    @Override
    public String uid() {
        return uid != null ? uid : ConstructionUid.current();
    }

    public IntParam maxIter() {
        return maxIter;
    }

    public DoubleParam regParam() {
        return regParam;
    }

    public DoubleParam tol() {
        return tol;
    }

    public Param<String> weightCol() {
        return weightCol;
    }

    public IntParam numPartitions() {
        return numPartitions;
    }

    public Param<String> downhillSettings() {
        return downhillSettings;
    }

    public IntArrayParam hiddenLayers() {
        return hiddenLayers;
    }

    public int[] getHiddenLayers() {
        return (int[]) getOrDefault(hiddenLayers);
    }

    public DownhillRegressor setHiddenLayers(int... value) {
        set(hiddenLayers, value);
        return this;
    }

    public Param<String> activation() {
        return activation;
    }

    public String getActivation() {
        return (String) getOrDefault(activation);
    }

    public DownhillRegressor setActivation(String value) {
        set(activation, value);
        return this;
    }

    public Param<String> outputDir() {
        return outputDir;
    }

    public int getMaxIter() {
        return (Integer) getOrDefault(maxIter);
    }

    public DoubleParam elasticNetParam() {
        return elasticNetParam;
    }

    public double getElasticNetParam() {
        return (Double) getOrDefault(elasticNetParam);
    }

    public DownhillRegressor setElasticNetParam(double value) {
        set(elasticNetParam, value);
        return this;
    }

    public double getRegParam() {
        return (Double) getOrDefault(regParam);
    }

    public double getTol() {
        return (Double) getOrDefault(tol);
    }

    public String getWeightCol() {
        return getOrDefault(weightCol);
    }

    public int getNumPartitions() {
        return (Integer) getOrDefault(numPartitions);
    }

    public String getDownhillSettings() {
        return getOrDefault(downhillSettings);
    }

    public String getOutputDir() {
        return getOrDefault(outputDir);
    }

    public DownhillRegressor setMaxIter(int value) {
        set(maxIter, value);
        return this;
    }

    public DownhillRegressor setRegParam(double value) {
        set(regParam, value);
        return this;
    }

    public DownhillRegressor setTol(double value) {
        set(tol, value);
        return this;
    }

    public DownhillRegressor setWeightCol(String value) {
        set(weightCol, value);
        return this;
    }

    public DownhillRegressor setNumPartitions(int value) {
        set(numPartitions, value);
        return this;
    }

    public DownhillRegressor setDownhillSettings(String value) {
        set(downhillSettings, value);
        return this;
    }

    public DownhillRegressor setOutputDir(String value) {
        set(outputDir, value);
        return this;
    }

    @Override
    public DownhillRegressionModel train(Dataset<?> dataset) {
        DownhillModel trained = StageTraining.builder("least-squares", getMaxIter(), getRegParam(), getElasticNetParam(), getTol(),
                getLabelCol(), getFeaturesCol(), getWeightCol(), getNumPartitions(), getDownhillSettings(),
                getOutputDir(), false, getHiddenLayers(), getActivation())
                .build()
                .train(dataset.toDF());
        return new DownhillRegressionModel(uid(), trained.trainingResult());
    }

    @Override
    public DownhillRegressor copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** Spark's metadata, saved under the folder's lock; overwrite() replaces only the saved stage's files. */
    @Override
    public MLWriter write() {
        return new StagePersistence.ParamsWriter(this);
    }

    public static MLReader<DownhillRegressor> read() {
        return new DefaultParamsReader<>();
    }

    public static DownhillRegressor load(String path) {
        return read().load(path);
    }
}
