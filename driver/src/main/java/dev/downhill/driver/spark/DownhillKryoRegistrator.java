package dev.downhill.driver.spark;

import com.esotericsoftware.kryo.Kryo;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Registers every type Downhill sends over the wire (task results, shuffles, broadcasts), since jobs run
 * with {@code spark.kryo.registrationRequired=true}: an unregistered class fails loudly instead of
 * silently writing its full class name with every object.
 */
public final class DownhillKryoRegistrator implements KryoRegistrator {

    /** The registered classes, in registration order (Kryo ids follow it: never reorder, only append). */
    static final Class<?>[] CLASSES = {
        double[].class,
        int[].class,
        long[].class,
        Object[].class,
        java.util.TreeMap.class,
        java.util.ArrayList.class,
        dev.downhill.core.data.DenseBlock.class,
        dev.downhill.core.data.SparseBlock.class,
        dev.downhill.core.data.DataBlock[].class,
        dev.downhill.core.objective.GradientAccumulator.class,
        dev.downhill.core.objective.GradientAccumulator[].class,
        dev.downhill.core.objective.SmoothnessBound.class,
        dev.downhill.driver.io.ParsedRow.class,
        dev.downhill.driver.io.RowRef.class,
        dev.downhill.driver.io.InputSummary.class,
        dev.downhill.driver.io.InputSummary[].class,
        dev.downhill.driver.io.BlockStats.class,
        dev.downhill.driver.io.BlockStats[].class,
        TimedPartial.class,
        TimedPartial[].class,
        // evaluate: one metrics partial per task, ROC segments, and the objective they carry
        dev.downhill.core.loss.Objective.class,
        dev.downhill.core.metrics.MetricsAccumulator.class,
        dev.downhill.core.metrics.MetricsAccumulator[].class,
        dev.downhill.core.metrics.ClassificationCounts.class,
        dev.downhill.core.metrics.RegressionErrors.class,
        dev.downhill.core.metrics.RocArea.class,
        dev.downhill.core.metrics.RocArea[].class,
        // train: standardization's one pass
        dev.downhill.core.data.FeatureMoments.class,
        dev.downhill.core.data.FeatureMoments[].class,
        // --feature-precision float32
        float[].class,
        dev.downhill.core.data.FloatDenseBlock.class,
        dev.downhill.core.data.FloatSparseBlock.class,
    };

    @Override
    public void registerClasses(Kryo kryo) {
        for (Class<?> c : CLASSES) {
            kryo.register(c);
        }
    }
}
