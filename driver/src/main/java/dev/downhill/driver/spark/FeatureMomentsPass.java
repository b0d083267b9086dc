package dev.downhill.driver.spark;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.data.FeatureCovariance;
import dev.downhill.core.data.FeatureMoments;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.CurvatureCovariance;
import java.util.Collections;
import org.apache.spark.api.java.JavaRDD;

/**
 * One distributed pass for the feature means and standard deviations (or covariance, or the curvature-weighted
 * covariance), merged in partition order.
 */
public final class FeatureMomentsPass {
    private FeatureMomentsPass() {}

    public static FeatureMoments compute(JavaRDD<DataBlock> blocks, int numFeatures) {
        JavaRDD<FeatureMoments> partials = blocks.mapPartitions(it -> {
            FeatureMoments m = new FeatureMoments(numFeatures);
            while (it.hasNext()) {
                m.add(it.next());
            }
            return Collections.singletonList(m).iterator();
        });
        return OrderedAggregation.aggregate(partials, SparkDataLoss.FAN_IN, FeatureMoments::merge);
    }

    public static FeatureCovariance covariance(JavaRDD<DataBlock> blocks, int numFeatures) {
        JavaRDD<FeatureCovariance> partials = blocks.mapPartitions(it -> {
            FeatureCovariance c = new FeatureCovariance(numFeatures);
            while (it.hasNext()) {
                c.add(it.next());
            }
            return Collections.singletonList(c).iterator();
        });
        return OrderedAggregation.aggregate(partials, SparkDataLoss.FAN_IN, FeatureCovariance::merge);
    }

    /**
     * The features' covariance weighted by the loss's curvature at {@code theta} ({@link CurvatureCovariance}), one
     * pass, merged in partition order.
     */
    public static CurvatureCovariance curvatureCovariance(JavaRDD<DataBlock> blocks, LinearModel model,
                                                          Objective objective, double[] theta,
                                                          boolean perOutput) {
        int numFeatures = model.numFeatures();
        JavaRDD<CurvatureCovariance> partials = blocks.mapPartitions(it -> {
            CurvatureCovariance c = new CurvatureCovariance(numFeatures, perOutput ? model.numOutputs() : 0);
            while (it.hasNext()) {
                c.add(model, objective, theta, it.next());
            }
            return Collections.singletonList(c).iterator();
        });
        return OrderedAggregation.aggregate(partials, SparkDataLoss.FAN_IN, CurvatureCovariance::merge);
    }
}
