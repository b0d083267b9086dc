package dev.downhill.driver.spark;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.data.FeatureCovariance;
import dev.downhill.core.data.FeatureMoments;
import java.util.Collections;
import org.apache.spark.api.java.JavaRDD;

/** One distributed pass for the feature means and standard deviations (or covariance), merged in partition order. */
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
}
