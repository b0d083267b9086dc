package dev.downhill.driver;

import dev.downhill.driver.spark.DownhillSpark;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/** One local[2] session per test class, with the same Kryo settings as production (registration required). */
public final class TestSpark {
    private TestSpark() {}

    public static SparkSession start(String name) {
        SparkConf conf = DownhillSpark.configure(new SparkConf())
                .setMaster("local[2]")
                .setAppName(name)
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
        return SparkSession.builder().config(conf).getOrCreate();
    }

    public static JavaSparkContext context(SparkSession spark) {
        return JavaSparkContext.fromSparkContext(spark.sparkContext());
    }
}
