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
        // train: the validation pass
        ValidationPass.Partial.class,
        ValidationPass.Partial[].class,
        // --feature-precision float32
        float[].class,
        dev.downhill.core.data.FloatDenseBlock.class,
        dev.downhill.core.data.FloatSparseBlock.class,
        // --preconditioner whiten: the covariance from loading (or its own pass)
        dev.downhill.core.data.FeatureCovariance.class,
        dev.downhill.core.data.FeatureCovariance[].class,
        dev.downhill.core.objective.CurvatureCovariance.class,
        dev.downhill.core.objective.CurvatureCovariance[].class,
        // train: the training-set metrics and margins of the model
        TrainingSetPass.Partial.class,
        TrainingSetPass.Partial[].class,
        // predict --keep-columns: the input columns a parsed row carries
        String[].class,
        // --aggregation sharded: pulled slices, partial gradients and slice results through shuffles and caches
        double[][].class,
        int[][].class,
    };

    /**
     * Spark SQL's schema classes, registered after {@link #CLASSES}: reading Parquet files that another writer
     * made (no Spark schema in the footer) lets Spark infer the schema in a job that returns the footers' schemas.
     * By name, since Spark supplies them; a name missing from this Spark version is skipped.
     */
    static final String[] SPARK_SCHEMA_CLASSES = {
        "org.apache.spark.sql.types.StructType",
        "[Lorg.apache.spark.sql.types.StructType;",
        "org.apache.spark.sql.types.StructField",
        "[Lorg.apache.spark.sql.types.StructField;",
        "[Lorg.apache.spark.sql.types.DataType;",
        "org.apache.spark.sql.types.Metadata",
        "org.apache.spark.sql.types.ArrayType",
        "org.apache.spark.sql.types.MapType",
        "org.apache.spark.sql.types.DecimalType",
        "org.apache.spark.sql.types.StringType",
        "org.apache.spark.sql.types.StringType$",
        "org.apache.spark.sql.types.CharType",
        "org.apache.spark.sql.types.VarcharType",
        "org.apache.spark.sql.types.BinaryType$",
        "org.apache.spark.sql.types.BooleanType$",
        "org.apache.spark.sql.types.ByteType$",
        "org.apache.spark.sql.types.ShortType$",
        "org.apache.spark.sql.types.IntegerType$",
        "org.apache.spark.sql.types.LongType$",
        "org.apache.spark.sql.types.FloatType$",
        "org.apache.spark.sql.types.DoubleType$",
        "org.apache.spark.sql.types.DateType$",
        "org.apache.spark.sql.types.TimestampType$",
        "org.apache.spark.sql.types.TimestampNTZType$",
        "org.apache.spark.sql.types.NullType$",
        "org.apache.spark.sql.types.DayTimeIntervalType",
        "org.apache.spark.sql.types.YearMonthIntervalType",
        "org.apache.spark.ml.linalg.VectorUDT",
        "org.apache.spark.ml.linalg.MatrixUDT",
    };

    /**
     * Scala's class tags, registered last: Spark's block replication (a sharded run stores each slice on two
     * executors) sends the block's storage level and class tag (a Java RDD's is the Object manifest) with it.
     */
    static final String[] REPLICATION_CLASSES = {
        "scala.reflect.ManifestFactory$ObjectManifest",
    };

    @Override
    public void registerClasses(Kryo kryo) {
        for (Class<?> c : CLASSES) {
            kryo.register(c);
        }
        for (String name : SPARK_SCHEMA_CLASSES) {
            try {
                kryo.register(Class.forName(name, false, kryo.getClassLoader()));
            } catch (ClassNotFoundException e) {
                // not in this Spark version: its files cannot hold that type either
            }
        }
        for (Class<?> c : dev.downhill.driver.sharded.ShardedDataLoss.KRYO_CLASSES) {
            kryo.register(c);
        }
        for (String name : REPLICATION_CLASSES) {
            try {
                kryo.register(Class.forName(name, false, kryo.getClassLoader()));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(name + " is not in this Scala library", e);
            }
        }
    }
}
