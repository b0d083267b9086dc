package dev.downhill.driver.ml;

import dev.downhill.core.loss.Objective;
import dev.downhill.driver.api.ModelScorer;
import dev.downhill.driver.train.TrainingResult;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.RegressionModel;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;

/**
 * A fitted {@link DownhillRegressor} (or a Downhill least-squares model loaded for Spark ML): the prediction is
 * z = w.x + b, computed by {@link ModelScorer}. Persistence: {@code save}/{@code load}, which write Spark ML's
 * metadata and the command line's model.json under {@code PATH/data}.
 */
public final class DownhillRegressionModel extends RegressionModel<Vector, DownhillRegressionModel>
        implements MLWritable {
    private static final long serialVersionUID = 1L;

    private final String uid = ConstructionUid.current();
    private final ModelScorer scorer;
    /** For saving, on the driver; tasks need the scorer only. */
    private final transient TrainingResult result;

    public DownhillRegressionModel(String uid, TrainingResult result) {
        this(uid, result, ConstructionUid.announce(uid));
    }

    private DownhillRegressionModel(String uid, TrainingResult result, Void announced) {
        ConstructionUid.done();
        if (result.objective != Objective.LEAST_SQUARES) {
            throw new IllegalArgumentException("a " + result.objective.cliName() + " model is a"
                    + " DownhillClassificationModel");
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
    public int numFeatures() {
        return scorer.numFeatures();
    }

    @Override
    public double predict(Vector features) {
        return scorer.prediction(scorer.outputs(features));
    }

    @Override
    public DownhillRegressionModel copy(ParamMap extra) {
        DownhillRegressionModel copy = copyValues(new DownhillRegressionModel(uid(), result), extra);
        return copy.setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new StagePersistence.ModelWriter(this, result);
    }

    public static MLReader<DownhillRegressionModel> read() {
        return new StagePersistence.ModelReader<>(DownhillRegressionModel.class, DownhillRegressionModel::new);
    }

    public static DownhillRegressionModel load(String path) {
        return read().load(path);
    }
}
