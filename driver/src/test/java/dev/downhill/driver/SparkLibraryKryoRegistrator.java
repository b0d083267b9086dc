package dev.downhill.driver;

import com.esotericsoftware.kryo.Kryo;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Tests only: Spark's own classes that its ML evaluators and its Parquet schema reading ship between tasks,
 * so the tests can check Downhill's output with Spark in a session that still requires registration
 * (Downhill's own classes stay checked by {@link dev.downhill.driver.spark.DownhillKryoRegistrator}).
 */
public final class SparkLibraryKryoRegistrator implements KryoRegistrator {
    static final String[] CLASSES = {
        // BinaryClassificationEvaluator
        "org.apache.spark.mllib.evaluation.binary.BinaryLabelCounter",
        "[Lorg.apache.spark.mllib.evaluation.binary.BinaryLabelCounter;",
        // RegressionEvaluator: the summarizer's buffer and the metric objects it carries
        "org.apache.spark.ml.stat.SummarizerBuffer",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$ComputeL1$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$ComputeM2$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$ComputeM2n$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$ComputeMax$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$ComputeMean$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$ComputeMin$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$ComputeNNZ$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$ComputeWeightSum$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$Count$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$Max$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$Mean$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$Min$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$NormL1$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$NormL2$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$NumNonZeros$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$Std$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$Sum$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$Variance$",
        // spark.read().parquet: the footers' schemas, read in a job
        "org.apache.spark.sql.types.StructType",
        "[Lorg.apache.spark.sql.types.StructType;",
        "org.apache.spark.sql.types.StructField",
        "[Lorg.apache.spark.sql.types.StructField;",
        "org.apache.spark.sql.types.ArrayType",
        "[Lorg.apache.spark.sql.types.DataType;",
        "org.apache.spark.sql.types.DoubleType$",
        "org.apache.spark.sql.types.Metadata",
    };

    @Override
    public void registerClasses(Kryo kryo) {
        for (String name : CLASSES) {
            try {
                kryo.register(Class.forName(name));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("Spark class " + name + " is gone; update the test registrator", e);
            }
        }
    }
}
