package dev.downhill.driver;

import dev.downhill.driver.spark.DownhillSpark;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/** One local[2] session per test class, with the same Kryo settings as production (registration required). */
public final class TestSpark {
    private TestSpark() {}

    public static SparkSession start(String name) {
        return SparkSession.builder().config(conf(name)).getOrCreate();
    }

    /**
     * The same, able to run Spark ML's evaluators and read Parquet schemas too: Spark's classes they ship are
     * registered by a test-only registrator next to Downhill's, and registration stays required.
     */
    public static SparkSession startWithSparkLibraries(String name) {
        SparkConf conf = conf(name);
        conf.set("spark.kryo.registrator", conf.get("spark.kryo.registrator") + ","
                + SparkLibraryKryoRegistrator.class.getName());
        return SparkSession.builder().config(conf).getOrCreate();
    }

    private static SparkConf conf(String name) {
        return DownhillSpark.configure(new SparkConf())
                .setMaster("local[2]")
                .setAppName(name)
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
    }

    public static JavaSparkContext context(SparkSession spark) {
        return JavaSparkContext.fromSparkContext(spark.sparkContext());
    }
}
