package dev.downhill.driver.ml;

import dev.downhill.core.loss.Objective;
import dev.downhill.driver.api.ModelScorer;
import dev.downhill.driver.train.TrainingResult;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;

/**
 * A fitted {@link DownhillClassifier} (or a Downhill logistic, softmax or hinge model loaded for Spark ML):
 * rawPrediction z as a vector ([-z, z] for the binary objectives), probability (logistic, softmax) and
 * prediction, computed by {@link ModelScorer}. Predictions are the data's labels (the model's classLabels),
 * not class indices; with {@code thresholds} set, the class of the largest p_k / t_k. A hinge model has no
 * probabilities: set {@code probabilityCol} to "". Persistence: {@code save}/{@code load}, which write Spark
 * ML's metadata and the command line's model.json under {@code PATH/data}.
 */
public final class DownhillClassificationModel
        extends ProbabilisticClassificationModel<Vector, DownhillClassificationModel> implements MLWritable {
    private static final long serialVersionUID = 1L;

    private final String uid = ConstructionUid.current();
    private final ModelScorer scorer;
    /** For saving, on the driver; tasks need the scorer only. */
    private final transient TrainingResult result;

    public DownhillClassificationModel(String uid, TrainingResult result) {
        this(uid, result, ConstructionUid.announce(uid));
    }

    private DownhillClassificationModel(String uid, TrainingResult result, Void announced) {
        ConstructionUid.done();
        if (result.objective == Objective.LEAST_SQUARES) {
            throw new IllegalArgumentException("a least-squares model is a DownhillRegressionModel");
        }
        this.result = result;
        this.scorer = new ModelScorer(result);
    }

    @Override
    public String uid() {
        return uid != null ? uid : ConstructionUid.current();
    }

    /** What training produced. */
    public TrainingResult trainingResult() {
        return result;
    }

    @Override
    public int numClasses() {
        return scorer.numClasses();
    }

    @Override
    public int numFeatures() {
        return scorer.numFeatures();
    }

    @Override
    public Vector predictRaw(Vector features) {
        return Vectors.dense(scorer.raw(scorer.outputs(features)));
    }

    @Override
    public Vector raw2probabilityInPlace(Vector rawPrediction) {
        double[] raw = ((DenseVector) rawPrediction).values();
        double[] p = scorer.probabilities(outputs(raw));
        System.arraycopy(p, 0, raw, 0, p.length);
        return rawPrediction;
    }

    @Override
    public double raw2prediction(Vector rawPrediction) {
        if (isDefined(thresholds())) {
            return probability2prediction(raw2probability(rawPrediction));
        }
        return scorer.prediction(outputs(rawPrediction.toArray()));
    }

    @Override
    public double probability2prediction(Vector probability) {
        double[] p = probability.toArray();
        if (isDefined(thresholds())) {
            double[] t = getThresholds();
            for (int k = 0; k < p.length; k++) {
                p[k] = t[k] == 0.0 ? Double.POSITIVE_INFINITY : p[k] / t[k];
            }
            return scorer.label(argmax(p));
        }
        // Logistic: p = [sigma(-z), sigma(z)], whose argmax is the rule sigma(z) > 1/2, ties to class 0.
        return scorer.label(argmax(p));
    }

    /** z from the raw prediction: its second entry for the binary objectives ([-z, z]), itself for softmax. */
    private double[] outputs(double[] raw) {
        return scorer.objective() == Objective.SOFTMAX ? raw : new double[] {raw[1]};
    }

    private static int argmax(double[] v) {
        int best = 0;
        for (int k = 1; k < v.length; k++) {
            if (v[k] > v[best]) {
                best = k;
            }
        }
        return best;
    }

    /**
     * Spark's own, restated: its Scala signatures (a covariant Tuple3) give javac two generic versions of one
     * inherited method, which a Java subclass must resolve.
     */
    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public scala.Tuple3 findSummaryModel() {
        return super.findSummaryModel();
    }

    @Override
    public DownhillClassificationModel copy(ParamMap extra) {
        DownhillClassificationModel copy = copyValues(new DownhillClassificationModel(uid(), result), extra);
        return copy.setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new StagePersistence.ModelWriter(this, result);
    }

    public static MLReader<DownhillClassificationModel> read() {
        return new StagePersistence.ModelReader<>(DownhillClassificationModel.class, DownhillClassificationModel::new);
    }

    public static DownhillClassificationModel load(String path) {
        return read().load(path);
    }
}
